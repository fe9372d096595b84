package tagllm.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which examples each micro-batch of a step takes: epoch after epoch a seeded shuffle, cut into batch_size
 * micro-batches, grad_accum of them per step. The order depends only on the seed and the epoch, so a run resumed
 * from a checkpoint continues on exactly the examples the uninterrupted run would have seen. A step may take micro-batches
 * of two epochs; a run of N epochs ends with the last micro-batch of epoch N, so its last step may have fewer than
 * grad_accum of them (Hugging Face's Trainer also ends an epoch with a shorter accumulation) and no row is read N+1 times.
 */
final class BatchOrder {
    private final int examples, batchSize, gradAccum;
    private final long seed;
    private final int microPerEpoch;
    /** Micro-batches the run reads in all: epochs × per epoch, or unbounded (max_steps). */
    private final long microLimit;
    private final List<List<Integer>> orders = new ArrayList<>();

    /** The order of a run that stops after max_steps: epoch follows epoch for as long as it runs. */
    BatchOrder(int examples, int batchSize, int gradAccum, long seed) {
        this(examples, batchSize, gradAccum, seed, 0);
    }

    /** The order of a run of this many epochs (0: unbounded, as a max_steps run). */
    BatchOrder(int examples, int batchSize, int gradAccum, long seed, int epochs) {
        this.examples = examples;
        this.batchSize = batchSize;
        this.gradAccum = gradAccum;
        this.seed = seed;
        this.microPerEpoch = (examples + batchSize - 1) / batchSize;
        this.microLimit = epochs > 0 ? (long) epochs * microPerEpoch : Long.MAX_VALUE;
    }

    /** Optimizer steps in this many epochs (at least one). */
    int steps(int epochs) {
        return (int) Math.max(1, ((long) epochs * microPerEpoch + gradAccum - 1) / gradAccum);
    }

    /** The example indices of each of the step's micro-batches: grad_accum of them, fewer at the end of an epochs run. */
    List<int[]> microBatches(int step) {
        List<int[]> out = new ArrayList<>();
        for (int a = 0; a < gradAccum; a++) {
            long g = (long) step * gradAccum + a;
            if (g >= microLimit) break;
            int epoch = (int) (g / microPerEpoch), j = (int) (g % microPerEpoch);
            while (orders.size() <= epoch) orders.add(order(examples, seed, orders.size()));
            List<Integer> ord = orders.get(epoch);
            int from = j * batchSize, to = Math.min(ord.size(), (j + 1) * batchSize);
            int[] batch = new int[to - from];
            for (int k = from; k < to; k++) batch[k - from] = ord.get(k);
            out.add(batch);
        }
        return out;
    }

    /** The epoch's example order: a seeded shuffle (java.util.Random is specified, so it is the same everywhere). */
    static List<Integer> order(int n, long seed, int epoch) {
        List<Integer> idx = new ArrayList<>(n);
        for (int i = 0; i < n; i++) idx.add(i);
        Collections.shuffle(idx, new Random(seed * 1_000_003L + epoch));
        return idx;
    }
}
