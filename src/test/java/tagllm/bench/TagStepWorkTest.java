package tagllm.bench;

import org.junit.jupiter.api.Test;
import tagllm.model.PackedBatch;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's training step: the peer's sequence layout, and a step that actually learns. */
class TagStepWorkTest {
    @Test
    void layoutMatchesThePeer() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 1, false));
        TagStepWork w = new TagStepWork(t, 3, 40, 5, 7);
        assertEquals(40, w.length());
        PackedBatch full = w.fullBatch(), train = w.trainBatch();
        assertEquals(3 * 40, full.rows());
        // the step stops at the function tag's last slot: 4 trailing tokens are not computed
        assertEquals(3 * 36, train.rows());
        for (int s = 0; s < 3; s++) {
            // backward starts at the domain tag, after 8 tokens
            assertEquals(full.seqStart(s) + 8, full.gradFrom(s));
            assertEquals(train.seqStart(s) + 8, train.gradFrom(s));
        }
    }

    @Test
    void stepsLowerTheLoss() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 2, false));
        TagStepWork w = new TagStepWork(t, 4, 32, 3, 9);
        double first = w.trainStep();
        double last = first;
        for (int i = 0; i < 40; i++) last = w.trainStep();
        assertTrue(Double.isFinite(first) && first > 0, "first loss " + first);
        assertTrue(last < 0.8 * first, "AdamW on the tags and head should fit 4 labels: " + first + " -> " + last);
    }

    /**
     * The step with its top layer computed only at the head's rows against the same step computing every row:
     * the same loss, head gradient and tag gradients — the same bits, as the pruned path sums in the same order —
     * on a random multi-layer model and a real one.
     */
    @Test
    void topLayerOnlyWhereReadGivesTheSameLossAndGradients() throws java.io.IOException {
        sameStep(new Transformer(RandomWeights.of(BenchShape.TINY.config(), 3, false)), 3, 36, 4);
        java.nio.file.Path dir = tagllm.testutil.Shared.model("stories260K");
        sameStep(new Transformer(tagllm.model.Weights.load(tagllm.model.ModelConfig.load(dir.resolve("config.json")), dir)), 4, 40, 5);
    }

    private static void sameStep(Transformer t, int batch, int length, int p) {
        TagStepWork pruned = new TagStepWork(t, batch, length, p, 21, true);
        TagStepWork full = new TagStepWork(t, batch, length, p, 21, false);
        double lp = pruned.trainStep(), lf = full.trainStep();
        assertEquals(lf, lp, "loss");
        java.util.Map<String, float[]> gp = pruned.gradients(), gf = full.gradients();
        assertEquals(gf.keySet(), gp.keySet());
        for (String name : gf.keySet()) {
            float[] a = gf.get(name), b = gp.get(name);
            double scale = 0;
            for (float g : a) scale = Math.max(scale, Math.abs(g));
            assertTrue(scale > 0, name + " has no gradient");
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, name);
        }
    }

    @Test
    void steadyStepsAllocateNoNewBuffers() {
        // what a step allocates afresh is alive at some young collection and promoted: resident memory would creep
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 3, true));
        TagStepWork w = new TagStepWork(t, 3, 40, 4, 5);
        w.prefill(); // the bench's order: the prefill's arrays are then reused by training
        w.trainStep();
        w.trainStep();
        long warm = t.bufferBytesAllocated();
        assertTrue(warm > 0);
        for (int i = 0; i < 3; i++) {
            w.trainStep();
            w.prefill();
        }
        assertEquals(warm, t.bufferBytesAllocated(), "bytes of activation and gradient arrays allocated after warm-up");
    }

    @Test
    void refusesSequencesWithoutRoomForTheInput() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 1, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TagStepWork(t, 2, 30, 10, 1));
        assertTrue(e.getMessage().contains("sequence length 30"), e.getMessage());
    }
}
