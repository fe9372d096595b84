package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The exponentials of a softmax and its backward, vectorised. A row's last partial vector is a masked vector step,
 * not a scalar loop: causal rows have every length, and a scalar tail of up to L − 1 dependent exps cost more than
 * the rest of the row. A row's maximum and sums are left as L lanes for the caller to reduce, many rows at a time:
 * one horizontal reduction per row (a maximum, then L dependent adds in lane order) took an eighth of the attention
 * forward at SmolLM2's shape. Sums are added in lane order, so results are the same bits in every JIT tier.
 */
public final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Softmax() {}

    /**
     * The lane maxima of x[off .. off+n), n ≥ 1, into acc[accOff .. accOff+L): lane j holds the largest of the
     * elements j, j + L, j + 2L, ... (−∞ where there is none). The largest of those lanes, times a scale > 0, is
     * exactly the largest of the rounded products scale · x[i] (rounding is monotonic; max is exact in any order), so
     * callers reduce the lanes of many rows at once ({@link BlockAttention}: a transpose and vertical maxima) instead of
     * one horizontal reduction per row.
     */
    public static void laneMaxima(float[] x, int off, int n, float[] acc, int accOff) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) m = m.max(FloatVector.fromArray(S, x, off + i));
        if (i < n) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            m = m.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, off + i, mk), mk);
        }
        m.intoArray(acc, accOff);
    }

    /**
     * x[i] = exp(scale · x[i] − shift) over x[off .. off+n); their lane sums go to acc[accOff .. accOff+L) (lane j: the
     * elements j, j + L, ... in order, from 0). Adding those lanes in lane order from 0f gives the row's sum with the
     * bits of one loop over the row ({@link DeterministicMath#sumLanes}); callers add many rows' lanes at once. One
     * loop of masked steps (the mask is all-true but for the last), so {@link DeterministicMath#exp(FloatVector)} has
     * one call site: each site inlines ~20 vector operations, and where this is inlined into a large caller (the
     * attention blocks) C2 stops inlining at its node budget ("NodeCountInliningCutoff"), leaving the second site a
     * call that boxes its vectors, i.e. a few hundred bytes of garbage per row, which on variable-length training
     * batches kept the young collector busy.
     */
    public static void expShiftedLanes(float[] x, int off, int n, float scale, float shift, float[] acc, int accOff) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -shift);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, x, off + i, mk).fma(vs, vshift));
            e.intoArray(x, off + i, mk);
            sum = sum.add(e, mk);
        }
        sum.intoArray(acc, accOff);
    }

    /**
     * The first half of the softmax backward of one row from the forward's log-sum-exp, over [off, off+n): on entry p
     * holds the raw scores and ds the upstream gradient dP; on exit p = exp(scale · s − lse), and the lane sums of
     * p·dP are in acc[accOff .. accOff+L) (as in {@link #expShiftedLanes}). Their lane-order sum Σ p·dP goes to
     * {@link #backwardFinish}. Masked steps throughout, for the reason given at {@link #expShiftedLanes}.
     */
    public static void backwardLanes(float[] p, float[] ds, int off, int n, float scale, float lse, float[] acc, int accOff) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -lse);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, p, off + i, mk).fma(vs, vshift));
            e.intoArray(p, off + i, mk);
            FloatVector dp = FloatVector.fromArray(S, ds, off + i, mk);
            // a full step fuses, the partial last one rounds the product first: the loop it replaced summed so
            sum = i + L <= n ? e.fma(dp, sum) : sum.add(e.mul(dp), mk);
        }
        sum.intoArray(acc, accOff);
    }

    /** The second half: ds = p · (dP − pdp) · scale over [off, off+n), the gradient of the raw scores. */
    public static void backwardFinish(float[] p, float[] ds, int off, int n, float scale, float pdp) {
        FloatVector vs = FloatVector.broadcast(S, scale), vpdp = FloatVector.broadcast(S, pdp);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector d = FloatVector.fromArray(S, ds, off + i, mk).sub(vpdp);
            FloatVector.fromArray(S, p, off + i, mk).mul(d).mul(vs).intoArray(ds, off + i, mk);
        }
    }
}
