package tagllm.util;

import java.util.Locale;

/**
 * When a progress line goes to a log (stderr not a terminal: nohup, cron, CI, a batch scheduler): the first once 10 s
 * have passed, then at most one every 30 s, so a run shorter than 10 s logs none and a ten-minute run about twenty,
 * and a long one still shows it is alive. Row work ({@link RowProgress}) and training ({@code tagllm.train.Progress})
 * share it, with the same wording: "label: 12,000/53,000 rows (22.6%), 1,410 rows/s, ETA 29 s".
 */
public final class LogRhythm {
    static final long FIRST_NANOS = 10_000_000_000L;
    static final long EVERY_NANOS = 30_000_000_000L;
    private final long start;
    private long last;
    private int lines;

    public LogRhythm(long startNanos) { this.start = startNanos; }

    /** Whether a line is due at {@code now}; if so it counts as written. */
    public boolean due(long now) {
        if (now - start < FIRST_NANOS || lines > 0 && now - last < EVERY_NANOS) return false;
        last = now;
        lines++;
        return true;
    }

    /** Whether a line was written: the run's last line (its end) then closes the log's account, else nothing. */
    public boolean wrote() { return lines > 0; }

    /** A count with thousands separators (12,000). */
    public static String count(long n) { return String.format(Locale.ROOT, "%,d", n); }

    /** done/total with its percentage ("12,000/53,000 rows (22.6%)"); only the count when the total is unknown (0). */
    public static String ofTotal(long done, long total, String unit) {
        return total > 0 ? String.format(Locale.ROOT, "%s/%s %s (%.1f%%)", count(done), count(total), unit, 100.0 * done / total)
                : count(done) + " " + unit;
    }

    /** A duration in words for a log: "29 s", "4 min 05 s", "2 h 03 min". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + " s";
        if (s < 3600) return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, s / 60 % 60);
    }
}
