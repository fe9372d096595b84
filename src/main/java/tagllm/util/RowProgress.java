package tagllm.util;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a command that works through rows (predict, eval, perplexity, chem): "label [bar] done/total rows,
 * rows/s, ETA", redrawn in place at most four times a second when stderr is a terminal, silent otherwise (a log gets
 * the command's summary line instead of a hundred redraws). Training has its own bar with loss and tokens/s
 * ({@code tagllm.train.Progress}).
 */
public final class RowProgress {
    private static final long REDRAW_NANOS = 250_000_000L;
    private final PrintWriter err;
    private final boolean show;
    private final String label;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private boolean drawn;

    public RowProgress(PrintWriter err, boolean show, String label, String unit, long total) {
        this.err = err;
        this.show = show && total > 0;
        this.label = label;
        this.unit = unit;
        this.total = total;
    }

    /** Rows shown on a terminal, nothing elsewhere or when quiet. */
    public static RowProgress of(PrintWriter err, boolean quiet, String label, long total) {
        return new RowProgress(err, !quiet && Terminal.stderr(), label, "rows", total);
    }

    /**
     * A bar over a data file's records (chem, data build: they stream the file, so the total is a line count, read
     * only when a terminal will show the bar; a FASTA record is its '>' line).
     */
    public static RowProgress overFile(PrintWriter err, boolean quiet, String label, java.nio.file.Path input) {
        if (quiet || !Terminal.stderr()) return new RowProgress(err, false, label, "rows", 0);
        // a pipe (--input /dev/stdin, <(zcat ...)) can be read once: counting its rows left the command an empty file
        if (!java.nio.file.Files.isRegularFile(input)) return new RowProgress(err, false, label, "rows", 0);
        return new RowProgress(err, true, label, "rows", records(input));
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
        done = Math.min(doneSoFar, total);
        if (!show) return;
        long now = System.nanoTime();
        if (done < total && now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        err.print("\r" + line(now));
        drawn = true;
        err.flush();
    }

    /** Ends the bar's line (the next message starts on a clean line). */
    public synchronized void finish() {
        if (show && drawn) {
            err.print("\r" + line(System.nanoTime()) + "\n");
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

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
