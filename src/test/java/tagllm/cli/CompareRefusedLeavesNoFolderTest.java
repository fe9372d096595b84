package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.embedded.EmbeddedSamples;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A compare whose data file is missing said "/tmp/x/missing.csv: no such file" where train names the experiment's
 * field and line ("e.yaml:7: tasks.qed.data.path: no such file: ..."), and it left its output folder behind holding
 * only the run lock's file. Now it names the field as train does, before any folder is made; and a compare refused
 * after making its folder (here: a task it cannot score, found once the model is loaded) removes the folder again.
 */
class CompareRefusedLeavesNoFolderTest {
    @TempDir
    Path dir;

    private Path experiment(String data) throws Exception {
        return Files.writeString(dir.resolve("e.yaml"), """
                model: %s
                tasks:
                  qed:
                    type: regression
                    label: qed
                    template: "<SMILES> {smiles} <QED>"
                    data: {path: %s}
                stages:
                  - name: s1
                    stage: 2
                    tasks: [qed]
                    max_steps: 2
                """.formatted(EmbeddedSamples.model(), data));
    }

    @Test
    void aMissingDataFileIsNamedByItsFieldAndNoFolderIsLeft() throws Exception {
        Path exp = experiment(dir.resolve("missing.csv").toString());
        Path out = dir.resolve("cmp");
        CliRun train = CliRun.of("train", exp.toString(), "-o", dir.resolve("tr").toString());
        CliRun compare = CliRun.of("compare", exp.toString(), "--methods", "probe", "-o", out.toString());
        assertEquals(1, compare.exit(), compare.err());
        String expected = exp + ":7: tasks.qed.data.path: no such file: " + dir.resolve("missing.csv");
        assertTrue(train.err().contains(expected), train.err());
        assertTrue(compare.err().contains(expected), compare.err());
        assertFalse(Files.exists(out), "no folder holding only .tagllm.lock");
    }

    @Test
    void aCompareRefusedAfterMakingItsFolderRemovesIt() throws Exception {
        // one row: the data reads, but leaves no test rows to score, which compare finds after making its folder
        Path csv = Files.writeString(dir.resolve("one.csv"), "smiles,qed\nCCO,0.4\n");
        Path out = dir.resolve("cmp");
        CliRun compare = CliRun.of("compare", experiment(csv.toString()).toString(), "--methods", "probe", "-o", out.toString());
        assertEquals(1, compare.exit(), compare.err());
        assertFalse(Files.exists(out), "no folder holding only .tagllm.lock: " + compare.err());
    }
}
