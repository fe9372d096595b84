package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval's text report as a user reads it: "1 row", not "1 rows", and every value in one column, also after
 * "balanced_accuracy", which overran the fixed 16-character name column ("  balanced_accuracy 0.702281").
 */
class EvalTextReportTest {
    private static String text(int n, String json) throws Exception {
        StringWriter w = new StringWriter();
        try (PrintWriter out = new PrintWriter(w)) {
            EvalCommand.printText(out, "bbbp", "test split", n, (ObjectNode) new ObjectMapper().readTree(json));
        }
        return w.toString().replace(System.lineSeparator(), "\n");
    }

    @Test
    void oneRowIsARowAndTheValuesShareOneColumn() throws Exception {
        String t = text(1, """
                {"task": "bbbp", "split": "test", "n": 1, "left_out": 0, "auroc": 0.5, "balanced_accuracy": 0.75, "f1": null,
                 "class_counts": {"0": 1, "1": 0}, "undefined": ["f1: no positive row"]}""");
        assertEquals("""
                task bbbp, test split, 1 row
                  auroc             0.500000
                  balanced_accuracy 0.750000
                  f1                NaN
                  class counts      0: 1, 1: 0
                  note: f1: no positive row
                """, t);
        assertTrue(text(2, "{\"mse\": 1.0}").startsWith("task bbbp, test split, 2 rows\n  mse              1.000000\n"), text(2, "{\"mse\": 1.0}"));
    }
}
