package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A valid row too long for max_length is reported once per run, though the valid split is rendered three times
 * (the head's ridge init, eval_every's score, the stage's valid metrics).
 */
class TrainSkippedRowsOnceTest {
    @Test
    void aSkippedValidRowIsReportedOnce(@TempDir Path dir) throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 16; i++) rows.add("MKTAYIAK" + "QRSTV".charAt(i % 5) + "," + (i % 4) * 0.5 + "," + (i < 12 ? "train" : "valid"));
        rows.add("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLS,1.0,valid");
        Files.writeString(dir.resolve("data.csv"), "seq,y,split\n" + String.join("\n", rows) + "\n");
        TinyExperiment.write(dir, """
                tags: {F: function}
                tasks:
                  t:
                    type: regression
                    template: "The sequence is {seq}. The score is <F>"
                    label: y
                    max_length: 40
                    head: {init: ridge}
                    data: data.csv
                stages:
                  - {name: one, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 2, eval_every: 1}
                """);
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        String report = "task t (valid): ";
        int n = train.err().split(java.util.regex.Pattern.quote(report), -1).length - 1;
        assertEquals(1, n, "the valid split's skipped row is reported once:\n" + train.err());
        assertTrue(train.err().contains("data.csv:18"), "the report names the row's line:\n" + train.err());
    }

    /** The reader's note on a file (here: no split column, so a random split) is said once, not once per stage reading it. */
    @Test
    void theReadersNoteOnAFileIsSaidOncePerRun(@TempDir Path dir) throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) rows.add("MKTAYIAK" + "QRSTV".charAt(i % 5) + "," + (i % 4) * 0.5);
        Files.writeString(dir.resolve("data.csv"), "seq,y\n" + String.join("\n", rows) + "\n");
        TinyExperiment.write(dir, """
                tags: {F: function}
                tasks:
                  t:
                    type: regression
                    template: "The sequence is {seq}. The score is <F>"
                    label: y
                    data: data.csv
                stages:
                  - {name: one, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 1}
                  - {name: two, stage: 2, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 1}
                """);
        CliRun train = CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
        assertEquals(0, train.exit(), train.err());
        String note = "no 'split' column";
        int n = train.err().split(java.util.regex.Pattern.quote(note), -1).length - 1;
        assertEquals(1, n, "the file's note is said once for the two stages reading it:\n" + train.err());
    }
}
