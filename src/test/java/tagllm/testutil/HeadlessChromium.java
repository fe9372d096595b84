package tagllm.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A report page rendered by a real headless Chromium: the DOM after its scripts ran, and the JSON the page writes
 * into its {@code render-status} element (charts drawn, blank canvases, script errors).
 */
public final class HeadlessChromium {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The rendered DOM and the page's render status. */
    public record Page(String dom, JsonNode status) {}

    private HeadlessChromium() {}

    /** chromium, chromium-browser or google-chrome on PATH, or null (the browser checks are then skipped). */
    public static String find() {
        for (String c : new String[]{"chromium", "chromium-browser", "google-chrome"}) {
            for (String dirName : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dirName, c))) return Path.of(dirName, c).toString();
            }
        }
        return null;
    }

    /** Opens html in the browser found by {@link #find} and reads the page's render status. */
    public static Page render(String chromium, Path html) throws Exception {
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "--virtual-time-budget=10000",
                html.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished within 120 s");
        int at = dom.indexOf("id=\"render-status\">");
        assertTrue(at >= 0, "the page has its status element");
        String status = dom.substring(at + "id=\"render-status\">".length(), dom.indexOf("</pre>", at)).replace("&quot;", "\"");
        return new Page(dom, JSON.readTree(status));
    }
}
