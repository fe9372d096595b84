package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class DemoTest {
    /** The demo at full size on stories260K and the shared data: what the paper's method must at least achieve here. */
    @Test
    @Tag("slow")
    void threeStagesBeatTheMeanPredictorAndFindBindingSignal(@TempDir Path dir) throws Exception {
        Demo.Results r = new Demo(Model.load(Shared.model("stories260K")), Shared.root().resolve("data"), dir, Demo.Sizes.standard(), 42,
                Progress.silent()).run();
        for (Demo.TaskResult t : r.tasks()) {
            System.out.printf("%s: Tag-LLM MSE %.5f Pearson %.3f | mean MSE %.5f | probe MSE %.5f Pearson %.3f (n=%d)%n", t.task(),
                    t.tagLlm().mse(), t.tagLlm().pearson(), t.mean().mse(), t.probe().mse(), t.probe().pearson(), t.testRows());
        }
        Demo.TaskResult qed = r.tasks().get(0), desc = r.tasks().get(1), ba = r.tasks().get(2);
        assertEquals("qed", qed.task());
        assertTrue(qed.tagLlm().mse() < qed.mean().mse(), "QED test MSE beats the mean predictor");
        assertTrue(desc.tagLlm().mse() < desc.mean().mse(), "Descriptor test MSE beats the mean predictor");
        assertTrue(ba.tagLlm().pearson() > 0, "BA test Pearson > 0");
        for (String[] s : r.stageOne()) assertTrue(Double.parseDouble(s[3]) < Double.parseDouble(s[2]), "stage 1 lowers held-out loss of " + s[0]);
    }

    /**
     * The quick demo: every stage runs and trains what the paper says it trains (stage 1 moves the domain tags from
     * their init, stage 3 adds <BA> and keeps every earlier tag; stage 2 may keep its starting point, as it keeps the
     * best-validating step), every file is written, every score is a number.
     */
    @Test
    void quickDemoWritesItsResults(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of("demo", "--model", Shared.model("stories260K").toString(), "--data", Shared.root().resolve("data").toString(),
                "-o", dir.toString(), "--quick", "--quiet");
        assertEquals(0, run.exit(), run.err());
        String out = run.out();
        for (String f : new String[]{"demo.yaml", "results.json", "results.md", "metrics.jsonl", "final.tags.safetensors",
                "stage1-domains.tags.safetensors", "stage2-functions.tags.safetensors", "stage3-ba.tags.safetensors"}) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        TagSet s1 = TagFile.read(dir.resolve("stage1-domains.tags.safetensors")), s2 = TagFile.read(dir.resolve("stage2-functions.tags.safetensors")),
                s3 = TagFile.read(dir.resolve("stage3-ba.tags.safetensors"));
        float[] init = TagInit.initialVector(Model.load(Shared.model("stories260K")).weights().embedTokens());
        for (String t : new String[]{"<SMILES>", "<Protein>"}) {
            float[] v = s1.get(t).values(), initial = new float[v.length];
            for (int off = 0; off < v.length; off += init.length) System.arraycopy(init, 0, initial, off, init.length);
            assertFalse(Arrays.equals(initial, v), "stage 1 trains " + t);
        }
        for (String t : new String[]{"<SMILES>", "<Protein>", "<QED>", "<Descriptor>"}) {
            assertArrayEquals(s2.get(t).values(), s3.get(t).values(), "stage 3 keeps " + t + " frozen");
        }
        assertTrue(s3.has("BA") && !s2.has("BA"), "stage 3 adds <BA>");
        JsonNode j = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(3, j.get("tasks").size());
        for (JsonNode t : j.get("tasks")) {
            for (String m : new String[]{"tag_llm", "mean_predictor", "linear_probe"}) assertTrue(Double.isFinite(t.get(m).get("mse").asDouble()), t + " " + m);
        }
        assertEquals(2, j.get("stage1_heldout_next_token_loss").size());
        for (JsonNode t : j.get("tasks")) {
            // the valid split's scores sit beside the test ones, on as many rows as the experiment's max_eval allows
            int n = t.get("valid").get("tag_llm").get("n").asInt();
            assertTrue(n > 0 && n <= 24, t.toString());
            assertEquals(n, t.get("valid").get("linear_probe").get("n").asInt(), "probe and Tag-LLM see the same valid rows");
        }
        assertTrue(out.contains("| qed |") && out.contains("| ba |"), out);
        // the experiment it wrote is a valid experiment file
        Experiment e = Experiment.load(dir.resolve("demo.yaml"));
        assertEquals(3, e.stages().size());
        assertEquals(tagllm.tag.FunctionInit.PROMPT, e.functionInit(), "the demo starts function tags from the prompt words before them");
        assertTrue(e.stages().get(1).enrich(), "stage 2 enriches the domain tags");
        assertEquals(3, e.stages().get(2).stage());
    }
}
