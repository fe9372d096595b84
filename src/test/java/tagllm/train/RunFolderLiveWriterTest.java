package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.testutil.Shared;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A run's clean-up of kill -9 leftovers (".NAME.tags.safetensors.N.tmp" and the like) removed every file of those names,
 * also the temporary copy another command was writing into the run folder at that moment (e.g. 'tagllm tags merge ...
 * -o runs/x/merged.tags.safetensors'), whose rename then failed. AtomicFiles locks such a copy while it is written
 * (7805d7f): the run removes only copies nobody holds, as predict, chem and data build do.
 */
class RunFolderLiveWriterTest {
    @Test
    void aCopyAnotherProcessIsWritingInTheRunFolderStays(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Model m = Model.load(model);
        Files.writeString(dir.resolve("exp.yaml"), RunFolderForceTest.yaml(model, "  - {name: a, stage: 1, tasks: [smiles], max_steps: 1}\n", ""));
        Experiment exp = Experiment.load(dir.resolve("exp.yaml"));
        assertNotNull(new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false).run(exp, false, false).finalFile());

        // a leftover of a killed write, and a live writer's copy (a child JVM writing merged.tags.safetensors)
        Path dead = exp.output().resolve(".a.tags.safetensors.123.tmp");
        Files.writeString(dead, "partial");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "tagllm.util.AtomicFilesInterruptTest$SlowWriter",
                exp.output().resolve("merged.tags.safetensors").toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("writing", out.readLine(), "the writer started");
            List<Path> live;
            try (var s = Files.list(exp.output())) {
                live = s.filter(f -> f.getFileName().toString().matches("\\.merged\\.tags\\.safetensors\\.[0-9]+\\.tmp")).toList();
            }
            assertEquals(1, live.size(), live.toString());

            StringBuilder said = new StringBuilder();
            java.io.PrintWriter err = new java.io.PrintWriter(new java.io.Writer() {
                @Override public void write(char[] c, int o, int n) { said.append(c, o, n); }
                @Override public void flush() { }
                @Override public void close() { }
            }, true);
            new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                    new DatasetRows(false)::load, new Progress(err, false, true, false), false).run(exp, true, false);

            assertFalse(Files.exists(dead), "the killed write's copy goes");
            assertTrue(said.toString().contains("removed .a.tags.safetensors.123.tmp from"), said.toString());
            assertTrue(Files.exists(live.getFirst()), "the live writer's copy stays");
            assertFalse(said.toString().contains(".merged.tags"), said.toString());
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
