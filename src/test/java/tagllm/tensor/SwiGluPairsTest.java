package tagllm.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The SwiGLU gate that keeps its inputs for the backward as BF16 pairs (the BF16 MLP's activations): its output is
 * the plain gate's, bit for bit; each pair holds g and u rounded to BF16 as {@link Bf16#round} rounds them (ties to
 * even); and the backward from the pairs is the plain backward on those rounded values — in the vector body and the
 * scalar tail (lengths around the vector width), at offsets, with values at the rounding ties.
 */
class SwiGluPairsTest {
    @Test
    void pairsHoldTheRoundedInputsAndTheBackwardReadsThem() {
        Random rnd = new Random(3);
        for (int n : new int[]{1, 7, 15, 16, 17, 33, 64, 100}) {
            int gOff = 3, uOff = 5, aOff = 2, pOff = 4;
            float[] g = new float[gOff + n], u = new float[uOff + n];
            for (int i = 0; i < n; i++) {
                g[gOff + i] = (float) (3 * rnd.nextGaussian());
                u[uOff + i] = (float) rnd.nextGaussian();
            }
            // exact ties: the low 16 bits 0x8000, above an even and above an odd BF16
            g[gOff] = Float.intBitsToFloat(0x3F808000);
            if (n > 1) u[uOff + 1] = Float.intBitsToFloat(0xBF818000);
            float[] plain = new float[aOff + n], kept = new float[aOff + n], pairs = new float[pOff + n];
            SwiGlu.forward(g, gOff, u, uOff, plain, aOff, n);
            SwiGlu.forwardKeepingPairs(g, gOff, u, uOff, kept, aOff, pairs, pOff, n);
            assertArrayEquals(plain, kept, "act, n = " + n);

            float[] gr = new float[n], ur = new float[n];
            for (int i = 0; i < n; i++) {
                int word = Float.floatToRawIntBits(pairs[pOff + i]);
                assertEquals(Bf16.round(g[gOff + i]), (short) (word >>> 16), "g " + i + " of " + n);
                assertEquals(Bf16.round(u[uOff + i]), (short) word, "u " + i + " of " + n);
                gr[i] = Bf16.toFloat(Bf16.round(g[gOff + i]));
                ur[i] = Bf16.toFloat(Bf16.round(u[uOff + i]));
            }
            assertEquals((short) 0x3F80, Bf16.round(g[gOff]), "a tie above an even BF16 rounds down");

            float[] da = new float[1 + n];
            for (int i = 0; i < n; i++) da[1 + i] = (float) rnd.nextGaussian();
            float[] dgRef = new float[n], duRef = new float[n], dg = new float[2 + n], du = new float[2 + n];
            SwiGlu.backward(gr, ur, 0, da, 1, dgRef, duRef, 0, n);
            SwiGlu.backwardFromPairs(pairs, pOff, da, 1, dg, du, 2, n);
            assertArrayEquals(dgRef, java.util.Arrays.copyOfRange(dg, 2, 2 + n), "dg, n = " + n);
            assertArrayEquals(duRef, java.util.Arrays.copyOfRange(du, 2, 2 + n), "du, n = " + n);
        }
    }
}
