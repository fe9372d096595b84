package tagllm.util;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tagllm.task.LabelText;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected strings are what CPython 3.11 prints for repr(v) and (str(v)[:6]).ljust(6, '0'). */
class PythonFloatTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.1|0.1|0.1000",
            "0.3333333333333333|0.3333333333333333|0.3333",
            "1e-05|1e-05|1e-050",
            "0.0001|0.0001|0.0001",
            "1e16|1e+16|1e+160",
            "1234567890123456.0|1234567890123456.0|123456",
            "123.0|123.0|123.00",
            "-0.4827|-0.4827|-0.482",
            "2.5e-7|2.5e-07|2.5e-0",
            "1.7976931348623157e+308|1.7976931348623157e+308|1.7976",
            "4.9e-324|5e-324|5e-324",
            "0.30000000000000004|0.30000000000000004|0.3000",
            "100.0|100.0|100.00",
            "1e22|1e+22|1e+220",
            "12345678901234567890.0|1.2345678901234567e+19|1.2345",
            "-0.0|-0.0|-0.000",
            "0.73190084|0.73190084|0.7319",
            "9.999999999999999e-05|9.999999999999999e-05|9.9999",
            "0.00012345|0.00012345|0.0001",
    })
    void matchesPython(double value, String repr, String label) {
        assertEquals(repr, PythonFloat.repr(value));
        assertEquals(label, LabelText.format(value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"NaN|nan", "Infinity|inf", "-Infinity|-inf"})
    void nonFinite(double value, String repr) {
        assertEquals(repr, PythonFloat.repr(value));
    }

    /** A thousand seeded random doubles (every exponent, subnormals, label-like values) against CPython's repr. */
    @org.junit.jupiter.api.Test
    void randomDoublesMatchCpython() throws java.io.IOException {
        int n = 0;
        try (var in = PythonFloatTest.class.getResourceAsStream("python-float-repr.tsv");
             var r = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) continue;
                String[] f = line.split("\t");
                double v = Double.longBitsToDouble(Long.parseUnsignedLong(f[0], 16));
                assertEquals(f[1], PythonFloat.repr(v), f[0]);
                n++;
            }
        }
        assertEquals(1000, n);
    }
}
