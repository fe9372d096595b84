package tagllm.util;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a command that works through rows (predict, eval, perplexity, chem, data build): "label [bar]
 * done/total rows, rows/s, ETA", redrawn in place at most four times a second when stderr is a terminal. Elsewhere (a
 * log under nohup, cron, CI) plain lines in {@link LogRhythm}'s rhythm: "label: 12,000/53,000 rows (22.6%), 1,410
 * rows/s, ETA 29 s", the first after 10 s, then at most one every 30 s, and a last one at the end if any was written:
 * nothing for a short run. Training has its own bar with loss and tokens/s ({@code tagllm.train.Progress}).
 */
public final class RowProgress {
    private static final long REDRAW_NANOS = 250_000_000L;

    /** How progress is shown: not at all (--quiet), a bar redrawn on a terminal, or plain lines in a log. */
    enum Mode { OFF, BAR, LOG }

    private final PrintWriter err;
    private final Mode mode;
    private final String label;
    private final String unit;
    private final long total;
    private final java.util.function.LongSupplier nanos;
    private final long start;
    private final LogRhythm rhythm;
    private long done;
    private long lastDraw;
    private boolean drawn;

    /** A bar on a terminal when {@code show}, else nothing. */
    public RowProgress(PrintWriter err, boolean show, String label, String unit, long total) {
        this(err, show ? Mode.BAR : Mode.OFF, label, unit, total, System::nanoTime);
    }

    /** {@code nanos}: the clock (System.nanoTime; a test's own, to drive time). A bar needs a total; log lines do not. */
    RowProgress(PrintWriter err, Mode mode, String label, String unit, long total, java.util.function.LongSupplier nanos) {
        this.err = err;
        this.mode = mode == Mode.BAR && total <= 0 ? Mode.OFF : mode;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.nanos = nanos;
        this.start = nanos.getAsLong();
        this.rhythm = new LogRhythm(start);
    }

    /** Rows shown on a terminal as a bar, in a log as a line now and then, nothing when quiet. */
    public static RowProgress of(PrintWriter err, boolean quiet, String label, long total) {
        return of(err, quiet, label, "rows", total);
    }

    /** As {@link #of(PrintWriter, boolean, String, long)}, counting {@code unit} (perplexity's tokens). */
    public static RowProgress of(PrintWriter err, boolean quiet, String label, String unit, long total) {
        return new RowProgress(err, mode(quiet), label, unit, total, System::nanoTime);
    }

    private static Mode mode(boolean quiet) { return quiet ? Mode.OFF : Terminal.stderr() ? Mode.BAR : Mode.LOG; }

    /**
     * Progress over a data file's records (predict, chem, data build: they stream the file, so the total is a line
     * count, read only when progress is shown; a FASTA record is its '>' line).
     */
    public static RowProgress overFile(PrintWriter err, boolean quiet, String label, java.nio.file.Path input) {
        Mode mode = mode(quiet);
        if (mode == Mode.OFF) return new RowProgress(err, Mode.OFF, label, "rows", 0, System::nanoTime);
        // a pipe (--input /dev/stdin, <(zcat ...)) can be read once: counting its rows left the command an empty file.
        // Its total stays unknown: no bar, and log lines with the count alone
        long total = java.nio.file.Files.isRegularFile(input) && (mode == Mode.BAR || countedForLog(input)) ? records(input) : 0;
        return new RowProgress(err, mode, label, "rows", total, System::nanoTime);
    }

    /** The file size up to which a log's progress counts the input's rows first, for a total and an ETA. */
    static final long LOG_COUNT_LIMIT_BYTES = 64L << 20;

    /**
     * Whether a log's progress reads the input once more to count its rows: only a file of at most 64 MiB (well under
     * a second). A batch job's input of gigabytes is read once, its lines counting its rows so far, rather than
     * delaying the work by a second pass that only a log line would use.
     */
    static boolean countedForLog(java.nio.file.Path input) {
        try {
            return java.nio.file.Files.size(input) <= LOG_COUNT_LIMIT_BYTES;
        } catch (java.io.IOException e) {
            return false; // unreadable: the command itself reports it
        }
    }

    /**
     * The records a file holds, as far as a line count tells (the bar's total): FASTA's headers, JSON Lines' non-blank
     * lines (no header line), a table's lines after its header. 0 when unreadable: the command itself reports it.
     */
    static long records(java.nio.file.Path input) {
        String name = input.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean fasta = name.matches(".*\\.(fasta|fa|faa)(\\.gz)?$"), jsonl = name.matches(".*\\.(jsonl|ndjson|json)(\\.gz)?$");
        // (the text the readers see: a .csv.gz counted as bytes is not UTF-8 and gave no total)
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(tagllm.data.Dataset.bytes(input),
                java.nio.charset.StandardCharsets.UTF_8)).lines()) {
            if (fasta) return lines.filter(l -> l.startsWith(">")).count();
            if (jsonl) return lines.filter(l -> !l.isBlank()).count();
            return Math.max(0, lines.count() - 1);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    public synchronized void advance(long n) { to(done + n); }

    /** Thread-safe: the work may report from several threads. */
    public synchronized void to(long doneSoFar) {
        done = total > 0 ? Math.min(doneSoFar, total) : doneSoFar;
        if (mode == Mode.OFF) return;
        long now = nanos.getAsLong();
        if (mode == Mode.LOG) {
            if (rhythm.due(now)) {
                err.println(logLine(now, false));
                err.flush();
            }
            return;
        }
        if (done < total && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        err.print("\r" + line(now));
        drawn = true;
        err.flush();
    }

    /** Ends the bar's line (the next message starts on a clean line); in a log, the last line if any was written. */
    public synchronized void finish() {
        if (mode == Mode.LOG && rhythm.wrote()) {
            err.println(logLine(nanos.getAsLong(), true));
            err.flush();
        } else if (mode == Mode.BAR && drawn) {
            err.print("\r" + line(nanos.getAsLong()) + "\n");
            err.flush();
            drawn = false;
        }
    }

    String line(long now) {
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        int width = 24, filled = (int) (width * done / Math.max(1, total));
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        String eta = done > 0 && done < total ? clock((total - done) / rate) : done >= total ? clock(seconds) + " total" : "--:--";
        return String.format(Locale.ROOT, "%s [%s] %d/%d %s %.1f %s/s %s%s", label, bar, done, total, unit, rate, unit,
                done >= total ? "" : "ETA ", eta);
    }

    /** A log's line: "predict qed: 12,000/53,000 rows (22.6%), 1,410 rows/s, ETA 29 s"; at the end "..., 37 s in all". */
    String logLine(long now, boolean end) {
        double seconds = (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        String when = end || total > 0 && done >= total ? LogRhythm.duration(seconds) + " in all"
                : total > 0 && done > 0 ? "ETA " + LogRhythm.duration((total - done) / rate)
                : total > 0 ? "ETA unknown" : LogRhythm.duration(seconds) + " so far";
        return String.format(Locale.ROOT, "%s: %s, %s %s/s, %s", label, LogRhythm.ofTotal(done, total, unit),
                LogRhythm.count(Math.round(rate)), unit, when);
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
