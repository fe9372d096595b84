package tagllm.bench;

import org.junit.jupiter.api.Test;
import tagllm.model.LoraAdapters;
import tagllm.model.PackedBatch;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark's LoRA step: the tag step's token counts without tags, every row in the backward, adapters that learn. */
class LoraStepWorkTest {
    @Test
    void sameRowsAsTheTagStepAndEveryRowTrains() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 1, false));
        TagStepWork tag = new TagStepWork(t, 3, 40, 5, 7);
        LoraStepWork lora = new LoraStepWork(t, 3, 40, 5, 7);
        PackedBatch a = tag.trainBatch(), b = lora.trainBatch();
        assertEquals(a.rows(), b.rows(), "the same positions computed");
        for (int s = 0; s < 3; s++) assertEquals(b.seqStart(s), b.gradFrom(s), "the backward starts at the first row");
        assertArrayEquals(tag.trainReadRows(), lora.trainReadRows(), "the head reads the same rows");
        // r 8 on q (128 → 128) and v (128 → 64) in 4 layers: A 8·128 twice, B 128·8 and 64·8
        assertEquals(4L * (1024 + 1024 + 1024 + 512), lora.adapters().parameterCount());
    }

    @Test
    void stepsTrainTheAdaptersAndLowerTheLoss() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 2, false));
        LoraStepWork w = new LoraStepWork(t, 4, 32, 3, 9);
        double first = w.trainStep();
        for (LoraAdapters.Array a : w.adapters().arrays()) {
            if (a.name().endsWith(".B")) {
                boolean moved = false;
                for (float v : a.value()) moved |= v != 0;
                assertTrue(moved, a.name() + " left its zero start after a step");
            }
        }
        double last = first;
        for (int i = 0; i < 40; i++) last = w.trainStep();
        assertTrue(Double.isFinite(first) && first > 0, "first loss " + first);
        assertTrue(last < 0.8 * first, "AdamW on the adapters and head should fit 4 labels: " + first + " -> " + last);
    }
}
