package tagllm.task;

import tagllm.util.PythonFloat;

/**
 * The paper's text form of a regression label: {@code str(value)[:6]} right-padded with "0" to six characters
 * (Tag-LLM {@code src/get_data.py}), e.g. 0.72341234 → "0.7234", 5.0 → "5.0000", -0.48 → "-0.480", 1e-05 → "1e-050".
 * Python's str of a float is its shortest round-trip repr ({@link PythonFloat}).
 */
public final class LabelText {
    private LabelText() {}

    public static final int WIDTH = 6;

    public static String format(double value) {
        String s = PythonFloat.repr(value);
        if (s.length() >= WIDTH) return s.substring(0, WIDTH);
        return s + "0".repeat(WIDTH - s.length());
    }
}
