package tagllm.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits: greedy (temperature 0: argmax, lowest id on ties) or seeded sampling with
 * temperature, then top-k, then top-p (nucleus: the smallest set of most likely tokens whose probability reaches p),
 * in Hugging Face's order. Top-p keeps a token exactly when the tokens more likely than it hold less than p, which
 * is TopPLogitsWarper's rule (ascending cumulative sum &lt;= 1 - p removed); among equally likely tokens at the cut
 * the lowest ids stay (HF's choice there follows torch.sort's unspecified order). Reproducible for a seed; not
 * thread-safe (one per generation).
 */
public final class Sampler {
    private final double temperature;
    private final int topK;
    private final double topP;
    private final SplittableRandom random;

    /**
     * @param temperature 0 for greedy, otherwise &gt; 0
     * @param topK        0 for no limit, otherwise the number of most likely tokens kept
     * @param topP        1 for no limit, otherwise in (0, 1]
     */
    public Sampler(double temperature, int topK, double topP, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = no limit), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.random = new SplittableRandom(seed);
    }

    public static Sampler greedy() { return new Sampler(0, 0, 1, 0); }

    public boolean isGreedy() { return temperature == 0; }

    public int sample(float[] logits) {
        if (temperature == 0) return argmax(logits);
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int keep = topK > 0 ? Math.min(topK, n) : n;
        // transformers' TopKLogitsWarper removes only scores below the k-th, so every token tied with it stays a candidate
        while (keep < n && logits[order[keep]] == logits[order[keep - 1]]) keep++;
        if (keep == 1) return order[0]; // one candidate: no draw (the stream of a top-k 1 run stays as it was)
        // the difference before the division: a tiny temperature would send each scaled logit to infinity, and their
        // difference to NaN; a float's difference is exact in double, so the top token's weight stays exactly 1
        double top = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - top) / temperature);
            sum += p[i];
        }
        if (topP < 1) {
            double cum = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cum += p[i] / sum;
                if (cum >= topP) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) sum += p[i];
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) return order[i];
        }
        return order[keep - 1];
    }

    /** The index of the largest logit, the lowest such index on ties. */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
