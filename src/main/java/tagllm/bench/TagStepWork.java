package tagllm.bench;

import tagllm.head.RegressionHead;
import tagllm.model.ForwardPass;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tensor.StepProfile;
import tagllm.tensor.StepProfile.Phase;
import tagllm.train.AdamW;
import tagllm.train.MseLoss;
import tagllm.train.Param;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Tag-LLM training step of the speed comparison, built from the product's own parts and doing the work of
 * the PyTorch peer's train_step: B examples of L positions each — 8 tokens, a domain tag of p slots, the domain
 * input, a function tag of p slots, 4 more tokens — a regression head on the final-norm hidden state at the
 * function tag's last slot, MSE × 100, backward to the tags and the head, one AdamW step (lr 1e-4, torch's
 * defaults otherwise). Like the product's regression tasks, the forward stops at the position the head reads,
 * and its top layer is computed past K and V only at that row ({@code readOnly}; off for comparisons).
 */
public final class TagStepWork {
    static final String DOMAIN = "<Domain>", FUNCTION = "<Function>";
    static final int BEFORE_DOMAIN = 8, AFTER_FUNCTION = 4;

    private final Transformer model;
    private final int d;
    private final TagSet tags;
    private final RegressionHead head;
    private final List<Sequence> full, truncated;
    private final double[] labels;
    private final List<Param> params = new ArrayList<>();
    private final Map<String, float[]> tagGrads;
    private final Param headWeight;
    private final AdamW optimizer = new AdamW(0.9, 0.999, 1e-8, 0.01);
    private final boolean readOnly;
    private double lastLoss = Double.NaN;

    public TagStepWork(Transformer model, int batch, int length, int p, long seed) {
        this(model, batch, length, p, seed, true);
    }

    /** readOnly: whether the forward computes the top layer only at the rows the head reads. */
    public TagStepWork(Transformer model, int batch, int length, int p, long seed, boolean readOnly) {
        int text = length - 2 * p, mid = text - BEFORE_DOMAIN - AFTER_FUNCTION;
        if (batch < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batch);
        if (p < 1) throw new IllegalArgumentException("p (slots per tag) must be at least 1, got " + p);
        if (mid < 1) {
            throw new IllegalArgumentException("sequence length " + length + " leaves no room for the input: it needs more than 2·p + "
                    + (BEFORE_DOMAIN + AFTER_FUNCTION) + " = " + (2 * p + BEFORE_DOMAIN + AFTER_FUNCTION) + " positions");
        }
        if (length > model.config().maxPositions()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds the model's context of "
                    + model.config().maxPositions());
        }
        this.model = model;
        this.readOnly = readOnly;
        this.d = model.config().hiddenSize();
        int vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        tags = new TagSet("bench", null);
        tags.put(new Tag(DOMAIN, TagKind.DOMAIN, p, d, gaussian(p * d, 0.02, rnd)));
        tags.put(new Tag(FUNCTION, TagKind.FUNCTION, p, d, gaussian(p * d, 0.02, rnd)));
        float[] w = new float[d];
        double bound = 1 / Math.sqrt(d); // torch.nn.Linear's default init
        for (int k = 0; k < d; k++) w[k] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        head = new RegressionHead(FUNCTION, 1, d, w, null, null, null);
        tags.putHead(head);
        full = new ArrayList<>();
        truncated = new ArrayList<>();
        labels = new double[batch];
        for (int b = 0; b < batch; b++) {
            Sequence.Builder s = Sequence.builder();
            for (int i = 0; i < BEFORE_DOMAIN; i++) s.token(rnd.nextInt(vocab));
            s.tag(DOMAIN, p);
            for (int i = 0; i < mid; i++) s.token(rnd.nextInt(vocab));
            s.tag(FUNCTION, p);
            s.readPosition(s.size() - 1);
            for (int i = 0; i < AFTER_FUNCTION; i++) s.token(rnd.nextInt(vocab));
            Sequence seq = s.build();
            full.add(seq);
            truncated.add(seq.truncate(seq.readPosition() + 1));
            labels[b] = rnd.nextGaussian();
        }
        Param dom = new Param("tag.Domain", tags.require(DOMAIN).values());
        Param fun = new Param("tag.Function", tags.require(FUNCTION).values());
        headWeight = new Param("head.Function.weight", head.weight());
        params.addAll(List.of(dom, fun, headWeight));
        tagGrads = Map.of(DOMAIN, dom.grad(), FUNCTION, fun.grad());
    }

    /** The packed batch the training step computes (sequences cut after the function tag). */
    public PackedBatch trainBatch() { return pack(truncated).batch(); }

    /** The rows of {@link #trainBatch()} the training step computes its top layer at (the head's), or null: all. */
    public int[] trainReadRows() {
        if (!readOnly) return null;
        SequencePacker.Packed packed = pack(truncated);
        int[] rows = new int[truncated.size()];
        for (int i = 0; i < rows.length; i++) rows[i] = packed.row(i, truncated.get(i).readPosition());
        return rows;
    }

    /** The position the head reads (the function tag's last slot); the training step's sequences end there. */
    public int trainReadPosition() { return truncated.get(0).readPosition(); }

    /** The full sequences, as the forward-only prefill computes them. */
    public PackedBatch fullBatch() { return pack(full).batch(); }

    private SequencePacker.Packed pack(List<Sequence> seqs) {
        return SequencePacker.pack(seqs, tags, model::embed, d, t -> true);
    }

    /** One training step; returns its loss. */
    public double trainStep() {
        StepProfile.enter(Phase.EMBED_TAGS);
        for (Param p : params) p.zeroGrad();
        SequencePacker.Packed packed = pooledPack(truncated);
        StepProfile.exit();
        int n = truncated.size();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = packed.row(i, truncated.get(i).readPosition());
        double[] z = new double[n], dz = new double[n];
        float[][] x = new float[n][];
        try (ForwardPass pass = model.forward(packed.batch(), true, readOnly ? rows : null)) {
            StepProfile.enter(Phase.HEAD_LOSS);
            for (int i = 0; i < n; i++) {
                x[i] = pass.normedRow(rows[i]);
                z[i] = head.forward(x[i], 0)[0];
            }
            double loss = MseLoss.compute(z, labels, 100, dz);
            float[] dNormed = pass.gradientRows();
            for (int i = 0; i < n; i++) {
                head.backward(x[i], 0, new double[]{dz[i]}, headWeight.grad(), null, dNormed, rows[i] * d);
            }
            StepProfile.exit();
            float[] dInput = model.backward(pass, dNormed, pass.gradientRows()); // the pass's: scattered before it closes
            StepProfile.enter(Phase.EMBED_TAGS);
            packed.scatter(dInput, tagGrads);
            StepProfile.exit();
            lastLoss = loss;
        } finally {
            model.recycle(packed.batch().input());
        }
        StepProfile.enter(Phase.OPTIMIZER);
        optimizer.step(params, 1e-4);
        StepProfile.exit();
        return lastLoss;
    }

    /** The gradients of the last step, by parameter name (tag.Domain, tag.Function, head.Function.weight). */
    public Map<String, float[]> gradients() {
        Map<String, float[]> g = new java.util.LinkedHashMap<>();
        for (Param p : params) g.put(p.name(), p.grad().clone());
        return g;
    }

    /** Forward only over the full sequences (no gradient, no LM head); returns the last row's first output. */
    public float prefill() {
        StepProfile.enter(Phase.EMBED_TAGS);
        PackedBatch b = pooledPack(full).batch();
        StepProfile.exit();
        try (ForwardPass p = model.forward(b, false)) {
            return p.normed()[p.rows() * model.config().hiddenSize() - 1];
        } finally {
            model.recycle(b.input());
        }
    }

    /** Packed with the input block from the model's pool, as a training loop does (hand it back after the step). */
    private SequencePacker.Packed pooledPack(List<Sequence> seqs) {
        return SequencePacker.pack(seqs, tags, model::embed, d, t -> true, model::borrowBuffer);
    }

    public double lastLoss() { return lastLoss; }

    public int batch() { return full.size(); }

    /** Input positions per example, as the peer counts them (tags included). */
    public int length() { return full.get(0).length(); }

    private static float[] gaussian(int n, double std, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }
}
