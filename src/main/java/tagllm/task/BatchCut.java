package tagllm.task;

import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;

import java.util.List;

/**
 * How batch prediction cuts its prompts into forward passes, and whether the passes run side by side.
 *
 * <p>One pass over many rows shares each of its ~300 parallel calls (every product, norm and attention block of
 * every layer) between the cores, and each call waits for its last task. With rows enough for every core, each core
 * instead runs whole passes of its own, a chunk of prompts at a time, and the passes' own parallel calls run on
 * that core ({@link tagllm.tensor.Parallel} runs nested calls on the caller, helped only by a core out of chunks): no
 * joins inside a pass, and several chunks per core so the faster core takes more of them. The outputs are the same
 * bits either way: a prompt's rows go through the same per-row products, norms and per-sequence attention whatever
 * else is in its pass.
 *
 * <p>A small batch (a served request of a few molecules) stays one pass over all cores, as its latency is that pass.
 *
 * @param chunkRows  the most rows of one pass (a longer prompt is a pass of its own)
 * @param concurrent whether the chunks run one per core at a time, rather than one after another over all cores
 */
record BatchCut(int chunkRows, boolean concurrent) {
    /**
     * Fewest rows of a core's own pass: one core's products of 512 rows ran at 83–87% of its BF16 peak in place
     * (SmolLM2-135M shape, Zen 5), about the single-thread kernels' rate; far fewer rows per product run below it.
     */
    static final int MIN_CHUNK_ROWS = 512;
    /**
     * Chunks per core when the batch is large enough: the core that finishes first takes the next, so a core that
     * runs slower (on a 2-core Zen 5 VM one sometimes ran at 80% of the other) leaves at most one small chunk for the
     * other to wait on. {@code tagllm bench --work predict}, BF16, alternated launches: 2 a core gave 39–47
     * molecules/s (bimodal), 4 a core 44–46 against 41–42 for one pass over both cores (docs/benchmarks.md).
     */
    static final int CHUNKS_PER_THREAD = 4;

    static BatchCut of(List<Sequence> prompts, int threads, boolean profiling) {
        long rows = 0;
        for (Sequence s : prompts) rows += s.length();
        int most = SequencePacker.MAX_BATCH_ROWS;
        if (threads < 2 || profiling || prompts.size() < 2 || rows < (long) threads * MIN_CHUNK_ROWS) {
            return new BatchCut(most, false);
        }
        // chunks running side by side together hold no more rows than one pass of the sequential cut
        long perChunk = (rows + (long) CHUNKS_PER_THREAD * threads - 1) / ((long) CHUNKS_PER_THREAD * threads);
        int chunk = (int) Math.max(MIN_CHUNK_ROWS, Math.min(perChunk, Math.max(MIN_CHUNK_ROWS, most / threads)));
        return new BatchCut(chunk, true);
    }
}
