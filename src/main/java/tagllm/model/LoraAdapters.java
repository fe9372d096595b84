package tagllm.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * LoRA (Hu et al. 2021) on the q and v projections of every layer, as PEFT does it for Llama: q += s·B_q A_q
 * dropout(h1), v += s·B_v A_v dropout(h1), s = alpha / r. A (r × d) starts from PEFT's kaiming-uniform bound
 * 1/√d, B (out × r) at zero, so training starts at the base model. The base weights stay frozen; this object holds
 * the adapter weights and their gradient accumulators, which {@link DecoderLayer} fills in its backward beside
 * the q and v products. Dropout masks are a pure function of (seed, layer, projection, row, column), so the
 * backward regenerates the forward's mask.
 */
public final class LoraAdapters {
    private final int rank;
    private final double alpha, dropout;
    final float scale;
    final Layer[] layers;
    private boolean training;
    private long dropoutSeed;

    /** One layer's adapters: weights and gradients (row-major: a r × d, bq qDim × r, bv kvDim × r). */
    static final class Layer {
        final LoraAdapters owner;
        final int index;
        final float[] aq, bq, av, bv, gaq, gbq, gav, gbv;

        Layer(LoraAdapters owner, int index, int r, int d, int qDim, int kvDim) {
            this.owner = owner;
            this.index = index;
            aq = new float[r * d];
            av = new float[r * d];
            bq = new float[qDim * r];
            bv = new float[kvDim * r];
            gaq = new float[aq.length];
            gav = new float[av.length];
            gbq = new float[bq.length];
            gbv = new float[bv.length];
        }
    }

    /** A trainable array and its gradient, named "lora.L.q.A" etc. */
    public record Array(String name, float[] value, float[] grad) {}

    /** Refuses settings no adapter can have, naming them: callers check before any work (compare, before its first run). */
    public static void requireSettings(int rank, double alpha, double dropout) {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        if (!(alpha > 0)) throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }

    private LoraAdapters(ModelConfig c, int rank, double alpha, double dropout) {
        requireSettings(rank, alpha, dropout);
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.scale = (float) (alpha / rank);
        layers = new Layer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) layers[l] = new Layer(this, l, rank, c.hiddenSize(), c.qDim(), c.kvDim());
    }

    /** PEFT's init: A ~ U(−1/√d, 1/√d) (kaiming_uniform with a = √5), B = 0. */
    public static LoraAdapters init(ModelConfig c, int rank, double alpha, double dropout, long seed) {
        LoraAdapters a = new LoraAdapters(c, rank, alpha, dropout);
        Random r = new Random(seed);
        double bound = 1 / Math.sqrt(c.hiddenSize());
        for (Layer l : a.layers) {
            for (int i = 0; i < l.aq.length; i++) l.aq[i] = (float) ((2 * r.nextDouble() - 1) * bound);
            for (int i = 0; i < l.av.length; i++) l.av[i] = (float) ((2 * r.nextDouble() - 1) * bound);
        }
        return a;
    }

    public int rank() { return rank; }

    public double alpha() { return alpha; }

    public double dropout() { return dropout; }

    /** Dropout on (masks drawn from this seed: one per micro-step) or off (evaluation). */
    public void train(long seed) {
        training = true;
        dropoutSeed = seed;
    }

    public void eval() { training = false; }

    boolean dropping() { return training && dropout > 0; }

    /** Every weight and gradient array, layer by layer (A_q, B_q, A_v, B_v). */
    public List<Array> arrays() {
        List<Array> out = new ArrayList<>();
        for (Layer l : layers) {
            out.add(new Array("lora." + l.index + ".q.A", l.aq, l.gaq));
            out.add(new Array("lora." + l.index + ".q.B", l.bq, l.gbq));
            out.add(new Array("lora." + l.index + ".v.A", l.av, l.gav));
            out.add(new Array("lora." + l.index + ".v.B", l.bv, l.gbv));
        }
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (Array a : arrays()) n += a.value().length;
        return n;
    }

    /** The dropout multiplier of input column j at row r for projection p (0 = q, 1 = v): 0 or 1/(1−p). */
    float keep(int layer, int proj, int row, int col) {
        if (!dropping()) return 1f;
        long h = dropoutSeed * 0x9E3779B97F4A7C15L + ((long) layer << 40) + ((long) proj << 56) + ((long) row << 16) + col;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        double u = (h >>> 11) * 0x1.0p-53;
        return u < dropout ? 0f : (float) (1 / (1 - dropout));
    }
}
