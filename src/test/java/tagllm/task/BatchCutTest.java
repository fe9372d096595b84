package tagllm.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import tagllm.head.RegressionHead;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tensor.NativeBf16;
import tagllm.tensor.Parallel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Batch prediction's cut into passes, and the same values whether the passes run side by side or not. */
class BatchCutTest {
    @Test
    void largeBatchesRunAChunkPerCoreSmallOnesOnePass() {
        int most = SequencePacker.MAX_BATCH_ROWS;
        assertEquals(new BatchCut(most, false), BatchCut.of(prompts(64, 70), 1, false), "one thread");
        assertEquals(new BatchCut(most, false), BatchCut.of(prompts(64, 70), 2, true), "while profiling");
        assertEquals(new BatchCut(most, false), BatchCut.of(prompts(14, 73), 2, false), "1,022 rows: under 512 a core");
        assertEquals(new BatchCut(most, false), BatchCut.of(prompts(1, 3000), 2, false), "one prompt");
        // 64 × 70 = 4,480 rows: four chunks a core of ⌈4480 / 8⌉ rows
        assertEquals(new BatchCut(560, true), BatchCut.of(prompts(64, 70), 2, false));
        // 1,024 rows: ⌈1024 / 8⌉ = 128 is raised to 512
        assertEquals(new BatchCut(512, true), BatchCut.of(prompts(16, 64), 2, false));
        // 70,000 rows: 8,750 is capped so that two chunks side by side hold at most 4,096 rows
        assertEquals(new BatchCut(most / 2, true), BatchCut.of(prompts(1000, 70), 2, false));
        // 16 threads, 10,000 rows: 157 raised to 512 (the cap, 4096 / 16 = 256, never goes below 512)
        assertEquals(new BatchCut(512, true), BatchCut.of(prompts(100, 100), 16, false));
    }

    @Test
    void valuesAreTheBitsOfEachPromptAloneF32() {
        sameBitsAsAlone(new Transformer(weights()));
    }

    @Test
    void valuesAreTheBitsOfEachPromptAloneBf16Compute() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeBf16.available(), "no AVX512_BF16 native kernels here");
        sameBitsAsAlone(new Transformer(weights().withBf16Compute()));
    }

    /**
     * 40 QED-shaped prompts of 33–62 rows (1,900-odd in all, so two or more cores each run chunks of their own) against
     * each prompt predicted alone, a pass of its own over all cores: every value the same double.
     */
    private static void sameBitsAsAlone(Transformer model) {
        int p = 3, d = model.config().hiddenSize(), vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(5);
        TagSet tags = new TagSet("test", null);
        tags.put(new Tag("<SMILES>", TagKind.DOMAIN, p, d, gaussian(p * d, 0.5, rnd)));
        tags.put(new Tag("<QED>", TagKind.FUNCTION, p, d, gaussian(p * d, 0.5, rnd)));
        tags.putHead(new RegressionHead("<QED>", 1, d, gaussian(d, 0.3, rnd), new float[]{0.1f}, new double[]{0.5},
                new double[]{0.2}));
        List<Sequence> prompts = new ArrayList<>();
        for (int m = 0; m < 40; m++) {
            Sequence.Builder s = Sequence.builder();
            for (int i = 0; i < 5; i++) s.token(rnd.nextInt(vocab));
            int start = s.size();
            s.tag("<SMILES>", p);
            int atoms = 15 + rnd.nextInt(30);
            for (int i = 0; i < atoms; i++) s.token(rnd.nextInt(vocab));
            s.span(start, s.size());
            for (int i = 0; i < 7; i++) s.token(rnd.nextInt(vocab));
            s.tag("<QED>", p);
            s.readPosition(s.size() - 1);
            prompts.add(s.build());
        }
        assertTrue(BatchCut.of(prompts, 2, false).concurrent(), "large enough to run a chunk per core");
        TagPredictor predictor = new TagPredictor(model, null, tags, id -> false);
        TaskSpec qed = Presets.get("QED", "task");
        List<Integer> progress = Collections.synchronizedList(new ArrayList<>());
        double[] all = predictor.predictValues(qed, prompts, progress::add);
        for (int i = 0; i < prompts.size(); i++) {
            double alone = predictor.predictValues(qed, List.of(prompts.get(i)))[0];
            assertEquals(Double.doubleToLongBits(alone), Double.doubleToLongBits(all[i]), "prompt " + i + ": " + alone + " vs " + all[i]);
        }
        assertEquals(40, progress.getLast(), progress.toString());
        for (int i = 1; i < progress.size(); i++) assertTrue(progress.get(i) > progress.get(i - 1), progress.toString());
        if (Parallel.threads() > 1) assertTrue(progress.size() > 1, "more than one chunk: " + progress);
    }

    private static Weights weights() {
        try {
            ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree("""
                    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
                     "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                     "vocab_size": 40, "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 500.0,
                     "tie_word_embeddings": true}"""), "test config");
            return RandomWeights.of(c, 21, true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** n prompts of `length` token rows each. */
    private static List<Sequence> prompts(int n, int length) {
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sequence.Builder s = Sequence.builder();
            for (int k = 0; k < length; k++) s.token(k % 7);
            out.add(s.build());
        }
        return out;
    }

    private static float[] gaussian(int n, double std, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }
}
