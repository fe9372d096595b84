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
            FloatVector sig = one.div(one.add(DeterministicMath.exp(x.neg())));
            x.mul(sig).mul(FloatVector.fromArray(S, u, uOff + i)).intoArray(a, aOff + i);
        }
        for (; i < n; i++) {
            float x = g[gOff + i];
            float sig = 1f / (1f + DeterministicMath.exp(-x));
            a[aOff + i] = x * sig * u[uOff + i];
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
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int bound = n - n % L; i < bound; i += L) {
            FloatVector x = FloatVector.fromArray(S, g, gOff + i), y = FloatVector.fromArray(S, u, uOff + i);
            FloatVector sig = one.div(one.add(DeterministicMath.exp(x.neg())));
            x.mul(sig).mul(y).intoArray(a, aOff + i);
            IntVector hi = roundedBits(x).and(0xFFFF0000), lo = roundedBits(y).lanewise(VectorOperators.LSHR, 16);
            hi.or(lo).reinterpretAsFloats().intoArray(pairs, pOff + i);
        }
        for (; i < n; i++) {
            float x = g[gOff + i], y = u[uOff + i];
            float sig = 1f / (1f + DeterministicMath.exp(-x));
            a[aOff + i] = x * sig * y;
            pairs[pOff + i] = Float.intBitsToFloat((Bf16.round(x) << 16) | (Bf16.round(y) & 0xFFFF));
        }
    }

    /** The bits of x + half an ulp of BF16, ties to even: the top 16 bits are x rounded to BF16 (finite x). */
    private static IntVector roundedBits(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        return bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
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
            FloatVector x = w.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector uu = w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector sig = one.div(one.add(DeterministicMath.exp(x.neg())));
            FloatVector d = FloatVector.fromArray(S, da, daOff + i);
            FloatVector dsilu = sig.mul(one.add(x.mul(one.sub(sig))));
            d.mul(uu).mul(dsilu).intoArray(dg, dOff + i);
            d.mul(x).mul(sig).intoArray(du, dOff + i);
        }
        for (; i < n; i++) {
            int w = Float.floatToRawIntBits(pairs[pOff + i]);
            float x = Float.intBitsToFloat(w & 0xFFFF0000), uu = Float.intBitsToFloat(w << 16);
            float sig = 1f / (1f + DeterministicMath.exp(-x));
            float d = da[daOff + i];
            dg[dOff + i] = d * uu * sig * (1f + x * (1f - sig));
            du[dOff + i] = d * x * sig;
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
