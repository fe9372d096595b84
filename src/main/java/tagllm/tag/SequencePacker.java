package tagllm.tag;

import tagllm.model.PackedBatch;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Packs rendered sequences back to back into one {@link PackedBatch}: token rows from the frozen
 * embedding, tag rows from the tag set, RoPE positions from 0 in each sequence, attention limited to
 * the sequence (and to its domain span when isolated). Backward starts at the first trainable slot.
 */
public final class SequencePacker {
    /** Rows per forward pass when scoring many prompts: bounds activation memory whatever the number of prompts. */
    public static final int MAX_BATCH_ROWS = 4096;

    /** Consecutive runs of the sequences whose lengths add up to at most maxRows; a longer sequence goes alone. */
    public static List<List<Sequence>> chunks(List<Sequence> seqs, int maxRows) {
        List<List<Sequence>> out = new java.util.ArrayList<>();
        List<Sequence> chunk = new java.util.ArrayList<>();
        int rows = 0;
        for (Sequence s : seqs) {
            if (startsNewChunk(chunk.size(), rows, s, maxRows)) {
                out.add(chunk);
                chunk = new java.util.ArrayList<>();
                rows = 0;
            }
            chunk.add(s);
            rows += s.length();
        }
        if (!chunk.isEmpty()) out.add(chunk);
        return out;
    }

    /**
     * Whether {@code next} goes into a new chunk after a chunk of {@code sequences} sequences and {@code rows} rows: when
     * it would take the chunk past maxRows, unless the chunk is empty (a sequence longer than maxRows is a chunk of
     * its own). The one rule {@link #chunks} and chunkers that pack as rows arrive (LanguageModelLoss) cut by.
     */
    public static boolean startsNewChunk(int sequences, int rows, Sequence next, int maxRows) {
        return sequences > 0 && rows + next.length() > maxRows;
    }

    private SequencePacker() {}

    /** The batch plus where each sequence starts, to read head positions and scatter tag gradients. */
    public record Packed(PackedBatch batch, List<Sequence> sequences, int[] offsets) {
        public int row(int sequence, int position) { return offsets[sequence] + position; }

        /**
         * Adds each tag slot's input-row gradient into grads[tag][slot·d ..] for the tags present in the
         * map (the trainable ones); other rows are ignored.
         */
        public void scatter(float[] dInput, Map<String, float[]> grads) {
            int d = batch.hidden();
            for (int s = 0; s < sequences.size(); s++) {
                Sequence q = sequences.get(s);
                for (int i = 0; i < q.length(); i++) {
                    if (!q.isTag(i)) continue;
                    float[] g = grads.get(q.tagName(i));
                    if (g == null) continue;
                    int src = (offsets[s] + i) * d, dst = q.slot(i) * d;
                    for (int k = 0; k < d; k++) g[dst + k] += dInput[src + k];
                }
            }
        }
    }

    public static Packed pack(List<Sequence> seqs, TagSet tags, Embedder embedder, int hidden, Predicate<String> trainable) {
        return pack(seqs, tags, embedder, hidden, trainable, float[]::new);
    }

    /**
     * As {@link #pack(List, TagSet, Embedder, int, Predicate)}, with the input block from inputArrays (asked for
     * rows × hidden floats; it may return a longer array, whose first rows × hidden values are overwritten here),
     * e.g. a model's buffer pool: a training loop that hands it back after each step allocates no new input block
     * per step.
     */
    public static Packed pack(List<Sequence> seqs, TagSet tags, Embedder embedder, int hidden, Predicate<String> trainable,
                              IntFunction<float[]> inputArrays) {
        if (seqs.isEmpty()) throw new IllegalArgumentException("cannot pack an empty batch");
        int rows = 0;
        int[] offsets = new int[seqs.size()];
        for (int s = 0; s < seqs.size(); s++) {
            offsets[s] = rows;
            rows += seqs.get(s).length();
        }
        float[] input = inputArrays.apply(Math.multiplyExact(rows, hidden));
        int[] seqStart = new int[seqs.size() + 1];
        int[] position = new int[rows];
        int[] attendFrom = new int[rows];
        int[] gradFrom = new int[seqs.size()];
        for (int s = 0; s < seqs.size(); s++) {
            Sequence q = seqs.get(s);
            int base = offsets[s];
            seqStart[s] = base;
            for (int i = 0; i < q.length(); i++) {
                int r = base + i;
                position[r] = i;
                attendFrom[r] = base;
                if (q.isTag(i)) {
                    Tag t = tags.require(q.tagName(i));
                    if (t.hidden() != hidden) {
                        throw new IllegalArgumentException("tag " + t.name() + " has hidden size " + t.hidden() + " but the model has " + hidden);
                    }
                    t.slot(q.slot(i), input, r * hidden);
                } else {
                    embedder.embed(q.tokenId(i), input, r * hidden);
                }
            }
            for (int[] span : q.spans()) {
                for (int i = span[0]; i < span[1]; i++) attendFrom[base + i] = base + span[0];
            }
            int first = q.firstSlotOf(trainable);
            gradFrom[s] = first < 0 ? base + q.length() : base + first;
        }
        seqStart[seqs.size()] = rows;
        return new Packed(new PackedBatch(hidden, input, seqStart, position, attendFrom, gradFrom), List.copyOf(seqs), offsets);
    }
}
