package tagllm.tensor;

/** The Llama MLP gate: a = silu(g) · u, silu(g) = g · σ(g). */
public final class SwiGlu {
    private SwiGlu() {}

    public static void forward(float[] g, float[] u, int off, float[] a, int aOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[off + i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-x)));
            a[aOff + i] = x * sig * u[off + i];
        }
    }

    /** dg = da · u · σ(g)(1 + g(1 − σ(g))), du = da · silu(g); g and u at gOff, gradients at dOff. */
    public static void backward(float[] g, float[] u, int gOff, float[] da, float[] dg, float[] du, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            float x = g[gOff + i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-x)));
            float d = da[dOff + i];
            dg[dOff + i] = d * u[gOff + i] * sig * (1f + x * (1f - sig));
            du[dOff + i] = d * x * sig;
        }
    }
}
