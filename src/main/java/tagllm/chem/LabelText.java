package tagllm.chem;

/**
 * The paper's text form of a regression label: {@code str(value)[:6]} right-padded with "0" to six
 * characters (Tag-LLM {@code src/get_data.py}), e.g. 0.7319008 -> "0.7319", -0.48 -> "-0.480", 1e-05 -> "1e-050".
 */
public final class LabelText {
    private LabelText() {}

    public static final int WIDTH = 6;

    public static String of(double value) {
        String s = PythonFloat.repr(value);
        if (s.length() >= WIDTH) return s.substring(0, WIDTH);
        return s + "0".repeat(WIDTH - s.length());
    }
}
