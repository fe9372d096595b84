package tagllm.serve;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Answers the errors Jetty raises itself, before or instead of {@link ApiHandler} (a request line it cannot parse,
 * an ambiguous path such as {@code //health}, a header over the size limit, a bad Content-Length), as the API's
 * {@code {"error": ...}} with the same status. Jetty's own handler writes an HTML page there, which clients of a
 * JSON API cannot read.
 */
final class JsonErrorHandler implements Request.Handler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        String detail = (String) request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        if (request.getAttribute(ErrorHandler.ERROR_EXCEPTION) instanceof HttpException e) {
            status = e.getCode();
            response.setStatus(status);
            if (detail == null) detail = e.getReason();
        }
        if (HttpStatus.hasNoBody(status) || "HEAD".equalsIgnoreCase(request.getMethod())) {
            callback.succeeded();
            return true;
        }
        byte[] body;
        try {
            body = RequestBodies.JSON.writeValueAsBytes(ApiHandler.error(message(status, detail)));
        } catch (IOException e) {
            callback.failed(e);
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /** "Bad Request: Ambiguous URI empty segment": the status's reason, then what Jetty found, when it says more. */
    static String message(int status, String detail) {
        String reason = HttpStatus.getMessage(status);
        if (detail == null || detail.isBlank() || detail.equalsIgnoreCase(reason)) return reason;
        return reason + ": " + detail;
    }
}
