package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A metrics.jsonl validation with no score (null, as training writes it now, or the string "NaN" of older runs)
 * is a point with no value on compare's curves and in report.json, never 0.0: on a curve that early stopping
 * minimises a 0.0 reads as the best step there is.
 */
class ValidScoreWithoutValueTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void nullAndNaNStringsAreNoScoreAndNumbersAreKept(@TempDir Path dir) throws Exception {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, String.join("\n",
                "{\"stage\":\"s2\",\"step\":0,\"valid_score\":0.75}",
                "{\"stage\":\"s2\",\"step\":1,\"loss\":1.5}",
                "{\"stage\":\"s2\",\"step\":2,\"valid_score\":null,\"undefined\":[\"valid_score: NaN, not a number\"]}",
                "{\"stage\":\"s2\",\"step\":4,\"valid_score\":\"NaN\"}",
                "{\"stage\":\"s2\",\"step\":6,\"valid_score\":0.5}", ""));
        List<RunResult.Curve> curves = CompareRunner.curves(metrics);
        assertEquals(1, curves.size());
        List<double[]> valid = curves.get(0).valid();
        assertEquals(4, valid.size());
        assertArrayEquals(new double[]{0, 0.75}, valid.get(0));
        assertEquals(2, valid.get(1)[0]);
        assertTrue(Double.isNaN(valid.get(1)[1]), "null is no score, not " + valid.get(1)[1]);
        assertEquals(4, valid.get(2)[0]);
        assertTrue(Double.isNaN(valid.get(2)[1]), "\"NaN\" is no score, not " + valid.get(2)[1]);
        assertArrayEquals(new double[]{6, 0.5}, valid.get(3));
        assertEquals(List.of(1.0, 1.5), List.of(curves.get(0).loss().get(0)[0], curves.get(0).loss().get(0)[1]));

        // report.json (and report.html's chart, which reads it) gives the point with no value as null, not "NaN"
        var exp = HandMadeRuns.experiment(dir, "qed: {preset: QED, data: d.csv}");
        double[] gold = {0.1, 0.2, 0.3};
        JsonNode report = Report.build(exp, List.of(HandMadeRuns.regression("tagllm", "", 1, "qed", gold, new double[]{0.1, 0.25, 0.3}, curves)),
                JSON.createObjectNode());
        JsonNode points = report.path("runs").get(0).path("curves").get(0).path("valid");
        assertEquals("[[0.0,0.75],[2.0,null],[4.0,null],[6.0,0.5]]", points.toString());
    }
}
