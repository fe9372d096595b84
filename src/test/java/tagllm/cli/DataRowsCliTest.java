package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Rows that do not fit are reported with file and line and skipped, or refused with --strict; tag files compose. */
class DataRowsCliTest {
    private static Path experiment(Path dir, String csv) throws Exception {
        Files.writeString(dir.resolve("d.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: QED, max_length: 100, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        return dir.resolve("exp.yaml");
    }

    private static final String CSV = """
            smiles,qed,split
            CCO,0.40,train
            CCN,abc,train
            C1=CC=CC=C1CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC,0.5,train
            CCC,0.30,train
            notasmiles((,0.20,train
            ,0.30,train
            """;

    @Test
    void badRowsAreSkippedWithFileAndLine(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        var r = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("4 rows skipped"), r.err());
        assertTrue(r.err().contains("d.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertTrue(r.err().contains("d.csv:4: too long"), r.err());
        // what predict refuses, training skips too: no tag learns from a SMILES RDKit would not read
        assertTrue(r.err().contains("d.csv:6: smiles: invalid SMILES 'notasmiles(('"), r.err());
        assertTrue(r.err().contains("d.csv:7: smiles: empty; expected a SMILES"), r.err());
        assertTrue(r.out().contains("\"train_examples\":2"), r.out());
    }

    /** eval scores the rows predict predicts: the invalid and empty SMILES are left out with their reasons. */
    @Test
    void evalLeavesOutTheInputsPredictRefuses(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        assertEquals(0, CliRun.of("train", exp.toString(), "--quiet").exit());
        Path tags;
        try (var files = Files.walk(dir)) {
            tags = files.filter(f -> f.getFileName().toString().equals("final.tags.safetensors")).findFirst().orElseThrow();
        }
        var e = CliRun.of("eval", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", dir.resolve("d.csv").toString(), "--split", "train", "--json");
        assertEquals(0, e.exit(), e.err());
        // rows 2 and 5 are scored; 3 (label abc), 4 (too long), 6 and 7 (SMILES) are left out, each named
        assertEquals(2, new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.out()).get("n").asInt(), e.out());
        assertTrue(e.err().contains("d.csv:6: smiles: invalid SMILES 'notasmiles(('"), e.err());
        assertTrue(e.err().contains("d.csv:7: smiles: empty; expected a SMILES"), e.err());
    }

    @Test
    void anOutputFolderThatIsAFileIsSaidSo(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        Path file = Files.writeString(dir.resolve("afile"), "x");
        var r = CliRun.of("train", exp.toString(), "--quiet", "-o", file.toString());
        assertEquals(1, r.exit());
        // the message was "cannot create the output folder F: F"
        assertTrue(r.err().contains("cannot create the folder " + file + ": a file of that name is in the way"), r.err());
    }

    /**
     * A data path that does not exist is named by its field; the failed start leaves nothing a rerun must --force past
     * (it left run.json, which blocked the corrected run as "already holds a run").
     */
    @Test
    void aMissingDataFileIsNamedByItsFieldAndDoesNotBlockTheRerun(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        String yaml = Files.readString(exp);
        Files.writeString(exp, yaml.replace("data: d.csv", "data: {path: nope.csv}"));
        var r = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(1, r.exit());
        // with the field's line, as the YAML's other errors give it
        assertTrue(r.err().contains(exp + ":" + lineOf(Files.readString(exp), "data: {path: nope.csv}") + ": tasks.qed.data.path: no such file: "
                + dir.resolve("nope.csv")), r.err());
        // data: FILE names the data field itself
        Files.writeString(exp, yaml.replace("data: d.csv", "data: nope.csv"));
        var scalar = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(1, scalar.exit());
        assertTrue(scalar.err().contains(exp + ":" + lineOf(Files.readString(exp), "data: nope.csv") + ": tasks.qed.data: no such file: "
                + dir.resolve("nope.csv")), scalar.err());
        Files.writeString(exp, yaml);
        // a run that fails once the folder is set up (no usable row) leaves only run.json: the corrected rerun goes ahead
        Files.writeString(dir.resolve("d.csv"), "smiles,qed,split\nCCN,abc,train\n");
        var empty = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(1, empty.exit(), empty.err());
        assertTrue(Files.exists(dir.resolve("runs/exp/run.json")), "the failed start wrote run.json");
        Files.writeString(dir.resolve("d.csv"), CSV);
        var again = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(0, again.exit(), again.err());
    }

    /**
     * A missing init: file is named by its field and line, as a missing data file is (it was named by its path alone,
     * "earlier.tags.safetensors (tag file not found)", leaving the user to find where the experiment said it).
     */
    @Test
    void aMissingInitFileIsNamedByItsField(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        String yaml = Files.readString(exp);
        Files.writeString(exp, yaml.replace("tag_length: 2\n", "tag_length: 2\ninit: [earlier.tags.safetensors]\n"));
        var r = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(exp + ":3: init[0]: no such file: " + dir.resolve("earlier.tags.safetensors")), r.err());
        // init: FILE names the field itself
        Files.writeString(exp, yaml.replace("tag_length: 2\n", "tag_length: 2\ninit: earlier.tags.safetensors\n"));
        var scalar = CliRun.of("train", exp.toString(), "--quiet");
        assertEquals(1, scalar.exit(), scalar.err());
        assertTrue(scalar.err().contains(exp + ":3: init: no such file: " + dir.resolve("earlier.tags.safetensors")), scalar.err());
    }

    /** A --force run that fails removes the earlier run's final tags too: they stayed beside the new run.json. */
    @Test
    void aFailedForcedRunLeavesNoEarlierFinalTags(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        assertEquals(0, CliRun.of("train", exp.toString(), "--quiet").exit());
        assertTrue(Files.exists(dir.resolve("runs/exp/final.tags.safetensors")));
        var forced = CliRun.of("train", exp.toString(), "--quiet", "--force", "--strict"); // line 3's 'abc' stops it
        assertEquals(1, forced.exit(), forced.err());
        assertFalse(Files.exists(dir.resolve("runs/exp/final.tags.safetensors")), "no earlier tags beside the new run.json");
    }

    @Test
    void strictRefusesTheFirstBadRow(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, CSV);
        var r = CliRun.of("train", exp.toString(), "--quiet", "--strict");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("d.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("at tagllm."), "no stack trace: " + r.err());
    }

    @Test
    void tagFilesMergeAndComposeAcrossRuns(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Files.writeString(dir.resolve("s1.yaml"), """
                model: %s
                tag_length: 2
                output: run1
                tasks:
                  smiles: {preset: SMILES, max_length: 40, data: {path: %s, max_train: 4}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles], batch_size: 2, grad_accum: 1, max_steps: 1, lr: 0.01}
                """.formatted(model, Shared.data("smiles/esol.csv")));
        assertEquals(0, CliRun.of("train", dir.resolve("s1.yaml").toString(), "--quiet").exit());
        // a second run trains <QED> from the first run's <SMILES> (init:), keeping <SMILES> frozen
        Files.writeString(dir.resolve("s2.yaml"), """
                model: %s
                tag_length: 2
                output: run2
                init: run1/final.tags.safetensors
                tasks:
                  qed: {preset: QED, data: {path: %s, max_train: 4}}
                stages:
                  - {name: s2, stage: 2, tasks: [qed], batch_size: 2, grad_accum: 1, max_steps: 1, lr: 0.01}
                """.formatted(model, Shared.data("smiles/esol.csv")));
        var r2 = CliRun.of("train", dir.resolve("s2.yaml").toString(), "--quiet");
        assertEquals(0, r2.exit(), r2.err());
        TagSet one = TagFile.read(dir.resolve("run1/final.tags.safetensors"));
        TagSet two = TagFile.read(dir.resolve("run2/final.tags.safetensors"));
        assertArrayEquals(one.get("SMILES").values(), two.get("SMILES").values());
        // keep only <QED> + head from run 2, then compose it back with run 1's <SMILES>
        TagSet qedOnly = new TagSet(two.modelName(), two.modelFingerprint());
        qedOnly.put(two.get("QED"));
        qedOnly.putHead(two.head("QED"));
        qedOnly.tasks().putAll(two.tasks());
        TagFile.write(qedOnly, dir.resolve("qed.tags.safetensors"));
        var m = CliRun.of("tags", "merge", dir.resolve("run1/final.tags.safetensors").toString(), dir.resolve("qed.tags.safetensors").toString(),
                "-o", dir.resolve("merged.tags.safetensors").toString());
        assertEquals(0, m.exit(), m.err());
        TagSet merged = TagFile.read(dir.resolve("merged.tags.safetensors"));
        assertTrue(merged.has("SMILES") && merged.has("QED") && merged.head("QED") != null);
        Path input = dir.resolve("in.csv");
        Files.writeString(input, "smiles\nCCO\nc1ccccc1O\n");
        var viaMerged = CliRun.of("predict", "--model", model.toString(), "--tags", dir.resolve("merged.tags.safetensors").toString(),
                "--task", "qed", "--input", input.toString());
        var viaTwoFiles = CliRun.of("predict", "--model", model.toString(), "--tags", dir.resolve("run1/final.tags.safetensors").toString(),
                "--tags", dir.resolve("qed.tags.safetensors").toString(), "--task", "qed", "--input", input.toString());
        var viaRun2 = CliRun.of("predict", "--model", model.toString(), "--tags", dir.resolve("run2/final.tags.safetensors").toString(),
                "--task", "qed", "--input", input.toString());
        assertEquals(0, viaMerged.exit(), viaMerged.err());
        assertEquals(viaRun2.out(), viaMerged.out());
        assertEquals(viaRun2.out(), viaTwoFiles.out());
        assertTrue(viaMerged.out().startsWith("smiles,prediction,error\n"), viaMerged.out());
        assertEquals(3, viaMerged.out().strip().split("\n").length);
    }

    /** The 1-based number of the line holding text. */
    private static int lineOf(String text, String part) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(part)) return i + 1;
        throw new AssertionError(part + " not in " + text);
    }
}
