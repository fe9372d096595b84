package tagllm.task;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Expected strings are Python's str(value)[:6] right-padded with "0", as the paper's code writes labels. */
class LabelTextTest {
    @Test
    void matchesPythonStrTruncatedToSix() {
        assertEquals("0.7234", LabelText.format(0.72341234));
        assertEquals("5.0000", LabelText.format(5.0));
        assertEquals("-0.482", LabelText.format(-0.4827));
        assertEquals("10.799", LabelText.format(10.79958));
        assertEquals("0.1000", LabelText.format(0.1));
        assertEquals("123456", LabelText.format(123456.7));
        assertEquals("1e-050", LabelText.format(1e-05));      // str(1e-05) == '1e-05'
        assertEquals("2.5e-0", LabelText.format(2.5e-05));     // str(2.5e-05) == '2.5e-05'
        assertEquals("0.0001", LabelText.format(0.0001));      // str(0.0001) == '0.0001'
        assertEquals("1e+160", LabelText.format(1e16));        // str(1e16) == '1e+16'
        assertEquals("0.0000", LabelText.format(0.0));
    }
}
