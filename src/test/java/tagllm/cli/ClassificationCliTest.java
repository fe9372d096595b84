package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.TaskSpec;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A short BBBP run through the CLI on a scaffold split: classes inferred and stored, predict writes class
 * probabilities and the argmax class, eval and score classification (from predict's file) agree, and a file with
 * one class is refused by name.
 */
class ClassificationCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainPredictEvalScore(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Path bbbp = Shared.data("smiles/bbbp.csv");
        String data = bbbp.toString().replace("\\", "/");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                defaults: {lr: 0.003, batch_size: 4, grad_accum: 1, max_steps: 4}
                tasks:
                  bbbp:
                    preset: BBBP
                    max_length: 160
                    head: {bias: true, init: ridge}
                    data: {path: %s, max_train: 48, max_eval: 24, split: {scaffold: [0.8, 0.1, 0.1], seed: 3}}
                  crosses:
                    type: classification
                    template: "Molecule <SMILES> {smiles} crosses <Cross>"
                    tags: {Cross: function}
                    label: p_np
                    class_weights: balanced
                    max_length: 160
                    data: {path: %s, max_train: 48, max_eval: 24, split: {random: [0.8, 0.1, 0.1], seed: 3}}
                stages:
                  - {name: cls, stage: 2, tasks: [bbbp, crosses]}
                """.formatted(model.toString().replace("\\", "/"), data, data));
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        assertTrue(train.err().contains("head initialised by logistic regression"), train.err());
        Path tags = dir.resolve("run/final.tags.safetensors");
        TagSet set = TagFile.read(tags);
        TaskSpec crosses = TaskSpec.fromJson("crosses", set.tasks().get("crosses"), "test");
        assertEquals(List.of("0", "1"), crosses.classes().classes(), "classes found in the training rows");
        assertEquals(2, crosses.classes().weights().size(), "balanced weights resolved from the training rows");
        assertEquals(1, set.head("BBBP").outputs(), "a binary head has one logit");

        // 40 short rows of both classes, without a split column: eval scores them all
        List<String> lines = Files.readAllLines(bbbp);
        String header = lines.get(0);
        List<String> body = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            if (l.length() > 70 || l.startsWith("\"")) continue; // short molecules: every row fits the task's max_length
            if (body.size() < 30 && l.contains(",1,")) body.add(l);
            else if (body.size() >= 30 && body.size() < 40 && l.contains(",0,")) body.add(l);
        }
        Path few = dir.resolve("few.csv");
        Files.writeString(few, header.replace(",split", ",part") + "\n" + String.join("\n", body) + "\n");

        Path preds = dir.resolve("preds.csv");
        CliRun predict = CliRun.of("predict", "--model", model.toString(), "--tags", tags.toString(), "--task", "bbbp", "--input", few.toString(),
                "--output", preds.toString());
        assertEquals(0, predict.exit(), predict.err());
        try (Reader r = Files.newBufferedReader(preds)) {
            List<CSVRecord> recs = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
            assertEquals(40, recs.size());
            for (CSVRecord rec : recs) {
                double p0 = Double.parseDouble(rec.get("prob_0")), p1 = Double.parseDouble(rec.get("prob_1"));
                assertEquals(1, p0 + p1, 2e-6);
                assertEquals(p1 > p0 ? "1" : "0", rec.get("prediction"));
            }
        }
        CliRun eval = CliRun.of("eval", "--model", model.toString(), "--tags", tags.toString(), "--task", "bbbp", "--input", few.toString(), "--json");
        assertEquals(0, eval.exit(), eval.err());
        JsonNode e = JSON.readTree(eval.out());
        assertEquals(10, e.path("class_counts").path("0").asInt());
        assertEquals(30, e.path("class_counts").path("1").asInt());
        CliRun score = CliRun.of("score", "classification", preds.toString(), "--gold", "p_np", "--json");
        assertEquals(0, score.exit(), score.err());
        JsonNode s = JSON.readTree(score.out());
        for (String k : List.of("auroc", "auprc", "accuracy", "balanced_accuracy", "f1", "log_loss", "ece")) {
            assertEquals(e.path(k).asDouble(), s.path(k).asDouble(), 1e-4, k + ": eval and score of predict's file agree");
        }

        // eval on a scaffold split of the whole file, as the run split it
        CliRun scaffold = CliRun.of("eval", "--model", model.toString(), "--tags", tags.toString(), "--task", "bbbp", "--input", bbbp.toString(),
                "--split-by", "scaffold", "--split-seed", "3", "--max-rows", "30", "--json");
        assertEquals(0, scaffold.exit(), scaffold.err());
        assertTrue(JSON.readTree(scaffold.out()).path("auroc").isNumber());

        Path one = dir.resolve("one.csv");
        Files.writeString(one, header.replace(",split", ",part") + "\n" + String.join("\n", body.subList(0, 10)) + "\n");
        CliRun single = CliRun.of("eval", "--model", model.toString(), "--tags", tags.toString(), "--task", "bbbp", "--input", one.toString());
        assertNotEquals(0, single.exit());
        assertTrue(single.err().contains("all 10 rows are of class '1'"), single.err());
    }
}
