package tagllm.serve;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/** The serve tests' HTTP client sends what a plain HTTP/1.1 client sends, seen by a socket that records it. */
class ServeFixtureTest {
    @Test
    void theTestClientSendsPlainHttp11WithoutAnH2cUpgrade() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> head = CompletableFuture.supplyAsync(() -> {
                try (Socket k = listener.accept()) {
                    k.setSoTimeout(10_000);
                    InputStream in = k.getInputStream();
                    StringBuilder b = new StringBuilder();
                    while (!b.toString().endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) break;
                        b.append((char) c);
                    }
                    k.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    return b.toString();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ServeFixture.Reply r = ServeFixture.post(URI.create("http://127.0.0.1:" + listener.getLocalPort()), "/v1/predict", "{}");
            assertEquals(200, r.status());
            String sent = head.get().toLowerCase(Locale.ROOT);
            assertTrue(sent.startsWith("post /v1/predict http/1.1\r\n"), sent);
            assertFalse(sent.contains("upgrade") || sent.contains("http2-settings"), sent);
        }
    }
}
