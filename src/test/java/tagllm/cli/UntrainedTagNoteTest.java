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
 * A stage-2 run with no stage 1 and no enrichment used its domain tag at its initial value without a word (the paper
 * audit's run printed only "training <F>"): train now says which new tags stay untrained, and says nothing when the
 * stage trains them.
 */
class UntrainedTagNoteTest {
    private static CliRun train(Path dir, boolean enrich) throws Exception {
        return train(dir, 2, "enrich: " + enrich);
    }

    private static CliRun train(Path dir, int stage, String extra) throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) rows.add("MKTAYIAK" + "QRSTV".charAt(i % 5) + "," + (i % 4) * 0.5);
        Files.writeString(dir.resolve("data.csv"), "seq,y\n" + String.join("\n", rows) + "\n");
        TinyExperiment.write(dir, """
                tags: {D: domain, F: function}
                tasks:
                  t:
                    type: regression
                    template: "The sequence is <D>{seq}. The score is <F>"
                    label: y
                    data: data.csv
                stages:
                  - {name: two, stage: %d, tasks: [t], batch_size: 4, grad_accum: 1, max_steps: 1%s}
                """.formatted(stage, extra.isEmpty() ? "" : ", " + extra));
        return CliRun.of("train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve("run").toString(), "--quiet");
    }

    @Test
    void aDomainTagNoStageTrainsIsNamed(@TempDir Path dir) throws Exception {
        CliRun r = train(dir, false);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: <D> is new in stage two and this stage does not train it, so it stays at its initial value"), r.err());
        assertFalse(r.err().contains("<F> is new"), r.err());
    }

    @Test
    void anEnrichedStageTrainsItAndSaysNothing(@TempDir Path dir) throws Exception {
        CliRun r = train(dir, true);
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("is new in stage"), r.err());
    }

    /** Stage 3 refuses enrich: (Experiment), so its note must not advise it: it names the stages before instead. */
    @Test
    void aStageThreeNoteAdvisesNoEnrichmentOfStageThree(@TempDir Path dir) throws Exception {
        CliRun r = train(dir, 3, "");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: <D> is new in stage two and this stage does not train it, so it stays at its initial value"
                + " (stage 3 keeps domain tags frozen: train it in a stage 1 or an enriched stage 2 (enrich: true) before this stage,"
                + " or start from a tag file with init:)"), r.err());
        assertFalse(r.err().contains("enrich: true on this stage"), r.err());
    }
}
