package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The exponentials of a softmax, vectorised. */
public final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Softmax() {}

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
