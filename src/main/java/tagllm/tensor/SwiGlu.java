package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The Llama MLP gate: a = silu(g) · u, silu(g) = g · σ(g). Vectorised, exp included. */
public final class SwiGlu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SwiGlu() {}

    public static void forward(float[] g, float[] u, int off, float[] a, int aOff, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, off + i);
            FloatVector sig = one.div(one.add(DeterministicMath.exp(x.neg())));
            x.mul(sig).mul(FloatVector.fromArray(S, u, off + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            float x = g[off + i];
            float sig = 1f / (1f + DeterministicMath.exp(-x));
            a[aOff + i] = x * sig * u[off + i];
        }
    }

    /** dg = da · u · σ(g)(1 + g(1 − σ(g))), du = da · silu(g); g and u at gOff, gradients at dOff. */
    public static void backward(float[] g, float[] u, int gOff, float[] da, float[] dg, float[] du, int dOff, int n) {
        backward(g, u, gOff, da, dOff, dg, du, dOff, n);
    }

    /** The same with da at daOff and dg, du at dOff. */
    public static void backward(float[] g, float[] u, int gOff, float[] da, int daOff, float[] dg, float[] du, int dOff, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, gOff + i);
            FloatVector sig = one.div(one.add(DeterministicMath.exp(x.neg())));
            FloatVector d = FloatVector.fromArray(S, da, daOff + i);
            FloatVector uu = FloatVector.fromArray(S, u, gOff + i);
            FloatVector dsilu = sig.mul(one.add(x.mul(one.sub(sig))));
            d.mul(uu).mul(dsilu).intoArray(dg, dOff + i);
            d.mul(x).mul(sig).intoArray(du, dOff + i);
        }
        for (; i < n; i++) {
            float x = g[gOff + i];
            float sig = 1f / (1f + DeterministicMath.exp(-x));
            float d = da[daOff + i];
            dg[dOff + i] = d * u[gOff + i] * sig * (1f + x * (1f - sig));
            du[dOff + i] = d * x * sig;
        }
    }
}
