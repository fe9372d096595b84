package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.testutil.BbbpTags;
import tagllm.testutil.CliRun;
import tagllm.testutil.OverflowingModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A classification row whose class probabilities are NaN (a model whose normed hidden state overflows) was written
 * with NaN probability columns and the first class as its prediction, and counted as predicted; it is now a row
 * without a prediction whose error says why, as a regression row's non-finite value is.
 */
class PredictNonFiniteClassTest {
    @Test
    void nanProbabilitiesAreNoPredictionButAnError(@TempDir Path dir) throws Exception {
        Path model = OverflowingModel.write(dir.resolve("model"));
        Path tags = dir.resolve("bbbp.tags.safetensors");
        TagFile.write(BbbpTags.of(Model.load(model)), tags);
        Path in = dir.resolve("in.csv"), out = dir.resolve("out.csv");
        Files.writeString(in, "smiles\nCCO\nc1ccccc1O\n");
        CliRun r = CliRun.of("predict", "--model", model.toString(), "--tags", tags.toString(), "--task", "BBBP",
                "--input", in.toString(), "-o", out.toString());
        assertTrue(Files.exists(out), r.exit() + " " + r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), String.join("\n", lines) + "\n" + r.err());
        assertEquals("smiles,prob_0,prob_1,prediction,error", lines.get(0), r.err());
        List<org.apache.commons.csv.CSVRecord> rows = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().get()
                .parse(Files.newBufferedReader(out)).getRecords();
        for (var row : rows)
            assertEquals(List.of("", "", ""), List.of(row.get("prob_0"), row.get("prob_1"), row.get("prediction")), row.toString());
        // a failed row's error names its line (the header is line 1)
        assertEquals(List.of("line 2: the model gave non-finite class probabilities [NaN, NaN]",
                "line 3: the model gave non-finite class probabilities [NaN, NaN]"), rows.stream().map(row -> row.get("error")).toList());
        assertTrue(r.err().contains("2 rows, 0 predicted, 2 with an error"), r.err());
        assertEquals(0, r.exit(), "as for a row refused for its input, without --strict: " + r.err());
    }
}
