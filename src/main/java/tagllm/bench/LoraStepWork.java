package tagllm.bench;

import tagllm.head.RegressionHead;
import tagllm.model.ForwardPass;
import tagllm.model.LoraAdapters;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;
import tagllm.train.AdamW;
import tagllm.train.MseLoss;
import tagllm.train.Param;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The LoRA training step that compare's {@code lora} baseline takes, on the shapes of {@link TagStepWork}: the same B
 * examples of L positions with the tags' 2·p slots as ordinary tokens (LoRA reads a tag-free prompt), cut after the
 * position the head reads (where the function tag's last slot was); adapters on every layer's q and v projections
 * (the official code's r 8, α 16, dropout 0.05; {@link LoraAdapters}), the same regression head, MSE × 100, backward
 * over every row (the adapters sit in every layer, so no row's gradient can be skipped, as the trainer does for
 * LoRA), the adapters' weight gradients, and one AdamW step (lr 1e-4) on adapters and head. The base weights
 * stay frozen and shared with the other works.
 */
public final class LoraStepWork {
    public static final int RANK = 8;
    public static final double ALPHA = 16, DROPOUT = 0.05;

    private final Transformer model;
    private final LoraAdapters adapters;
    private final int d;
    private final RegressionHead head;
    private final List<Sequence> truncated = new ArrayList<>();
    private final double[] labels;
    private final List<Param> params = new ArrayList<>();
    private final Param headWeight;
    private final AdamW optimizer = new AdamW(0.9, 0.999, 1e-8, 0.01);
    private final TagSet noTags = new TagSet("bench", null);
    private long step;

    /** base: the model whose frozen weights the adapted copy shares (the base itself is left without adapters). */
    public LoraStepWork(Transformer base, int batch, int length, int p, long seed) {
        // the same shape checks and random draws as the tag step, so both time the same token counts
        TagStepWork shape = new TagStepWork(base, batch, length, p, seed);
        this.model = new Transformer(base.weights());
        this.d = model.config().hiddenSize();
        adapters = LoraAdapters.init(model.config(), RANK, ALPHA, DROPOUT, seed);
        model.adapt(adapters);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int vocab = model.config().vocabSize(), cut = shape.trainReadPosition();
        float[] w = new float[d];
        double bound = 1 / Math.sqrt(d);
        for (int k = 0; k < d; k++) w[k] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        head = new RegressionHead("<Head>", 1, d, w, null, null, null);
        labels = new double[batch];
        for (int b = 0; b < batch; b++) {
            Sequence.Builder s = Sequence.builder();
            for (int i = 0; i <= cut; i++) s.token(rnd.nextInt(vocab));
            truncated.add(s.readPosition(cut).build());
            labels[b] = rnd.nextGaussian();
        }
        for (LoraAdapters.Array a : adapters.arrays()) params.add(new Param(a.name(), a.value(), a.grad(), 1.0));
        headWeight = new Param("head.weight", head.weight());
        params.add(headWeight);
    }

    public LoraAdapters adapters() { return adapters; }

    /** The packed batch of a step: every row of every sequence takes part in the backward. */
    public PackedBatch trainBatch() { return everyRow(SequencePacker.pack(truncated, noTags, model::embed, d, t -> false).batch()); }

    /** The rows the head reads (the forward computes its top layer past K and V only there). */
    public int[] trainReadRows() { return readRows(SequencePacker.pack(truncated, noTags, model::embed, d, t -> false)); }

    private int[] readRows(SequencePacker.Packed packed) {
        int[] rows = new int[truncated.size()];
        for (int i = 0; i < rows.length; i++) rows[i] = packed.row(i, truncated.get(i).readPosition());
        return rows;
    }

    /** The batch with each sequence's gradient from its first row (the trainer's everyRow for LoRA). */
    private PackedBatch everyRow(PackedBatch b) {
        int[] from = new int[b.sequences()], position = new int[b.rows()], attend = new int[b.rows()];
        for (int s = 0; s < from.length; s++) from[s] = b.seqStart(s);
        for (int r = 0; r < b.rows(); r++) {
            position[r] = b.position(r);
            attend[r] = b.attendFrom(r);
        }
        return new PackedBatch(d, b.input(), b.seqStarts(), position, attend, from);
    }

    /** One training step; returns its loss. */
    public double trainStep() {
        for (Param p : params) p.zeroGrad();
        SequencePacker.Packed packed = SequencePacker.pack(truncated, noTags, model::embed, d, t -> false, model::borrowBuffer);
        PackedBatch batch = everyRow(packed.batch());
        int n = truncated.size();
        int[] rows = readRows(packed);
        double[] z = new double[n], dz = new double[n];
        float[][] x = new float[n][];
        double loss;
        adapters.train(++step); // a new dropout mask per step, as the trainer draws one per micro-step
        try (ForwardPass pass = model.forward(batch, true, rows)) {
            for (int i = 0; i < n; i++) {
                x[i] = pass.normedRow(rows[i]);
                z[i] = head.forward(x[i], 0)[0];
            }
            loss = MseLoss.compute(z, labels, 100, dz);
            float[] dNormed = pass.gradientRows();
            for (int i = 0; i < n; i++) head.backward(x[i], 0, new double[]{dz[i]}, headWeight.grad(), null, dNormed, rows[i] * d);
            model.backward(pass, dNormed, pass.gradientRows());
        } finally {
            adapters.eval();
            model.recycle(packed.batch().input());
        }
        optimizer.step(params, 1e-4);
        return loss;
    }
}
