package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A JSON Lines row's nested arrays and objects are carried to the outputs (RowSink writes a JSON field's text as it
 * is) as the line writes its numbers, as top-level numbers already were (e027e25). They were re-serialized from a
 * tree: -0.0 became 0.0 (Python's json reads back another value, the sign lost) and 1e2 became 1E+2. Strings inside
 * are re-escaped as JSON needs: the same characters ("\u00e9" is é), which Python's json reads back equal.
 */
class JsonlNestedValuesTest {
    @Test
    void nestedNumbersKeepTheirText(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("d.jsonl"), "{\"smiles\": \"CCO\", \"n\": [-0.0, 1.0, 1e2, 123456789012345678901234567890, -0, 2.50],"
                + " \"o\": {\"a\": -0.0, \"b\": [1E-7, true, null], \"s\": \"\\u00e9\\ud83d\\ude00\\\"\"}}\n");
        Row r = Dataset.read(p).rows().get(0);
        assertEquals("[-0.0,1.0,1e2,123456789012345678901234567890,-0,2.50]", r.get("n"));
        assertEquals("{\"a\":-0.0,\"b\":[1E-7,true,null],\"s\":\"é\uD83D\uDE00\\\"\"}", r.get("o"));
    }
}
