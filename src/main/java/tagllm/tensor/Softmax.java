package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The exponentials of a softmax, vectorised. */
public final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Softmax() {}

    /**
     * The largest scale · x[i] over x[off .. off+n), n ≥ 1, scale > 0: rounding is monotonic, so this is exactly the
     * largest of the rounded products, found in one vectorised pass (a scalar Math.max loop does not vectorise).
     */
    public static float scaledMax(float[] x, int off, int n, float scale) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int bound = n - n % L; i < bound; i += L) acc = acc.max(FloatVector.fromArray(S, x, off + i));
            max = acc.reduceLanes(VectorOperators.MAX); // max is exact in any order
        }
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        return max * scale;
    }

    /** x[i] = exp(scale · x[i] − shift) over x[off .. off+n); returns their sum. */
    public static float expShifted(float[] x, int off, int n, float scale, float shift) {
        int i = 0;
        float sum = 0f;
        if (n >= L) {
            FloatVector vs = FloatVector.broadcast(S, scale), vshift = FloatVector.broadcast(S, shift);
            FloatVector acc = FloatVector.zero(S);
            for (int bound = n - n % L; i < bound; i += L) {
                FloatVector e = DeterministicMath.exp(FloatVector.fromArray(S, x, off + i).fma(vs, vshift.neg()));
                e.intoArray(x, off + i);
                acc = acc.add(e);
            }
            sum = DeterministicMath.sumLanes(acc);
        }
        for (; i < n; i++) {
            float e = DeterministicMath.exp(Math.fma(x[off + i], scale, -shift));
            x[off + i] = e;
            sum += e;
        }
        return sum;
    }
}
