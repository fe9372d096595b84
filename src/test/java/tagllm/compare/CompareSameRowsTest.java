package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.Dataset;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Rows that fit the tag-free prompt but not Tag-LLM's (its tags add positions) must not reach the baselines alone:
 * with the splits capped, every method trains, validates and is scored on the same first rows. Here each split
 * starts with long molecules that fit the tag-free prompt by one position, so only the short ones fit every method.
 */
class CompareSameRowsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LONG = "C".repeat(40);

    @Test
    void everyMethodReadsTheRowsThatFitEveryPrompt(@TempDir Path dir) throws Exception {
        Path modelDir = Shared.model("stories260K");
        // split, smiles, label: long rows first in every split, then short ones with known labels
        String[][] rows = {
                {"train", LONG, "0.9"}, {"train", "CCO", "0.1"}, {"train", LONG, "0.8"}, {"train", "CCN", "0.2"}, {"train", "CCC", "0.6"},
                {"train", "OCO", "0.7"},
                {"valid", LONG, "0.5"}, {"valid", "CCCO", "0.3"}, {"valid", "CCCN", "0.4"}, {"valid", "CCCC", "0.5"},
                {"test", LONG, "0.9"}, {"test", "CO", "0.2"}, {"test", LONG, "0.1"}, {"test", "CN", "0.3"}, {"test", "NCCO", "0.4"},
                {"test", "OCCO", "0.6"}};
        StringBuilder csv = new StringBuilder("smiles,qed,split\n");
        for (String[] r : rows) csv.append(r[1]).append(',').append(r[2]).append(',').append(r[0]).append('\n');
        Path data = dir.resolve("mols.csv");
        Files.writeString(data, csv);

        // the long molecule's tag-free prompt length, so that max_length admits it without tags and not with them
        Path probeYaml = write(dir, modelDir, data, 512);
        Experiment measure = Experiment.load(probeYaml);
        Model model = Model.load(modelDir);
        TaskSpec free = measure.tasks().get("qed").withoutTags();
        Row longRow = Dataset.read(data).rows().getFirst();
        int freeLength = new ExampleRenderer(free, new TagSet(model.name(), model.fingerprint()), new TokenizerEncoder(model.tokenizer()), 512)
                .example(longRow).sequence().length();
        Path yaml = write(dir, modelDir, data, freeLength);

        Path out = dir.resolve("cmp");
        CliRun r = CliRun.of("compare", yaml.toString(), "--methods", "tagllm,probe", "--seeds", "1", "-o", out.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        assertEquals(3, report.path("tasks").path("qed").path("test_rows").asInt(), "max_eval rows that every method predicted");
        List<List<Long>> lines = new ArrayList<>();
        JsonNode baseline = null;
        for (JsonNode run : report.path("runs")) {
            lines.add(JSON.convertValue(run.path("predictions").path("qed").path("lines"), JSON.getTypeFactory()
                    .constructCollectionType(List.class, Long.class)));
            if (run.path("method").asText().equals("baseline")) baseline = run.path("predictions").path("qed");
        }
        // lines of the short test molecules CO, CN, NCCO in the file (header = line 1)
        for (List<Long> l : lines) assertEquals(List.of(13L, 15L, 16L), l, "every run's test rows");
        // the baseline predicts the training mean: of the first three rows that fit Tag-LLM too (CCO, CCN, CCC)
        assertNotNull(baseline);
        assertEquals((0.1 + 0.2 + 0.6) / 3, baseline.path("pred").get(0).asDouble(), 1e-12);
    }

    private static Path write(Path dir, Path model, Path data, int maxLength) throws Exception {
        Path yaml = dir.resolve("exp-" + maxLength + ".yaml");
        Files.writeString(yaml, """
                model: %s
                seed: 3
                recipe: robust
                tag_length: 2
                tasks:
                  qed: {preset: QED, max_length: %d, data: {path: %s, max_train: 3, max_eval: 3}}
                stages:
                  - {name: s2, stage: 2, tasks: [qed], max_steps: 1, batch_size: 2}
                """.formatted(model, maxLength, data));
        return yaml;
    }
}
