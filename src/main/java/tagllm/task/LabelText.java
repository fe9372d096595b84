package tagllm.task;

import java.math.BigDecimal;

/**
 * Labels written as text the way the paper's code does: {@code str(value)[:6]}, right-padded with "0"
 * to 6 characters (0.72341234 → "0.7234", 5.0 → "5.0000"). Python's str of a float is its shortest
 * round-trip repr, plain between 1e-4 and 1e16, else "1e-05" style.
 */
public final class LabelText {
    private LabelText() {}

    public static String format(double v) {
        String s = pythonRepr(v);
        if (s.length() >= 6) return s.substring(0, 6);
        return s + "0".repeat(6 - s.length());
    }

    static String pythonRepr(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        double a = Math.abs(v);
        // Java 19+ Double.toString gives the shortest round-trip digits, like Python's repr.
        BigDecimal d = new BigDecimal(Double.toString(v));
        if (a >= 1e-4 && a < 1e16) {
            String plain = d.stripTrailingZeros().toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        BigDecimal u = d.stripTrailingZeros();
        int exp = u.precision() - u.scale() - 1;
        String digits = u.unscaledValue().abs().toString();
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        return (v < 0 ? "-" : "") + mant + "e" + e;
    }
}
