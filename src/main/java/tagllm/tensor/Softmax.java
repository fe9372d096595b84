package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The exponentials of a softmax and its backward, vectorised. A row's last partial vector is a masked vector step,
 * not a scalar loop: causal rows have every length, and a scalar tail of up to L − 1 dependent exps cost more than
 * the rest of the row. Lanes are summed in lane order ({@link DeterministicMath#sumLanes}), so results are the
 * same bits in every JIT tier.
 */
public final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Softmax() {}

    /**
     * The largest scale · x[i] over x[off .. off+n), n ≥ 1, scale > 0: rounding is monotonic, so this is exactly the
     * largest of the rounded products, found in one vectorised pass (a scalar Math.max loop does not vectorise).
     */
    public static float scaledMax(float[] x, int off, int n, float scale) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
        if (i < n) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i, mk), mk);
        }
        return acc.reduceLanes(VectorOperators.MAX) * scale; // max is exact in any order
    }

    /**
     * x[i] = exp(scale · x[i] − shift) over x[off .. off+n); returns their sum. One loop of masked steps (the mask is
     * all-true but for the last), so {@link DeterministicMath#exp(FloatVector)} has one call site: each site inlines
     * ~20 vector operations, and where this is inlined into a large caller (the attention blocks) C2 stops inlining
     * at its node budget ("NodeCountInliningCutoff"), leaving the second site a call that boxes its vectors, i.e. a
     * few hundred bytes of garbage per row, which on variable-length training batches kept the young collector busy.
     */
    public static float expShifted(float[] x, int off, int n, float scale, float shift) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -shift);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, x, off + i, mk).fma(vs, vshift));
            e.intoArray(x, off + i, mk);
            acc = acc.add(e, mk);
        }
        float sum = 0f; // DeterministicMath.sumLanes written out: a vector handed to a call left out of line is boxed
        for (int j = 0; j < L; j++) sum += acc.lane(j);
        return sum;
    }

    /**
     * The softmax backward of one row from the forward's log-sum-exp, over [off, off+n): on entry p holds the raw
     * scores and ds the upstream gradient dP; on exit p = exp(scale · s − lse) and ds = p · (dP − Σ p·dP) · scale,
     * the gradient of the raw scores. Masked steps throughout, for the reason given at {@link #expShifted}.
     */
    public static void backward(float[] p, float[] ds, int off, int n, float scale, float lse) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -lse);
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, p, off + i, mk).fma(vs, vshift));
            e.intoArray(p, off + i, mk);
            FloatVector dp = FloatVector.fromArray(S, ds, off + i, mk);
            // a full step fuses, the partial last one rounds the product first: the loop it replaced summed so
            acc = i + L <= n ? e.fma(dp, acc) : acc.add(e.mul(dp), mk);
        }
        float sum = 0f; // as in expShifted
        for (int j = 0; j < L; j++) sum += acc.lane(j);
        FloatVector pdp = FloatVector.broadcast(S, sum);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector d = FloatVector.fromArray(S, ds, off + i, mk).sub(pdp);
            FloatVector.fromArray(S, p, off + i, mk).mul(d).mul(vs).intoArray(ds, off + i, mk);
        }
    }
}
