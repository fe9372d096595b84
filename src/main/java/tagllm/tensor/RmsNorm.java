package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Root-mean-square normalisation of one row, HF Llama style: y = x / sqrt(mean(x²) + eps) · w.
 * The forward returns rstd = 1/sqrt(mean(x²)+eps), which the backward needs along with x. Vectorised (the JIT
 * does not vectorise the float reductions on its own).
 */
public final class RmsNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RmsNorm() {}

    public static float forward(float[] x, int xOff, float[] w, float eps, float[] y, int yOff, int n) {
        float ms = VectorOps.sumOfSquares(x, xOff, n) / n;
        float rstd = (float) (1.0 / Math.sqrt(ms + eps));
        int i = 0;
        FloatVector r = FloatVector.broadcast(S, rstd);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(r).mul(FloatVector.fromArray(S, w, i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = x[xOff + i] * rstd * w[i];
        return rstd;
    }

    /**
     * dx (+)= ∂y/∂x ᵀ dy: with g = w∘dy, dx = rstd·g − rstd³/n · x · (g·x).
     */
    public static void backward(float[] x, int xOff, float rstd, float[] w, float[] dy, int dyOff,
                                float[] dx, int dxOff, int n, boolean accumulate) {
        int bound = n - n % L;
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, w, i).mul(FloatVector.fromArray(S, dy, dyOff + i));
            acc = g.fma(FloatVector.fromArray(S, x, xOff + i), acc);
        }
        float gx = DeterministicMath.sumLanes(acc); // reduceLanes(ADD) may sum in another order once C2 compiles it
        for (int i = bound; i < n; i++) gx += w[i] * dy[dyOff + i] * x[xOff + i];
        float c = rstd * rstd * rstd * gx / n;
        FloatVector vr = FloatVector.broadcast(S, rstd), vc = FloatVector.broadcast(S, -c);
        for (int i = 0; i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, w, i).mul(FloatVector.fromArray(S, dy, dyOff + i));
            FloatVector v = FloatVector.fromArray(S, x, xOff + i).fma(vc, g.mul(vr));
            if (accumulate) v = v.add(FloatVector.fromArray(S, dx, dxOff + i));
            v.intoArray(dx, dxOff + i);
        }
        for (int i = bound; i < n; i++) {
            float v = rstd * w[i] * dy[dyOff + i] - c * x[xOff + i];
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + v : v;
        }
    }
}
