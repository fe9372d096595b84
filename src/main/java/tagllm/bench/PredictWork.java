package tagllm.bench;

import tagllm.head.RegressionHead;
import tagllm.model.PackedBatch;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.Tag;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batch prediction as {@code tagllm predict}, {@code serve} and Spark scoring run it: many short molecules through
 * the QED preset's prompt — its text, the domain tag {@code <SMILES>} (p slots) isolating the SMILES after it, the
 * text after, the function tag {@code <QED>} (p slots) — and a regression head at the function tag's last slot, through
 * {@link TagPredictor#predictValues} (prompts packed into passes as {@code task.BatchCut} cuts them, one pass per core
 * at a time for a batch this size; forwards without gradient whose top layer runs at the read rows only).
 *
 * <p>Token counts, so that a model without a tokenizer (a named shape) does the same work as a real one: the QED
 * template's text is {@value #BEFORE} tokens before the domain tag and {@value #AFTER} after the SMILES with a GPT-2
 * style BPE (SmolLM2's), and a SMILES of ZINC's mean length (44 characters in zinc20k) is about {@value #SMILES_TOKENS}
 * tokens; token ids are random. Every molecule has the same length, so a peer that pads batches pads nothing.
 */
public final class PredictWork {
    static final String DOMAIN = "<SMILES>", FUNCTION = "<QED>";
    /** "# # Input: The SMILES of the molecule is" and ". \n# # Output: the quantitative estimate of druglikeness score is". */
    public static final int BEFORE = 11, AFTER = 15;
    public static final int SMILES_TOKENS = 24;

    private final TagPredictor predictor;
    private final TaskSpec task;
    private final List<Sequence> prompts = new ArrayList<>();
    private final TagSet tags;
    private final Transformer model;

    public PredictWork(Transformer model, int molecules, int smilesTokens, int p, long seed) {
        if (molecules < 1) throw new IllegalArgumentException("--molecules must be at least 1, got " + molecules);
        if (smilesTokens < 1) throw new IllegalArgumentException("--smiles-tokens must be at least 1, got " + smilesTokens);
        if (p < 1) throw new IllegalArgumentException("p (slots per tag) must be at least 1, got " + p);
        int length = length(smilesTokens, p);
        if (length > model.config().maxPositions()) {
            throw new IllegalArgumentException("a prompt of " + length + " positions exceeds the model's context of " + model.config().maxPositions());
        }
        this.model = model;
        int d = model.config().hiddenSize(), vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        tags = new TagSet("bench", null);
        tags.put(new Tag(DOMAIN, TagKind.DOMAIN, p, d, gaussian(p * d, 0.02, rnd)));
        tags.put(new Tag(FUNCTION, TagKind.FUNCTION, p, d, gaussian(p * d, 0.02, rnd)));
        float[] w = gaussian(d, 1 / Math.sqrt(d), rnd);
        tags.putHead(new RegressionHead(FUNCTION, 1, d, w, new float[]{0.5f}, new double[]{0.6}, new double[]{0.2}));
        task = Presets.get("QED", "task");
        for (int m = 0; m < molecules; m++) {
            Sequence.Builder s = Sequence.builder();
            for (int i = 0; i < BEFORE; i++) s.token(rnd.nextInt(vocab));
            int start = s.size();
            s.tag(DOMAIN, p);
            for (int i = 0; i < smilesTokens; i++) s.token(rnd.nextInt(vocab));
            s.span(start, s.size()); // the domain tag and its data, isolated as the QED preset does
            for (int i = 0; i < AFTER; i++) s.token(rnd.nextInt(vocab));
            s.tag(FUNCTION, p);
            s.readPosition(s.size() - 1);
            prompts.add(s.build());
        }
        predictor = new TagPredictor(model, null, tags, id -> false);
    }

    /** Positions of one prompt. */
    public static int length(int smilesTokens, int p) { return BEFORE + p + smilesTokens + AFTER + p; }

    /** One prediction per molecule, in label units, through the product's batch-prediction path. */
    public double[] predict() { return predictor.predictValues(task, prompts); }

    public int molecules() { return prompts.size(); }

    /** The regression head the prediction reads. */
    public RegressionHead head() { return tags.head(FUNCTION); }

    /** Positions of one prompt (tags included). */
    public int length() { return prompts.get(0).length(); }

    /**
     * The prompts as one-pass chunks of at most {@link SequencePacker#MAX_BATCH_ROWS} rows (the predictor's cut on one
     * core, or while profiling) with the rows the head reads in each: for counting FLOPs, which are the same for any cut
     * (per-row products and norms, per-sequence attention, the top layer at the read rows only).
     */
    public List<PackedChunk> chunks() {
        List<PackedChunk> out = new ArrayList<>();
        int d = model.config().hiddenSize();
        for (List<Sequence> chunk : SequencePacker.chunks(prompts, SequencePacker.MAX_BATCH_ROWS)) {
            SequencePacker.Packed packed = SequencePacker.pack(chunk, tags, model::embed, d, name -> false);
            int[] rows = new int[chunk.size()];
            for (int k = 0; k < rows.length; k++) rows[k] = packed.row(k, chunk.get(k).readPosition());
            out.add(new PackedChunk(packed.batch(), rows));
        }
        return out;
    }

    /** One forward pass of the prediction and the rows its head reads. */
    public record PackedChunk(PackedBatch batch, int[] readRows) {}

    private static float[] gaussian(int n, double std, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * std);
        return a;
    }
}
