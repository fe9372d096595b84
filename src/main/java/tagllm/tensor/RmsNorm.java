package tagllm.tensor;

/**
 * Root-mean-square normalisation of one row, HF Llama style: y = x / sqrt(mean(x²) + eps) · w.
 * The forward returns rstd = 1/sqrt(mean(x²)+eps), which the backward needs along with x.
 */
public final class RmsNorm {
    private RmsNorm() {}

    public static float forward(float[] x, int xOff, float[] w, float eps, float[] y, int yOff, int n) {
        float ms = VectorOps.sumOfSquares(x, xOff, n) / n;
        float rstd = (float) (1.0 / Math.sqrt(ms + eps));
        for (int i = 0; i < n; i++) y[yOff + i] = x[xOff + i] * rstd * w[i];
        return rstd;
    }

    /**
     * dx (+)= ∂y/∂x ᵀ dy: with g = w∘dy, dx = rstd·g − rstd³/n · x · (g·x).
     */
    public static void backward(float[] x, int xOff, float rstd, float[] w, float[] dy, int dyOff,
                                float[] dx, int dxOff, int n, boolean accumulate) {
        float gx = 0f;
        for (int i = 0; i < n; i++) gx += w[i] * dy[dyOff + i] * x[xOff + i];
        float c = rstd * rstd * rstd * gx / n;
        for (int i = 0; i < n; i++) {
            float v = rstd * w[i] * dy[dyOff + i] - c * x[xOff + i];
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + v : v;
        }
    }
}
