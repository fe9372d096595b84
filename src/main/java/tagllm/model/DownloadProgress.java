package tagllm.model;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar for a file download, redrawn in place on a terminal stream at most ten times a second. */
final class DownloadProgress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long startBytes;
    private long lastDraw;

    DownloadProgress(PrintStream out, String label, long total, long alreadyHave) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.startBytes = alreadyHave;
    }

    void update(long done) {
        if (out == null) return;
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        draw(done, false);
    }

    void finish(long done) {
        if (out != null) draw(done, true);
    }

    private void draw(long done, boolean last) {
        double secs = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
        String rate = human((long) ((done - startBytes) / secs)) + "/s";
        String line;
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / total);
            line = String.format(Locale.ROOT, "%-28s %3d%% [%s%s] %s/%s %s", label, 100 * done / total,
                    "#".repeat(filled), " ".repeat(WIDTH - filled), human(done), human(total), rate);
        } else {
            line = String.format(Locale.ROOT, "%-28s %s %s", label, human(done), rate);
        }
        out.print("\r" + line + (last ? "\n" : ""));
        out.flush();
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
