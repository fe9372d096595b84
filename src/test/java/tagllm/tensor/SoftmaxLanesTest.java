package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The softmax's lane-wise passes and the attention blocks' reductions of many rows' lanes at once, against scalar
 * loops written from the definitions: the same bits for every length and offset (training must stay reproducible,
 * and a row must not depend on the rows reduced beside it).
 */
class SoftmaxLanesTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void laneMaximaReduceToTheScalarMaximumOfTheRoundedProducts() {
        Random rnd = new Random(3);
        float[] x = new float[300], lanes = new float[L];
        for (int trial = 0; trial < 200; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(6) - 3));
            int off = rnd.nextInt(40), n = 1 + rnd.nextInt(x.length - off - 1);
            float scale = (float) (0.01 + rnd.nextDouble());
            float expected = Float.NEGATIVE_INFINITY;
            for (int j = off; j < off + n; j++) expected = Math.max(expected, x[j] * scale);
            Softmax.laneMaxima(x, off, n, lanes, 0);
            float got = Float.NEGATIVE_INFINITY;
            for (float v : lanes) got = Math.max(got, v);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got * scale), "offset " + off + ", length " + n);
        }
    }

    @Test
    void expShiftedLanesAreTheScalarExponentialsSummedLaneByLane() {
        Random rnd = new Random(5);
        float[] x = new float[200], ref = new float[200], lanes = new float[L];
        for (int trial = 0; trial < 200; trial++) {
            for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 8);
            System.arraycopy(x, 0, ref, 0, x.length);
            int off = rnd.nextInt(30), n = 1 + rnd.nextInt(x.length - off - 1);
            float scale = 0.125f, shift = (float) rnd.nextGaussian();
            Softmax.expShiftedLanes(x, off, n, scale, shift, lanes, 0);
            for (int j = 0; j < n; j++) {
                float e = DeterministicMath.exp(Math.fma(ref[off + j], scale, -shift));
                assertEquals(Float.floatToIntBits(e), Float.floatToIntBits(x[off + j]), "element " + j);
                ref[off + j] = e;
            }
            for (int lane = 0; lane < L; lane++) {
                float sum = 0f;
                for (int j = lane; j < n; j += L) sum += ref[off + j];
                assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(lanes[lane]), "lane " + lane + " of length " + n);
            }
            assertEquals(0f, x[off + n] - ref[off + n], "past the row is left alone");
        }
    }

    @Test
    void backwardPassesAreTheScalarFormulas() {
        Random rnd = new Random(9);
        float[] p = new float[150], ds = new float[150], lanes = new float[L];
        for (int trial = 0; trial < 100; trial++) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (rnd.nextGaussian() * 8);
                ds[i] = (float) rnd.nextGaussian();
            }
            float[] s0 = p.clone(), dp0 = ds.clone();
            int off = rnd.nextInt(20), n = 1 + rnd.nextInt(p.length - off - 1);
            float scale = 0.125f, lse = (float) (3 + rnd.nextGaussian());
            Softmax.backwardLanes(p, ds, off, n, scale, lse, lanes, 0);
            float[] e = new float[n];
            for (int j = 0; j < n; j++) {
                e[j] = DeterministicMath.exp(Math.fma(s0[off + j], scale, -lse));
                assertEquals(Float.floatToIntBits(e[j]), Float.floatToIntBits(p[off + j]));
            }
            for (int lane = 0; lane < L; lane++) {
                float sum = 0f;
                int full = n - n % L;
                // whole vectors fuse the product into the sum, the last partial one rounds it first
                for (int j = lane; j < n; j += L) sum = j < full ? Math.fma(e[j], dp0[off + j], sum) : sum + e[j] * dp0[off + j];
                assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(lanes[lane]), "lane " + lane + " of length " + n);
            }
            float pdp = (float) rnd.nextGaussian();
            Softmax.backwardFinish(p, ds, off, n, scale, pdp);
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToIntBits(e[j] * (dp0[off + j] - pdp) * scale), Float.floatToIntBits(ds[off + j]));
            }
        }
    }

    @Test
    void rowsOfLanesReduceToEachRowsLaneOrderSumAndMaximum() {
        Random rnd = new Random(13);
        int rows = Gemm.MR;
        float[] lanes = new float[BlockAttention.LANE_ROWS * L], t = new float[lanes.length], out = new float[2 * rows + 3];
        for (int trial = 0; trial < 50; trial++) {
            // magnitudes far apart, so that any other order of the adds changes the bits
            for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
            if (trial == 0) {
                lanes[0] = -0f; // the maximum of −0 and +0 is +0, in any order
                lanes[1] = 0f;
                for (int j = 2; j < L; j++) lanes[j] = -1f;
                lanes[L] = Float.NaN; // a NaN lane makes its own row's maximum NaN, and no other row's
            }
            int used = 1 + trial % rows;
            BlockAttention.rowSums(lanes, used, t, out, 3);
            BlockAttention.rowMaxima(lanes, used, t, out, 3 + rows);
            for (int i = 0; i < used; i++) {
                float sum = 0f, max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < L; j++) {
                    sum += lanes[i * L + j];
                    max = Math.max(max, lanes[i * L + j]);
                }
                assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(out[3 + i]), "sum of row " + i);
                assertEquals(Float.floatToIntBits(max), Float.floatToIntBits(out[3 + rows + i]), "maximum of row " + i);
            }
        }
    }

    @Test
    void batchedDotProductsHaveTheBitsOfOneDotEach() {
        Random rnd = new Random(17);
        for (int hd : new int[]{64, 72, 8, 16, 100}) {
            for (int n : new int[]{1, 15, 16, 17, 40, 130}) {
                int stride = 3 * hd + 5, aOff = 7, bOff = 11;
                float[] a = new float[aOff + hd], b = new float[bOff + n * stride];
                for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
                for (int i = 0; i < b.length; i++) b[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(5) - 2));
                float[] out = new float[n + 2];
                Attention.dots(a, aOff, b, bOff, stride, n, hd, out, 2);
                for (int j = 0; j < n; j++) {
                    assertEquals(Float.floatToIntBits(VectorOps.dot(a, aOff, b, bOff + j * stride, hd)), Float.floatToIntBits(out[2 + j]),
                            "row " + j + " of " + n + ", head dim " + hd);
                }
            }
        }
    }
}
