package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The Llama MLP gate: a = silu(g) · u, silu(g) = g · σ(g). Vectorised, exp included. */
public final class SwiGlu {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private SwiGlu() {}

    public static void forward(float[] g, float[] u, int off, float[] a, int aOff, int n) {
        forward(g, off, u, off, a, aOff, n);
    }

    /** The same with g at gOff and u at uOff. */
    public static void forward(float[] g, int gOff, float[] u, int uOff, float[] a, int aOff, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, gOff + i);
            x.mul(sigmoid(x, one)).mul(FloatVector.fromArray(S, u, uOff + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            float x = g[gOff + i];
            a[aOff + i] = x * sigmoid(x) * u[uOff + i];
        }
    }

    /**
     * {@link #forward} with g at gOff and u at uOff, which also keeps g and u for the backward as BF16 pairs: word
     * pairs[pOff + i] holds g[i] rounded to BF16 (nearest even, {@link Bf16#round}) in its high half and u[i] in its
     * low half, so one float array of n words keeps both (half the bytes of two float arrays, and one stream for the
     * backward to read). The words are bit patterns, not numbers: only {@link #backwardFromPairs} reads them.
     */
    public static void forwardKeepingPairs(float[] g, int gOff, float[] u, int uOff, float[] a, int aOff, float[] pairs,
                                           int pOff, int n) {
        // one pass: the gate and the pairs from the same loads
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, gOff + i), y = FloatVector.fromArray(S, u, uOff + i);
            x.mul(sigmoid(x, one)).mul(y).intoArray(a, aOff + i);
            // x + half an ulp of BF16, ties to even: the top 16 bits are x rounded to BF16 (finite x). Written out
            // here rather than in a helper taking a vector: a helper compiled on its own (its argument's class not
            // known there) gets the Vector API's fallback code, too large to inline after that, so every call boxed
            // (~100 young collections a second in training, seen after an unrelated change moved the JIT's order)
            IntVector xb = x.reinterpretAsInts(), yb = y.reinterpretAsInts();
            IntVector hi = xb.add(xb.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF).and(0xFFFF0000);
            IntVector lo = yb.add(yb.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            hi.or(lo).reinterpretAsFloats().intoArray(pairs, pOff + i);
        }
        for (; i < n; i++) {
            float x = g[gOff + i], y = u[uOff + i];
            a[aOff + i] = x * sigmoid(x) * y;
            pairs[pOff + i] = Float.intBitsToFloat((Bf16.round(x) << 16) | (Bf16.round(y) & 0xFFFF));
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
            backwardLanes(FloatVector.fromArray(S, g, gOff + i), FloatVector.fromArray(S, u, gOff + i),
                    FloatVector.fromArray(S, da, daOff + i), one, dg, du, dOff + i);
        }
        for (; i < n; i++) backwardOne(g[gOff + i], u[gOff + i], da[daOff + i], dg, du, dOff + i);
    }

    /**
     * {@link #backward} with g and u read from the BF16 pairs {@link #forwardKeepingPairs} wrote (from pOff), da at
     * daOff, dg and du at dOff.
     */
    public static void backwardFromPairs(float[] pairs, int pOff, float[] da, int daOff, float[] dg, float[] du, int dOff, int n) {
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            IntVector w = FloatVector.fromArray(S, pairs, pOff + i).reinterpretAsInts();
            backwardLanes(w.and(0xFFFF0000).reinterpretAsFloats(), w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(),
                    FloatVector.fromArray(S, da, daOff + i), one, dg, du, dOff + i);
        }
        for (; i < n; i++) {
            int w = Float.floatToRawIntBits(pairs[pOff + i]);
            backwardOne(Float.intBitsToFloat(w & 0xFFFF0000), Float.intBitsToFloat(w << 16), da[daOff + i], dg, du, dOff + i);
        }
    }

    private static FloatVector sigmoid(FloatVector x, FloatVector one) {
        return one.div(one.add(DeterministicMath.exp(x.neg())));
    }

    private static float sigmoid(float x) { return 1f / (1f + DeterministicMath.exp(-x)); }

    /** The backward of L lanes (g = x, u = uu, da = d) into dg and du at o. */
    private static void backwardLanes(FloatVector x, FloatVector uu, FloatVector d, FloatVector one, float[] dg, float[] du, int o) {
        FloatVector sig = sigmoid(x, one);
        FloatVector dsilu = sig.mul(one.add(x.mul(one.sub(sig))));
        d.mul(uu).mul(dsilu).intoArray(dg, o);
        d.mul(x).mul(sig).intoArray(du, o);
    }

    /** The backward of one element, as the vector lanes' tail (its own association, as before). */
    private static void backwardOne(float x, float uu, float d, float[] dg, float[] du, int o) {
        float sig = sigmoid(x);
        dg[o] = d * uu * sig * (1f + x * (1f - sig));
        du[o] = d * x * sig;
    }
}
