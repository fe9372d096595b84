package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vectorised scaled maximum against the scalar loop it replaced: the same bits for every length and offset. */
class SoftmaxMaxTest {
    @Test
    void equalsTheScalarMaximumOfTheRoundedProducts() {
        Random rnd = new Random(3);
        float[] x = new float[300];
        for (int trial = 0; trial < 200; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6) - 3));
            int off = rnd.nextInt(40), n = 1 + rnd.nextInt(x.length - off - 1);
            float scale = (float) (0.01 + rnd.nextDouble());
            float expected = Float.NEGATIVE_INFINITY;
            for (int j = off; j < off + n; j++) expected = Math.max(expected, x[j] * scale);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(Softmax.scaledMax(x, off, n, scale)),
                    "offset " + off + ", length " + n);
        }
        float[] neg = {-3f, -1f, -2f};
        assertEquals(-0.5f, Softmax.scaledMax(neg, 0, 3, 0.5f));
    }
}
