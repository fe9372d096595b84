package tagllm.model;

import org.junit.jupiter.api.Test;
import tagllm.tensor.Bf16;
import tagllm.tensor.Matrix;
import tagllm.tensor.NativeBf16;
import tagllm.testutil.Shared;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Loading straight into BF16 compute gives the same weights as rounding the F32 model, and the same fingerprint; a
 * BF16 embedding tied to the head is held once.
 */
class Bf16ComputeLoadTest {
    @Test
    void loadingInBf16RoundsTheProjectionsAndKeepsTheRest() throws Exception {
        assumeTrue(NativeBf16.available(), NativeBf16.status());
        for (String name : new String[]{"stories260K", "tiny-llama-tied"}) {
            Path dir = Shared.model(name);
            Model f32 = Model.load(dir.toString());
            Model bf16 = Model.load(dir.toString(), ComputePrecision.BF16);
            assertEquals(f32.fingerprint(), bf16.fingerprint(), name + ": tags trained either way load in both");
            assertFalse(f32.weights().bf16Compute());
            assertTrue(bf16.weights().bf16Compute());
            Weights a = f32.weights(), b = bf16.weights();
            same(a.embedTokens(), b.embedTokens(), false, name + " embedding (kept as stored)");
            same(a.lmHead(), b.lmHead(), true, name + " LM head");
            if (a.config().tieWordEmbeddings()) assertSame(b.embedTokens().storage(), a.embedTokens().storage());
            // a BF16 embedding tied to the head is held once, as the head's copy (tiny-llama-tied); an F32 one keeps
            // its F32 lookup beside the head's BF16 copy (stories260K)
            boolean oneCopy = a.config().tieWordEmbeddings() && a.embedTokens().storage() == Matrix.Storage.BF16;
            assertEquals(oneCopy, b.embedTokens() == b.lmHead(), name + ": embedding held once");
            assertEquals(oneCopy, b.embedTokens().bf16Compute(), name + ": embedding read from the head's copy");
            for (int l = 0; l < a.layers().length; l++) {
                LayerWeights x = a.layers()[l], y = b.layers()[l];
                Matrix[] xs = x.matrices();
                Matrix[] ys = y.matrices();
                for (int i = 0; i < xs.length; i++) {
                    assertTrue(ys[i].bf16Compute(), name + " layer " + l + " matrix " + i);
                    same(xs[i], ys[i], true, name + " layer " + l + " matrix " + i);
                }
            }
        }
    }

    private static void same(Matrix f32, Matrix got, boolean rounded, String what) {
        assertEquals(f32.rows(), got.rows(), what);
        assertEquals(f32.cols(), got.cols(), what);
        for (int r = 0; r < f32.rows(); r++) {
            for (int c = 0; c < f32.cols(); c++) {
                float want = rounded ? Bf16.toFloat(Bf16.round(f32.get(r, c))) : f32.get(r, c);
                if (want != got.get(r, c)) assertEquals(want, got.get(r, c), what + " (" + r + ", " + c + ")");
            }
        }
    }
}
