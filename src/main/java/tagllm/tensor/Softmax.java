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

    /** x[i] = exp(scale · x[i] − shift) over x[off .. off+n); returns their sum. */
    public static float expShifted(float[] x, int off, int n, float scale, float shift) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -shift);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, x, off + i).fma(vs, vshift));
            e.intoArray(x, off + i);
            acc = acc.add(e);
        }
        if (i < n) {
            VectorMask<Float> mk = S.indexInRange(i, n);
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, x, off + i, mk).fma(vs, vshift));
            e.intoArray(x, off + i, mk);
            acc = acc.add(e, mk);
        }
        return DeterministicMath.sumLanes(acc);
    }

    /**
     * The softmax backward of one row from the forward's log-sum-exp, over [off, off+n): on entry p holds the raw
     * scores and ds the upstream gradient dP; on exit p = exp(scale · s − lse) and ds = p · (dP − Σ p·dP) · scale,
     * the gradient of the raw scores.
     */
    public static void backward(float[] p, float[] ds, int off, int n, float scale, float lse) {
        FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, -lse);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = n - L; i <= bound; i += L) {
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, p, off + i).fma(vs, vshift));
            e.intoArray(p, off + i);
            acc = e.fma(FloatVector.fromArray(S, ds, off + i), acc);
        }
        int tail = i;
        VectorMask<Float> mk = S.indexInRange(tail, n);
        if (tail < n) {
            FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, p, off + i, mk).fma(vs, vshift));
            e.intoArray(p, off + i, mk);
            acc = acc.add(e.mul(FloatVector.fromArray(S, ds, off + i, mk)), mk);
        }
        FloatVector pdp = FloatVector.broadcast(S, DeterministicMath.sumLanes(acc));
        for (i = 0; i < tail; i += L) {
            FloatVector d = FloatVector.fromArray(S, ds, off + i).sub(pdp);
            FloatVector.fromArray(S, p, off + i).mul(d).mul(vs).intoArray(ds, off + i);
        }
        if (tail < n) {
            FloatVector d = FloatVector.fromArray(S, ds, off + i, mk).sub(pdp);
            FloatVector.fromArray(S, p, off + i, mk).mul(d).mul(vs).intoArray(ds, off + i, mk);
        }
    }
}
