package tagllm.task;

import tagllm.model.ForwardPass;
import tagllm.model.LmHeadLoss;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;

import java.util.ArrayList;
import java.util.List;

/**
 * Mean next-token cross-entropy over every text target of the examples added (tag slots are never targets): the
 * held-out loss that stage 1 lowers. Examples are packed into forward passes as they come, cut where
 * {@link SequencePacker#chunks} cuts the whole list, so only one pass's sequences are held and the sum is the same,
 * in the same order, as over the whole list.
 */
public final class LanguageModelLoss {
    private final Transformer model;
    private final TagSet tags;
    private final List<Sequence> pending = new ArrayList<>();
    private final List<Boolean> outputOnly = new ArrayList<>();
    private int pendingRows;
    private double sum;
    private long count;

    public LanguageModelLoss(Transformer model, TagSet tags) {
        this.model = model;
        this.tags = tags;
    }

    public void add(Example e) {
        Sequence s = e.sequence();
        if (SequencePacker.startsNewChunk(pending.size(), pendingRows, s, SequencePacker.MAX_BATCH_ROWS)) pass();
        pending.add(s);
        outputOnly.add(e.task().type() == TaskType.TEXT && e.task().lossOnOutputOnly());
        pendingRows += s.length();
    }

    /** The mean token loss of every example added. */
    public double mean() {
        if (!pending.isEmpty()) pass();
        if (count == 0) throw new IllegalArgumentException("no text targets to score");
        return sum / count;
    }

    private void pass() {
        SequencePacker.Packed packed = SequencePacker.pack(pending, tags, model::embed, model.config().hiddenSize(), n -> false);
        try (ForwardPass fp = model.forward(packed.batch(), false)) {
            List<int[]> t = new ArrayList<>();
            for (int s = 0; s < pending.size(); s++) {
                for (int[] x : pending.get(s).ceTargets(outputOnly.get(s))) t.add(new int[]{packed.row(s, x[0]), x[1]});
            }
            if (!t.isEmpty()) {
                double[] l = LmHeadLoss.tokenLosses(model, fp.normed(), t.stream().mapToInt(x -> x[0]).toArray(),
                        t.stream().mapToInt(x -> x[1]).toArray(), 0f, null);
                for (double v : l) sum += v;
                count += l.length;
            }
        }
        pending.clear();
        outputOnly.clear();
        pendingRows = 0;
    }
}
