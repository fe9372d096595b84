package tagllm.model;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of one file's download. On a terminal: a bar redrawn in place at most ten times a second, its line ended
 * when the file is done or the download fails (so that an error starts on a line of its own). Elsewhere (a log, a
 * pipe): no redraws, one plain line when the file is done, and a plain line every 30 s while a long one arrives.
 */
final class DownloadProgress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;
    static final long PLAIN_LINE_NANOS = 30_000_000_000L;
    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long startBytes;
    private long lastDraw;
    private boolean lineOpen;

    DownloadProgress(PrintStream out, boolean terminal, String label, long total, long alreadyHave) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        this.total = total;
        this.startBytes = alreadyHave;
        this.lastDraw = terminal ? startNanos - REDRAW_NANOS : startNanos;
    }

    void update(long done) {
        if (out == null) return;
        long now = System.nanoTime();
        if (now - lastDraw < (terminal ? REDRAW_NANOS : PLAIN_LINE_NANOS)) return;
        lastDraw = now;
        draw(done, false);
    }

    void finish(long done) {
        if (out != null) draw(done, true);
    }

    /** The download failed: ends a bar drawn in place, so that the error that follows starts on its own line. */
    void abandon() {
        if (out != null && lineOpen) {
            out.println();
            out.flush();
            lineOpen = false;
        }
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
        if (terminal) {
            out.print("\r" + line + (last ? "\n" : ""));
            lineOpen = !last;
        } else {
            out.println(line);
        }
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
