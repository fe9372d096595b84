package tagllm.model;

import java.util.Map;

/** A separate process for {@link HubDownloadTest}: resolves a Hub id as the CLI does (progress on stderr). Args: endpoint, cache, id. */
public final class HubDownloadMain {
    private HubDownloadMain() {}

    public static void main(String[] args) {
        try {
            var locator = new ModelLocator(Map.of("HF_ENDPOINT", args[0], "HF_HUB_CACHE", args[1], "HF_HOME", args[1] + "-home"), System.err);
            System.out.println(locator.resolve(args[2]));
        } catch (Exception e) {
            System.out.println("error: " + e.getMessage());
            System.exit(1);
        }
    }
}
