package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.embedded.EmbeddedSamples;
import tagllm.testutil.CliRun;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `tagllm demo` with no --model and no --data: the embedded stories260K and data samples, nothing from ../shared. */
class DemoOfflineTest {
    @Test
    void quickDemoRunsOnTheEmbeddedModelAndDataAndKeepsItsResults(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        CliRun r = CliRun.of("demo", "--quick", "--quiet", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("model: stories260K, embedded") && r.err().contains("data: the embedded samples"), r.err());
        for (String task : new String[]{"qed", "descriptor", "dc", "ba"}) assertTrue(r.out().contains("\n" + task + " ("), r.out());
        // only embedded files: the model and every task's data lie in the extracted samples (a word test on the YAML
        // failed in a checkout whose own path contained "shared")
        String yaml = Files.readString(out.resolve("demo.yaml"));
        Experiment e = Experiment.load(out.resolve("demo.yaml"));
        assertEquals(EmbeddedSamples.model(), Path.of(e.model()), "the embedded model:\n" + yaml);
        e.data().forEach((task, spec) -> assertTrue(spec.path().startsWith(EmbeddedSamples.data()),
                task + " reads " + spec.path() + ", not an embedded sample:\n" + yaml));
        assertEquals(6, e.data().size(), "the demo's six tasks:\n" + yaml);
        assertEquals(EmbeddedSamples.data().resolve("drug_combination/oneil_css.csv"), e.data().get("dc").path(), "DC reads the embedded O'Neil sample");
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertTrue(report.path("tasks").path("dc").path("test_rows").asInt() > 0, "DC scored on the sample's test rows");

        // a second run would replace the first one's results: refused without --force, before anything is loaded
        String before = Files.readString(out.resolve("report.json"));
        CliRun again = CliRun.of("demo", "--quick", "--quiet", "-o", out.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already holds a run") && again.err().contains("--force"), again.err());
        assertTrue(again.err().contains("continue it with tagllm compare " + out.resolve("demo.yaml") + " --resume"), again.err());
        assertEquals(before, Files.readString(out.resolve("report.json")));
        // options compare would refuse are refused before demo.yaml is written: the corrected rerun needs no --force
        Path bad = out.resolveSibling(out.getFileName() + "-bad");
        CliRun unknown = CliRun.of("demo", "--quick", "--quiet", "--methods", "lora,foo", "-o", bad.toString());
        assertEquals(2, unknown.exit(), "a wrong command line (README's exit codes)");
        assertTrue(unknown.err().contains("foo"), unknown.err());
        assertFalse(Files.exists(bad.resolve("demo.yaml")), "nothing written");
    }

    /** A --data folder without the demo's files is refused by the file it lacks, before anything is written. */
    @Test
    void aDataFolderWithoutTheDemosFilesIsRefusedByName(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/smiles"));
        Files.writeString(data.resolve("zinc20k.csv"), "smiles,qed,split\nCCO,0.4,train\n");
        Path out = dir.resolve("demo");
        CliRun r = CliRun.of("demo", "--quick", "--quiet", "--data", dir.resolve("data").toString(), "-o", out.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("demo data file missing: " + dir.resolve("data/protein/deepsol.csv")), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
