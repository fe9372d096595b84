package tagllm.train;

import org.junit.jupiter.api.Test;
import tagllm.head.RegressionHead;
import tagllm.task.ClassSpec;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Classification heads (the linear head reading logits) + cross-entropy: gradients with respect to the head's
 * weights, bias and the hidden state against central finite differences in double, for binary (weighted BCE),
 * multi-class (weighted softmax CE) and multi-label (BCE with a missing label and positive weights); and the loss
 * values against hand-computed ones.
 */
class ClassificationLossTest {
    private static final ClassSpec BINARY = new ClassSpec(null, List.of("no", "yes"), null, List.of(0.7, 2.5), false);
    private static final ClassSpec MULTI = new ClassSpec(null, List.of("a", "b", "c"), null, List.of(1.0, 3.0, 0.5), false);
    private static final ClassSpec LABELS = new ClassSpec(ClassSpec.Kind.MULTILABEL, null, List.of("t1", "t2", "t3"), List.of(2.0, 1.0, 4.0), false);

    @Test
    void binaryGradientsMatchFiniteDifferences() {
        check(BINARY, new double[]{1, 0, 1}, null);
    }

    @Test
    void multiClassGradientsMatchFiniteDifferences() {
        check(MULTI, new double[]{2, 0, 1}, null);
    }

    @Test
    void multiLabelGradientsMatchFiniteDifferences() {
        check(LABELS, null, new double[][]{{1, 0, Double.NaN}, {0, 1, 1}, {Double.NaN, 0, 1}});
    }

    /** Three examples, each its own hidden state, through one head (k outputs × d). */
    private static void check(ClassSpec cs, double[] label, double[][] targets) {
        Random r = new Random(11);
        int d = 5, k = cs.outputs(), n = 3;
        float[] w = new float[k * d], b = new float[k];
        float[][] h = new float[n][d];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < k; i++) b[i] = (float) r.nextGaussian();
        for (float[] x : h) for (int i = 0; i < d; i++) x[i] = (float) r.nextGaussian();
        RegressionHead head = new RegressionHead("<C>", k, d, w, b, null, null);
        float[] gw = new float[k * d], gb = new float[k];
        float[][] dh = new float[n][d];
        double[][] z = new double[n][], dz = new double[n][k];
        for (int i = 0; i < n; i++) z[i] = head.forward(h[i], 0);
        ClassificationLoss.compute(cs, z, label, targets, dz);
        for (int i = 0; i < n; i++) head.backward(h[i], 0, dz[i], gw, gb, dh[i], 0);
        java.util.function.DoubleSupplier loss = () -> {
            double[][] zz = new double[n][];
            for (int i = 0; i < n; i++) zz[i] = head.forward(h[i], 0);
            return ClassificationLoss.compute(cs, zz, label, targets, null);
        };
        double eps = 1e-3;
        for (int i = 0; i < w.length; i++) assertEquals(fd(loss, w, i, eps), gw[i], 1e-4 * Math.max(1, Math.abs(gw[i])), "dw " + i);
        for (int i = 0; i < k; i++) assertEquals(fd(loss, b, i, eps), gb[i], 1e-4 * Math.max(1, Math.abs(gb[i])), "db " + i);
        for (int e = 0; e < n; e++) {
            for (int i = 0; i < d; i++) assertEquals(fd(loss, h[e], i, eps), dh[e][i], 1e-4 * Math.max(1, Math.abs(dh[e][i])), "dh[" + e + "] " + i);
        }
        boolean anyNonZero = false;
        for (float g : gw) anyNonZero |= Math.abs(g) > 1e-3;
        assertTrue(anyNonZero, "the gradient is not trivially zero");
    }

    @Test
    void lossValuesByHand() {
        // binary: z = 0 → p = 0.5, −log 0.5 = ln 2; y = 1 weighs 2.5, y = 0 weighs 0.7; mean over 2 examples
        assertEquals((2.5 * Math.log(2) + 0.7 * Math.log(2)) / 2,
                ClassificationLoss.compute(BINARY, new double[][]{{0}, {0}}, new double[]{1, 0}, null, null), 1e-12);
        // binary z = 2, y = 0: −log(1 − σ(2)) = log(1 + e²)
        assertEquals(0.7 * Math.log(1 + Math.exp(2)), ClassificationLoss.compute(BINARY, new double[][]{{2}}, new double[]{0}, null, null), 1e-12);
        // multi-class: logits (1, 2, 3), gold b (weight 3): 3·(log(e + e² + e³) − 2)
        assertEquals(3 * (Math.log(Math.E + Math.exp(2) + Math.exp(3)) - 2),
                ClassificationLoss.compute(MULTI, new double[][]{{1, 2, 3}}, new double[]{1}, null, null), 1e-12);
        // multi-label: the NaN costs nothing and the mean is over the 2 known labels; t1 positive weighs 2
        double expected = (2 * Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(-2))) / 2;
        assertEquals(expected, ClassificationLoss.compute(LABELS, new double[][]{{1, -2, 5}}, null, new double[][]{{1, 0, Double.NaN}}, null), 1e-12);
        // large logits neither overflow nor lose the loss
        assertEquals(0.7 * 800, ClassificationLoss.compute(BINARY, new double[][]{{800}}, new double[]{0}, null, null), 1e-9);
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
