package tagllm.head;

import org.junit.jupiter.api.Test;
import tagllm.train.MseLoss;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Head + MSE gradients against central finite differences in double. */
class RegressionHeadTest {
    @Test
    void gradientsMatchFiniteDifferences() {
        Random r = new Random(3);
        int d = 6, k = 2;
        float[] w = new float[k * d], b = new float[k], h = new float[d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < k; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < d; i++) h[i] = (float) r.nextGaussian();
        double[] target = {0.3, -1.2};
        RegressionHead head = new RegressionHead("<T>", k, d, w, b, null, null);
        float[] gw = new float[k * d], gb = new float[k], dh = new float[d];
        double[] dz = new double[k];
        MseLoss.compute(head.forward(h, 0), target, 100, dz);
        head.backward(h, 0, dz, gw, gb, dh, 0);
        double eps = 1e-3;
        for (int i = 0; i < w.length; i++) {
            assertEquals(fd(() -> loss(head, h, target), w, i, eps), gw[i], 2e-3 * Math.max(1, Math.abs(gw[i])), "dw " + i);
        }
        for (int i = 0; i < k; i++) assertEquals(fd(() -> loss(head, h, target), b, i, eps), gb[i], 2e-3 * Math.max(1, Math.abs(gb[i])), "db " + i);
        for (int i = 0; i < d; i++) assertEquals(fd(() -> loss(head, h, target), h, i, eps), dh[i], 2e-3 * Math.max(1, Math.abs(dh[i])), "dh " + i);
    }

    @Test
    void mseIsMeanTimesScale() {
        double[] g = new double[2];
        assertEquals(100 * (0.25 + 1) / 2, MseLoss.compute(new double[]{0.5, 2}, new double[]{0, 1}, 100, g), 1e-12);
        assertArrayEquals(new double[]{100 * 2 * 0.5 / 2, 100 * 2 * 1.0 / 2}, g, 1e-12);
    }

    @Test
    void labelAffineMapRoundTrips() {
        RegressionHead h = new RegressionHead("<T>", 1, 1, new float[]{2}, null, new double[]{5}, new double[]{0.5});
        assertEquals(2 * 3 * 0.5 + 5, h.predict(new float[]{3}, 0)[0], 1e-12);
        assertEquals(4, h.toHeadSpace(0, 7), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new RegressionHead("<T>", 1, 1, new float[]{2}, null, null, new double[]{0}));
    }

    private static double loss(RegressionHead head, float[] h, double[] target) {
        return MseLoss.compute(head.forward(h, 0), target, 100, null);
    }

    private static double fd(java.util.function.DoubleSupplier f, float[] a, int i, double eps) {
        float keep = a[i];
        a[i] = (float) (keep + eps);
        double up = f.getAsDouble();
        a[i] = (float) (keep - eps);
        double down = f.getAsDouble();
        a[i] = keep;
        return (up - down) / ((float) (keep + eps) - (float) (keep - eps));
    }
}
