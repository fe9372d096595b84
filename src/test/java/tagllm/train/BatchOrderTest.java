package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * epochs: N reads every row exactly N times even when grad_accum does not divide an epoch's micro-batches (the last
 * step is shorter, as Hugging Face's Trainer ends an epoch); a max_steps run goes on into the next epoch's shuffle.
 */
class BatchOrderTest {
    private static int[] reads(BatchOrder order, int steps, int n) {
        int[] count = new int[n];
        for (int s = 0; s < steps; s++) for (int[] b : order.microBatches(s)) for (int i : b) count[i]++;
        return count;
    }

    @Test
    void anEpochsRunReadsEachRowOncePerEpoch() {
        // 100 rows in micro-batches of 4: 25 per epoch; 8 per step: steps of 8, 8, 8 and 1 micro-batches
        BatchOrder one = new BatchOrder(100, 4, 8, 42, 1);
        assertEquals(4, one.steps(1));
        assertEquals(1, one.microBatches(3).size(), "the last step has the epoch's one micro-batch left");
        int[] c1 = reads(one, 4, 100);
        for (int i = 0; i < 100; i++) assertEquals(1, c1[i], "row " + i);

        BatchOrder two = new BatchOrder(100, 4, 8, 42, 2);
        assertEquals(7, two.steps(2)); // ceil(50 / 8)
        assertEquals(2, two.microBatches(6).size());
        int[] c2 = reads(two, 7, 100);
        for (int i = 0; i < 100; i++) assertEquals(2, c2[i], "row " + i);
    }

    @Test
    void aMaxStepsRunGoesOnIntoTheNextShuffle() {
        BatchOrder order = new BatchOrder(100, 4, 8, 42);
        List<int[]> step3 = order.microBatches(3);
        assertEquals(8, step3.size());
        // micro-batch 24 ends epoch 0; 25..31 are the first 28 rows of epoch 1's shuffle (java.util.Random, seeded as documented)
        List<Integer> epoch1 = new ArrayList<>();
        for (int i = 0; i < 100; i++) epoch1.add(i);
        Collections.shuffle(epoch1, new Random(42 * 1_000_003L + 1));
        List<Integer> got = new ArrayList<>();
        for (int[] b : step3.subList(1, 8)) for (int i : b) got.add(i);
        assertEquals(epoch1.subList(0, 28), got);
    }

    /**
     * One epoch of 10 rows as one micro-batch with grad_accum 2: a single step of that one micro-batch (10 rows, not 20),
     * its gradient the batch's mean as with grad_accum 1, so plain SGD ends at the same tags.
     */
    @Test
    void theTrainerStopsAtTheEpochsEnd(@TempDir Path dir) throws Exception {
        TaskSpec qed = Presets.get("QED", "test");
        Hyper base = Hyper.paper().toBuilder().optimizer("sgd").lr(0.1).schedule("constant").warmupRatio(0).batchSize(10)
                .maxGradNorm(0).epochs(1).maxSteps(0).checkpointEvery(0).build();
        Set<String> trainable = Set.of("<SMILES>", "<QED>");
        TagSet a = TinyRun.qedTags(), b = TinyRun.qedTags();
        Trainer.Result ra = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("a.jsonl")))
                .run(a, TinyRun.esolExamples(qed, a), trainable, new Trainer.Options("s", base.toBuilder().gradAccum(2).build(), 7, true, null, false, 0));
        Trainer.Result rb = new Trainer(TinyRun.model(), Progress.silent(), new MetricsLog(dir.resolve("b.jsonl")))
                .run(b, TinyRun.esolExamples(qed, b), trainable, new Trainer.Options("s", base.toBuilder().gradAccum(1).build(), 7, true, null, false, 0));
        assertEquals(1, ra.steps());
        assertEquals(rb.rows(), ra.rows(), "one epoch reads the 10 rows once: the same tokens as with grad_accum 1");
        for (String t : trainable) assertArrayEquals(b.get(t).values(), a.get(t).values(), 1e-6f, t);
        assertArrayEquals(b.head("QED").weight(), a.head("QED").weight(), 1e-6f);
        assertEquals(rb.lastLoss(), ra.lastLoss(), 1e-6 * Math.abs(rb.lastLoss()));
    }


}
