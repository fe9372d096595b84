package tagllm.eval;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Formats scores the way sacreBLEU prints them, so a report shows the same digits as the Python tool. */
public final class ScoreFormat {
    private ScoreFormat() {}

    /**
     * Python's {@code f"{x:.{digits}f}"}: rounds the exact binary value half-to-even, where
     * {@link String#format} would round its shortest decimal form half-up (0.125 → "0.13" instead of "0.12").
     */
    public static String fixed(double x, int digits) {
        if (!Double.isFinite(x)) return Double.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
        String s = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        // Python keeps the sign of a negative number that rounds to zero ("-0.00")
        return (x < 0 || (x == 0 && 1 / x < 0)) && !s.startsWith("-") ? "-" + s : s;
    }
}
