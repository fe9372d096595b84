package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * stderr lists the first 5 skipped rows of a split; OUTPUT/skipped_rows.jsonl lists every one (file, line, reason, and
 * the task and split of a row skipped while rendering), the rows the reader refused too, and stderr points at it.
 */
class TrainSkippedRowsFileTest {
    private static final String EXPERIMENT = """
            tags: {F: function}
            tasks:
              t:
                type: regression
                template: "The sequence is {seq}. The score is <F>"
                label: y
                max_length: 40
                data: data.csv
            stages:
              - {name: one, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 1}
            """;

    @Test
    void everySkippedRowIsInTheRunFolder(@TempDir Path dir) throws Exception {
        // lines 2..13: 12 short training rows; then rows the stage skips as too long (train: lines 14..21, 8 of them;
        // valid: line 24) and rows the reader refuses (an extra field: lines 22 and 23; 'y' not a number is the stage's: 25)
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) rows.add("MKTAYIAK" + "QRSTV".charAt(i % 5) + "," + (i % 4) * 0.5 + ",train");
        String tooLong = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHM";
        for (int i = 0; i < 8; i++) rows.add(tooLong + ",1.0,train");
        rows.add("MKTA,1.0,train,extra");
        rows.add("MKTB,1.0,valid,extra");
        rows.add(tooLong + ",0.5,valid");
        rows.add("MKTC,notanumber,train");
        for (int i = 0; i < 4; i++) rows.add("MKTAYIAV" + i + ",0.5,valid");
        Files.writeString(dir.resolve("data.csv"), "seq,y,split\n" + String.join("\n", rows) + "\n");
        TinyExperiment.write(dir, EXPERIMENT);
        Path run = dir.resolve("run");
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", run.toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());

        // stderr: the first 5 of the train split's 9, and where the rest are
        assertTrue(train.err().contains("task t (train): 9 rows skipped (first 5 shown)"), train.err());
        assertFalse(train.err().contains("data.csv:21:"), "stderr keeps to the first 5:\n" + train.err());
        Path listing = run.resolve("skipped_rows.jsonl");
        assertTrue(train.err().contains("is listed in " + listing), train.err());

        // the file: every skipped row once, by file and line, with its reason
        Set<String> expected = new TreeSet<>();
        for (int line = 14; line <= 21; line++) expected.add(line + " t train too long");
        expected.add("22 - - expected 3 fields");
        expected.add("23 - - expected 3 fields");
        expected.add("24 t valid too long");
        expected.add("25 t train column 'y'");
        Set<String> found = new TreeSet<>();
        List<String> lines = Files.readAllLines(listing);
        for (String l : lines) {
            JsonNode o = new ObjectMapper().readTree(l);
            assertEquals(dir.resolve("data.csv").toString(), o.path("file").asText(), l);
            String reason = o.path("reason").asText();
            String head = reason.startsWith("too long") ? "too long" : reason.startsWith("expected 3 fields") ? "expected 3 fields"
                    : reason.startsWith("column 'y'") ? "column 'y'" : reason;
            found.add(o.path("line").asInt() + " " + o.path("task").asText("-") + " " + o.path("split").asText("-") + " " + head);
        }
        assertEquals(expected, found, String.join("\n", lines));
        assertEquals(expected.size(), lines.size(), "each row once, though the valid split is read more than once");

        // --resume of the finished run reads no split again: the listing stays as it was
        String before = Files.readString(listing);
        CliRun resumed = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", run.toString(), "--quiet", "--resume");
        assertEquals(0, resumed.exit(), resumed.err());
        assertEquals(before, Files.readString(listing));

        // --force on clean data: the earlier run's listing goes with it (no row was skipped this time)
        List<String> clean = rows.subList(0, 12);
        Files.writeString(dir.resolve("data.csv"), "seq,y,split\n" + String.join("\n", clean) + "\nMKTAYIAV0,0.5,valid\n");
        CliRun again = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", run.toString(), "--quiet", "--force");
        assertEquals(0, again.exit(), again.err());
        assertFalse(Files.exists(listing), again.err());
    }
}
