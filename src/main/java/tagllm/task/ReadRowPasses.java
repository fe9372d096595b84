package tagllm.task;

import tagllm.model.ForwardPass;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;
import tagllm.tensor.Parallel;
import tagllm.tensor.StepProfile;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.ToIntFunction;

/**
 * Sequences through the frozen model without gradient, each read at one position (what a head or a probe reads):
 * packed into forward passes as {@link BatchCut} cuts them, the top layer computed only at the read rows.
 */
public final class ReadRowPasses {
    /** Receives sequence number i's final-norm row; called once per sequence, from any thread when passes run side by side. */
    @FunctionalInterface
    public interface Reader {
        void read(int sequence, float[] normedRow);
    }

    private ReadRowPasses() {}

    /**
     * Reads every sequence at position(sequence); progress hears how many sequences are done after each pass (counts
     * rising, the last one all of them).
     */
    public static void run(Transformer model, TagSet tags, List<Sequence> seqs, ToIntFunction<Sequence> position,
                           Reader reader, IntConsumer progress) {
        run(model, tags, seqs, position, reader, progress, () -> false);
    }

    /**
     * The same, skipping every pass not yet begun once {@code stop} says so (asked before each pass, from any thread):
     * the sequences of skipped passes are never given to the reader, and progress stops rising.
     */
    public static void run(Transformer model, TagSet tags, List<Sequence> seqs, ToIntFunction<Sequence> position,
                           Reader reader, IntConsumer progress, BooleanSupplier stop) {
        BatchCut cut = BatchCut.of(seqs, Parallel.threads(), StepProfile.active());
        List<List<Sequence>> chunks = SequencePacker.chunks(seqs, cut.chunkRows());
        int[] first = new int[chunks.size() + 1];
        for (int c = 0; c < chunks.size(); c++) first[c + 1] = first[c] + chunks.get(c).size();
        if (!cut.concurrent()) {
            for (int c = 0; c < chunks.size(); c++) {
                if (stop.getAsBoolean()) return;
                pass(model, tags, chunks.get(c), first[c], position, reader);
                progress.accept(first[c + 1]);
            }
            return;
        }
        // each core runs whole passes, their own parallel calls inline (Parallel runs nested calls on the caller; a
        // core out of chunks helps with the last ones)
        int[] done = {0};
        Parallel.forEachTask(chunks.size(), c -> {
            if (stop.getAsBoolean()) return;
            pass(model, tags, chunks.get(c), first[c], position, reader);
            synchronized (done) {
                done[0] += chunks.get(c).size();
                progress.accept(done[0]);
            }
        });
    }

    private static void pass(Transformer model, TagSet tags, List<Sequence> chunk, int at, ToIntFunction<Sequence> position,
                             Reader reader) {
        // the input block from the model's pool, handed back after the pass: a new one per pass (megabytes) filled the
        // launcher's small young generation, and each collection stops both cores' passes
        SequencePacker.Packed packed = SequencePacker.pack(chunk, tags, model::embed, model.config().hiddenSize(), name -> false,
                model::borrowBuffer);
        try {
            int[] rows = new int[chunk.size()];
            for (int k = 0; k < chunk.size(); k++) rows[k] = packed.row(k, position.applyAsInt(chunk.get(k)));
            // one row per sequence is read: the top layer is computed only there
            try (ForwardPass pass = model.forward(packed.batch(), false, rows)) {
                for (int k = 0; k < chunk.size(); k++) reader.read(at + k, pass.normedRow(rows[k]));
            }
        } finally {
            model.recycle(packed.batch().input());
        }
    }
}
