package tagllm.train;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on stderr: steps done, loss, tokens per second and ETA. On a terminal it redraws one
 * line (at most a few times a second); otherwise (a log file, CI) it prints plain lines in the rhythm and wording of
 * the row commands' ({@link tagllm.util.LogRhythm}: the first after 10 s, then at most one every 30 s, and the
 * stage's end if any was written), "stage s1: step 120/1,000 (12.0%), loss 0.4321, 12.3k tok/s, ETA 29 s".
 * Messages (skipped rows, stage starts) are printed unless the progress is silent; quiet hides the bar only.
 */
public final class Progress {
    private final PrintWriter err;
    private final boolean terminal;
    private final boolean quiet;
    private final boolean silent;
    private String label = "";
    private int total;
    private long startNanos;
    private int startStep;
    private long lastDraw;
    private final java.util.function.LongSupplier nanos;
    private tagllm.util.LogRhythm rhythm = new tagllm.util.LogRhythm(0);

    /**
     * @param err      where lines go
     * @param terminal redraw one bar in place (a terminal) rather than print a line per tenth
     * @param quiet    no progress bars, notes still printed
     * @param silent   nothing at all
     */
    public Progress(PrintWriter err, boolean terminal, boolean quiet, boolean silent) {
        this(err, terminal, quiet, silent, System::nanoTime);
    }

    /** {@code nanos}: the clock (a test's own, to drive time). */
    Progress(PrintWriter err, boolean terminal, boolean quiet, boolean silent, java.util.function.LongSupplier nanos) {
        this.nanos = nanos;
        this.err = err;
        this.terminal = terminal;
        this.quiet = quiet || silent;
        this.silent = silent;
    }

    /** Progress on System.err (quiet: notes only), a redrawn bar when it is a terminal. */
    public static Progress stderr(boolean quiet) { return to(new PrintWriter(System.err, true), quiet); }

    /** Progress written to err (a command's error stream); a redrawn bar when the process has a terminal. */
    public static Progress to(PrintWriter err, boolean quiet) { return new Progress(err, tagllm.util.Terminal.stderr(), quiet, false); }

    /** No output at all (a library call that reports through its return value). */
    public static Progress silent() { return new Progress(new PrintWriter(System.err, true), false, true, true); }

    /** A new bar: {@code label}, counting from step {@code fromStep} (a resumed stage) to {@code total}. */
    public void start(String label, int fromStep, int total) {
        this.label = label;
        this.total = total;
        this.startStep = fromStep;
        this.startNanos = nanos.getAsLong();
        this.lastDraw = 0;
        this.rhythm = new tagllm.util.LogRhythm(startNanos);
    }

    /** The bar at {@code step} with the current loss and speed (drawn at most four times a second; a log's rhythm). */
    public void update(int step, double loss, double tokensPerSecond) {
        if (quiet) return;
        long now = nanos.getAsLong();
        boolean last = step >= total;
        if (terminal) {
            if (!last && now - lastDraw < 250_000_000L) return;
            lastDraw = now;
            err.print("\r" + line(step, loss, tokensPerSecond, now) + (last ? "\n" : ""));
            err.flush();
        } else {
            if (last ? !rhythm.wrote() : !rhythm.due(now)) return;
            err.println(logLine(step, loss, tokensPerSecond, now, last));
            err.flush();
        }
    }

    /** A note on its own line (skipped rows, a data file without split column), unless silent. */
    public void message(String text) {
        if (!silent) {
            err.println(text);
            err.flush();
        }
    }

    String line(int step, double loss, double tps, long now) {
        int width = 24;
        int filled = (int) Math.round(width * (double) step / Math.max(1, total));
        String bar = "=".repeat(Math.max(0, filled)) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        double elapsed = (now - startNanos) / 1e9;
        int done = step - startStep;
        String eta = done > 0 ? clock(elapsed / done * (total - step)) : "--:--";
        return String.format(Locale.ROOT, "%s [%s] %d/%d loss %.4f %s tok/s ETA %s", label, bar, step, total, loss, rate(tps), eta);
    }

    /** A log's line: "stage s1: step 120/1,000 (12.0%), loss 0.4321, 12.3k tok/s, ETA 29 s"; at the end "..., 45 s in all". */
    String logLine(int step, double loss, double tps, long now, boolean last) {
        double elapsed = (now - startNanos) / 1e9;
        int done = step - startStep;
        String when = last ? tagllm.util.LogRhythm.duration(elapsed) + " in all"
                : done > 0 ? "ETA " + tagllm.util.LogRhythm.duration(elapsed / done * (total - step)) : "ETA unknown";
        return String.format(Locale.ROOT, "%s: step %s/%s (%.1f%%), loss %.4f, %s tok/s, %s", label, tagllm.util.LogRhythm.count(step),
                tagllm.util.LogRhythm.count(total), 100.0 * step / Math.max(1, total), loss, rate(tps), when);
    }

    private static String rate(double tps) {
        if (tps >= 1e6) return String.format(Locale.ROOT, "%.1fM", tps / 1e6);
        if (tps >= 1e3) return String.format(Locale.ROOT, "%.1fk", tps / 1e3);
        return String.format(Locale.ROOT, "%.0f", tps);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
