package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** metrics.jsonl is standard JSON: a gradient norm that overflowed is null, not the string "Infinity". */
class MetricsLogNonFiniteTest {
    @Test
    void aNonFiniteNumberIsNull(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = new MetricsLog(f)) {
            ObjectNode r = log.newRecord();
            r.put("stage", "s1").put("step", 3).put("loss", 2.5).put("grad_norm", Double.POSITIVE_INFINITY);
            r.putObject("grad_norms").put("tag <QED>", Double.NaN).put("head", 0.75);
            r.putArray("pair").add(1.0).add(Double.NEGATIVE_INFINITY);
            log.write(r);
        }
        String line = Files.readAllLines(f).getFirst();
        JsonNode n = new ObjectMapper().readTree(line);
        assertEquals(2.5, n.get("loss").doubleValue());
        assertTrue(n.get("grad_norm").isNull(), line);
        assertTrue(n.path("grad_norms").get("tag <QED>").isNull(), line);
        assertEquals(0.75, n.path("grad_norms").get("head").doubleValue());
        assertEquals(1.0, n.path("pair").get(0).doubleValue());
        assertTrue(n.path("pair").get(1).isNull(), line);
    }
}
