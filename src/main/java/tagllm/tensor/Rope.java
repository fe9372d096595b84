package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding in the Hugging Face rotate_half layout: within each head, dimension j rotates
 * with j + headDim/2 by the angle position · invFreq[j].
 */
public final class Rope {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Rope() {}

    /**
     * cos/sin of position · invFreq[j] for j &lt; headDim/2, written at off. Angles in double: the reference
     * is float64, and float32 angles drift at long positions.
     */
    public static void angles(double[] invFreq, int position, float[] cos, float[] sin, int off) {
        for (int j = 0; j < invFreq.length; j++) {
            double a = position * invFreq[j];
            cos[off + j] = (float) Math.cos(a);
            sin[off + j] = (float) Math.sin(a);
        }
    }

    /** Rotates every head of one row in place (forward). */
    public static void forward(float[] x, int off, int heads, int headDim, float[] cos, float[] sin, int csOff) {
        rotate(x, off, heads, headDim, cos, sin, csOff, 1f);
    }

    /** The transpose of the rotation (rotation by −angle): the gradient w.r.t. the unrotated row, in place. */
    public static void backward(float[] dx, int off, int heads, int headDim, float[] cos, float[] sin, int csOff) {
        rotate(dx, off, heads, headDim, cos, sin, csOff, -1f);
    }

    /**
     * Vectorised (the JIT left the scalar loop scalar: RoPE was 2.4% of the BF16 training step); each element gets
     * the same two products and one sum as the scalar form, so the same bits.
     */
    private static void rotate(float[] x, int off, int heads, int headDim, float[] cos, float[] sin, int csOff, float sign) {
        int half = headDim / 2, bound = half - half % L;
        for (int h = 0; h < heads; h++) {
            int b = off + h * headDim;
            for (int j = 0; j < bound; j += L) {
                FloatVector c = FloatVector.fromArray(S, cos, csOff + j), s = FloatVector.fromArray(S, sin, csOff + j).mul(sign);
                FloatVector x1 = FloatVector.fromArray(S, x, b + j), x2 = FloatVector.fromArray(S, x, b + j + half);
                x1.mul(c).sub(x2.mul(s)).intoArray(x, b + j);
                x2.mul(c).add(x1.mul(s)).intoArray(x, b + j + half);
            }
            for (int j = bound; j < half; j++) {
                float c = cos[csOff + j], s = sign * sin[csOff + j];
                float x1 = x[b + j], x2 = x[b + j + half];
                x[b + j] = x1 * c - x2 * s;
                x[b + j + half] = x2 * c + x1 * s;
            }
        }
    }
}
