package tagllm.tensor;

/**
 * Rotary position embedding in the Hugging Face rotate_half layout: within each head, dimension j rotates
 * with j + headDim/2 by the angle position · invFreq[j].
 */
public final class Rope {
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

    private static void rotate(float[] x, int off, int heads, int headDim, float[] cos, float[] sin, int csOff, float sign) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int b = off + h * headDim;
            for (int j = 0; j < half; j++) {
                float c = cos[csOff + j], s = sign * sin[csOff + j];
                float x1 = x[b + j], x2 = x[b + j + half];
                x[b + j] = x1 * c - x2 * s;
                x[b + j + half] = x2 * c + x1 * s;
            }
        }
    }
}
