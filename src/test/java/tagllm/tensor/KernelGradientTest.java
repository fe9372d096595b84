package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op's backward against central finite differences of its forward. The scalar probed is
 * L = Σ c_i y_i with random c, so the backward gets dy = c.
 */
class KernelGradientTest {
    private final Random rnd = new Random(7);

    @Test
    void rmsNorm() {
        int n = 37;
        float[] w = rand(n), c = rand(n);
        float eps = 1e-5f;
        Function<float[], float[]> f = x -> {
            float[] y = new float[n];
            RmsNorm.forward(x, 0, w, eps, y, 0, n);
            return y;
        };
        float[] x = rand(n);
        float rstd = RmsNorm.forward(x, 0, w, eps, new float[n], 0, n);
        float[] dx = new float[n];
        RmsNorm.backward(x, 0, rstd, w, c, 0, dx, 0, n, false);
        checkGradient(f, x, c, dx, "rmsnorm");
        // accumulate adds to what is there
        float[] acc = new float[n];
        java.util.Arrays.fill(acc, 1f);
        RmsNorm.backward(x, 0, rstd, w, c, 0, acc, 0, n, true);
        for (int i = 0; i < n; i++) assertTrue(Math.abs(acc[i] - 1f - dx[i]) < 1e-6);
    }

    @Test
    void rope() {
        int heads = 3, hd = 8, n = heads * hd;
        double[] inv = new double[hd / 2];
        for (int j = 0; j < inv.length; j++) inv[j] = Math.pow(10000, -2.0 * j / hd);
        float[] cos = new float[hd / 2], sin = new float[hd / 2];
        Rope.angles(inv, 13, cos, sin, 0);
        float[] c = rand(n);
        Function<float[], float[]> f = x -> {
            float[] y = x.clone();
            Rope.forward(y, 0, heads, hd, cos, sin, 0);
            return y;
        };
        float[] x = rand(n);
        float[] dx = c.clone();
        Rope.backward(dx, 0, heads, hd, cos, sin, 0);
        checkGradient(f, x, c, dx, "rope");
        // hand-computed: position 13, j = 0 rotates dims 0 and 4 by 13 rad
        float[] e = new float[n];
        e[0] = 1f;
        Rope.forward(e, 0, heads, hd, cos, sin, 0);
        assertTrue(Math.abs(e[0] - Math.cos(13)) < 1e-6 && Math.abs(e[4] - Math.sin(13)) < 1e-6);
    }

    @Test
    void swiGlu() {
        int n = 29;
        float[] c = rand(n);
        // x = [g ; u]
        Function<float[], float[]> f = x -> {
            float[] a = new float[n];
            SwiGlu.forward(java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOfRange(x, n, 2 * n), 0, a, 0, n);
            return a;
        };
        float[] x = rand(2 * n);
        float[] g = java.util.Arrays.copyOf(x, n), u = java.util.Arrays.copyOfRange(x, n, 2 * n);
        float[] dg = new float[n], du = new float[n];
        SwiGlu.backward(g, u, 0, c, dg, du, 0, n);
        float[] dx = new float[2 * n];
        System.arraycopy(dg, 0, dx, 0, n);
        System.arraycopy(du, 0, dx, n, n);
        checkGradient(f, x, c, dx, "swiglu");
    }

    @Test
    void attention() {
        // 6 key rows, 2 kv heads of width 8 side by side; query head 1 (of 2) reads kv head 1 and sees keys [1, 4]
        Attention.Heads heads = new Attention.Heads(2, 2, 8);
        int hd = 8, kvStride = heads.kvDim(), col = 8, keys = 6, lo = 1, hi = 4, head = 1;
        Attention.KeyRanges range = new Attention.KeyRanges(new int[]{lo}, new int[]{hi});
        float[] c = new float[heads.qDim()];
        System.arraycopy(rand(hd), 0, c, col, hd); // dOut: only head 1's output is this query's
        int nq = heads.qDim(), nk = keys * kvStride;
        Function<float[], float[]> f = x -> {
            Attention.Qkv in = new Attention.Qkv(java.util.Arrays.copyOf(x, nq), java.util.Arrays.copyOfRange(x, nq, nq + nk),
                    java.util.Arrays.copyOfRange(x, nq + nk, nq + 2 * nk));
            float[] out = new float[nq];
            Attention.forward(heads, in, range, 0, head, new float[heads.heads()], out, new float[keys]);
            return out;
        };
        float[] x = rand(nq + 2 * nk);
        Attention.Qkv in = new Attention.Qkv(java.util.Arrays.copyOf(x, nq), java.util.Arrays.copyOfRange(x, nq, nq + nk),
                java.util.Arrays.copyOfRange(x, nq + nk, nq + 2 * nk));
        float[] lse = new float[heads.heads()];
        Attention.forward(heads, in, range, 0, head, lse, new float[nq], new float[keys]);
        Attention.Qkv grad = new Attention.Qkv(new float[nq], new float[nk], new float[nk]);
        Attention.backward(heads, in, range, lse, 0, head, c, grad, Attention.GradientRows.IDENTITY, new float[2 * keys]);
        float[] dx = new float[x.length];
        System.arraycopy(grad.q(), 0, dx, 0, nq);
        System.arraycopy(grad.k(), 0, dx, nq, nk);
        System.arraycopy(grad.v(), 0, dx, nq + nk, nk);
        checkGradient(f, x, c, dx, "attention");
        // keys outside [lo, hi] and the other head's columns get exactly nothing
        for (int r = 0; r < keys; r++) {
            for (int j = 0; j < kvStride; j++) {
                boolean inside = r >= lo && r <= hi && j >= col;
                if (!inside) assertTrue(grad.k()[r * kvStride + j] == 0 && grad.v()[r * kvStride + j] == 0);
            }
        }
        // a key row mapped to -1 receives no dK/dV but still shapes dq
        Attention.Qkv grad2 = new Attention.Qkv(new float[nq], new float[nk], new float[nk]);
        Attention.backward(heads, in, range, lse, 0, head, c, grad2,
                new Attention.GradientRows(new int[]{0}, new int[]{0, -1, 2, 3, 4, 5}), new float[2 * keys]);
        for (int j = 0; j < kvStride; j++) assertTrue(grad2.k()[kvStride + j] == 0 && grad2.v()[kvStride + j] == 0);
        for (int j = 0; j < nq; j++) assertTrue(grad2.q()[j] == grad.q()[j]);
    }

    @Test
    void crossEntropy() {
        int n = 23, target = 5;
        float[] x = rand(n);
        float[] grad = new float[n];
        double loss = CrossEntropy.lossAndGradient(x, 0, n, target, 1f, grad, 0);
        double lse = 0;
        for (float v : x) lse += Math.exp(v);
        lse = Math.log(lse);
        assertTrue(Math.abs(loss - (lse - x[target])) < 1e-6);
        Function<float[], float[]> f = z -> new float[]{(float) CrossEntropy.lossAndGradient(z, 0, n, target, 1f, null, 0)};
        checkGradient(f, x, new float[]{1f}, grad, "cross-entropy");
    }

    @Test
    void linearBackwardIsTheTransposeOfForward() {
        int m = 7, n = 19, k = 11;
        tagllm.tensor.Matrix w = KernelGemmTest.random(n, k, false, rnd);
        float[] c = rand(m * n);
        Function<float[], float[]> f = x -> {
            float[] y = new float[m * n];
            Gemm.xwT(x, 0, m, w, y, 0, false);
            return y;
        };
        float[] dx = new float[m * k];
        Gemm.xw(c, 0, m, w, dx, 0, false);
        checkGradient(f, rand(m * k), c, dx, "linear");
    }

    /** Central differences in float with h = 1e-2 (truncation ~h², rounding ~1e-7/h): agreement to ~1e-3 relative. */
    static void checkGradient(Function<float[], float[]> f, float[] x, float[] c, float[] analytic, String what) {
        double maxA = 0, maxErr = 0;
        int worst = -1;
        double worstFd = 0;
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            float h = 1e-2f;
            x[i] = keep + h;
            double lp = dot(c, f.apply(x));
            x[i] = keep - h;
            double lm = dot(c, f.apply(x));
            x[i] = keep;
            double fd = (lp - lm) / (2 * h);
            maxA = Math.max(maxA, Math.abs(fd));
            double e = Math.abs(fd - analytic[i]);
            if (e > maxErr) {
                maxErr = e;
                worst = i;
                worstFd = fd;
            }
        }
        double err = maxErr, fdv = worstFd;
        int w = worst;
        double tol = 2e-3 * Math.max(maxA, 1e-3);
        assertTrue(err <= tol, () -> what + ": gradient error " + err + " at " + w + " (analytic " + analytic[w]
                + ", finite difference " + fdv + ")");
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private float[] rand(int n) {
        return KernelGemmTest.randomArray(n, rnd);
    }
}
