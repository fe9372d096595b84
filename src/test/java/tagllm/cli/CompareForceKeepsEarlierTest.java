package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.embedded.EmbeddedSamples;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * compare --force deleted the earlier compare in the output folder before it read the experiment: a typo in the
 * experiment file (tagllm compare bad.yaml -o c4 --force, with preset: ESOLX) exited 1 and left c4 empty, its ten
 * finished runs and its reports gone. The earlier compare now goes only once the new one is known to start.
 */
class CompareForceKeepsEarlierTest {
    private static Path earlierCompare(Path out) throws Exception {
        Files.createDirectories(out.resolve("runs/probe-seed0"));
        Files.writeString(out.resolve("runs/probe-seed0/result.json"), "{\"id\":\"probe-seed0\"}");
        Files.writeString(out.resolve("report.json"), "{}");
        Files.writeString(out.resolve("report.html"), "<html></html>");
        Files.writeString(out.resolve("inputs.json"), "{}");
        return out;
    }

    private static void keptAfter(CliRun r, Path out, String reason) {
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(reason), r.err());
        for (String f : new String[]{"runs/probe-seed0/result.json", "report.json", "report.html", "inputs.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " of the earlier compare is kept when --force fails: " + r.err());
        }
    }

    private static Path experiment(Path dir, String model, String preset, String csv) throws Exception {
        Files.writeString(dir.resolve("d.csv"), csv);
        return Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: %s, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}
                """.formatted(model, preset));
    }

    private static final String ROWS = "smiles,qed,split\nCCO,0.40,train\nCCN,0.30,train\nCCC,0.20,valid\nCCCl,0.10,test\n";

    @Test
    void anExperimentThatDoesNotLoad(@TempDir Path dir) throws Exception {
        Path out = earlierCompare(dir.resolve("cmp"));
        Path exp = experiment(dir, EmbeddedSamples.model().toString().replace("\\", "/"), "QEDX", ROWS);
        keptAfter(CliRun.of("compare", exp.toString(), "--methods", "probe", "--seeds", "1", "-q", "-o", out.toString(), "--force"), out,
                "preset 'QEDX' is not known");
    }

    @Test
    void aModelThatDoesNotLoad(@TempDir Path dir) throws Exception {
        Path out = earlierCompare(dir.resolve("cmp"));
        Path exp = experiment(dir, dir.resolve("no-such-model").toString().replace("\\", "/"), "QED", ROWS);
        keptAfter(CliRun.of("compare", exp.toString(), "--methods", "probe", "--seeds", "1", "-q", "-o", out.toString(), "--force"), out,
                "no-such-model");
    }

    @Test
    void anExperimentCompareRefuses(@TempDir Path dir) throws Exception {
        Path out = earlierCompare(dir.resolve("cmp"));
        // no test rows: refused before anything runs (CompareRunner.prepare)
        Path exp = experiment(dir, EmbeddedSamples.model().toString().replace("\\", "/"), "QED", ROWS.replace("CCCl,0.10,test\n", ""));
        keptAfter(CliRun.of("compare", exp.toString(), "--methods", "probe", "--seeds", "1", "-q", "-o", out.toString(), "--force"), out,
                "no usable test rows");
    }
}
