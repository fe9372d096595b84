package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane sums and exp that give the same bits in every JIT tier.
 * The Vector API leaves the order of a float reduceLanes(ADD) to the implementation, and lanewise(EXP) is an
 * SVML call in C2 but Math.exp per lane in the interpreter and C1: both changed the last bit of results as code
 * warmed up, so two identical training runs drifted apart. Here the sum adds lanes in index order and exp is
 * built from add/mul/fma only, which IEEE 754 defines exactly, so results depend only on the inputs.
 */
public final class DeterministicMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding and subtracting it rounds to the nearest integer
    private static final float HI = 88.0f;        // e^88 < FLT_MAX and 2^127 still has a biased exponent
    private static final float LO = -87.3f;       // below this the result is flushed to 0 (e^-87.3 ≈ 1.2e-38)
    // Taylor coefficients 1/k! for e^r, |r| ≤ ln2/2: truncation error below 1.2e-7 relative
    private static final float C2 = 0.5f, C3 = 1.6666667e-1f, C4 = 4.1666668e-2f, C5 = 8.3333338e-3f, C6 = 1.3888889e-3f;

    private DeterministicMath() {}

    /** The sum of the lanes, added in lane order. */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    public static FloatVector exp(FloatVector x) {
        // clamped by compare and blend: max and min carry Java's NaN and signed-zero rules, about five instructions
        // each on x86, where a blend gives the same values here (NaN fails both compares and stays NaN; ±0 is inside)
        VectorMask<Float> tiny = x.lt(LO);
        FloatVector xc = x.blend(LO, tiny);
        xc = xc.blend(HI, xc.compare(VectorOperators.GT, HI));
        FloatVector nr = xc.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND));
        FloatVector n = nr.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, C6), FloatVector.broadcast(S, C5));
        p = p.fma(r, FloatVector.broadcast(S, C4));
        p = p.fma(r, FloatVector.broadcast(S, C3));
        p = p.fma(r, FloatVector.broadcast(S, C2));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        // 2^n without a float-to-int conversion: nr = 1.5·2^23 + n exactly, so its low bits are n, and shifting
        // (bits + 127) left by 23 pushes the 1.5·2^23 part out of the word, leaving (n + 127) << 23
        IntVector bits = nr.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scaled = p.mul(bits.reinterpretAsFloats());
        return scaled.blend(0f, tiny);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so tails match vector lanes bit for bit. */
    public static float exp(float x) {
        if (x < LO) return 0f;
        float xc = Math.min(Math.max(x, LO), HI);
        float nr = Math.fma(xc, LOG2E, ROUND), n = nr - ROUND;
        float r = Math.fma(n, -LN2_HI, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, C6, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return p * Float.intBitsToFloat((Float.floatToRawIntBits(nr) + 127) << 23);
    }
}
