package tagllm.util;

import java.math.BigDecimal;

/**
 * Python's {@code repr(float)} / {@code str(float)}: the shortest digits that round-trip, in fixed notation
 * for decimal exponents from -4 to 15 (always with a fractional part, "2.0") and scientific notation
 * otherwise ("1e-05", "1.5e+16"). The paper's text labels are cut from this string, so it must match.
 */
public final class PythonFloat {
    private PythonFloat() {}

    public static String repr(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == 0) return (1 / x < 0) ? "-0.0" : "0.0";
        // Java's Double.toString yields the shortest round-trip digits (JDK 19+), as Python's repr does
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(x))).stripTrailingZeros();
        if (d.precision() == 2) {
            // Java prints at least two digits; when one digit also round-trips (5e-324), Python prints that
            BigDecimal one = d.round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == Math.abs(x)) d = one.stripTrailingZeros();
        }
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder(x < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) sb.append('0');
            sb.append(abs);
        } else if (exponent < 0) {
            sb.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            sb.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return sb.toString();
    }
}
