package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import tagllm.model.ModelConfig;
import tagllm.model.PackedBatch;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeterministicMathTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void expIsWithinTwoUlpOfTheDoubleExp() {
        double worst = 0;
        for (float x = -87f; x <= 88f; x += 0.0137f) {
            double ref = Math.exp(x);
            double got = DeterministicMath.exp(x);
            worst = Math.max(worst, Math.abs(got - ref) / ref);
        }
        assertTrue(worst < 2.5e-7, "max relative error " + worst);
        assertEquals(0f, DeterministicMath.exp(-200f));
        assertEquals(1f, DeterministicMath.exp(0f));
    }

    @Test
    void vectorLanesEqualTheScalarTwinBitForBit() {
        Random rnd = new Random(7);
        float[] x = new float[L * 64];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 30);
        x[0] = -100f;
        x[1] = 95f;
        // the clamp's edges and the values a compare treats specially (NaN, infinities, signed zeros)
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 88f, Math.nextUp(88f),
                -87.3f, Math.nextDown(-87.3f), Math.nextUp(-87.3f), Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE,
                -Float.MIN_VALUE, 1e-30f, -1e-30f};
        System.arraycopy(special, 0, x, 2, special.length);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            DeterministicMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(DeterministicMath.exp(x[i])), Float.floatToIntBits(out[i]), "x=" + x[i]);
        }
    }

    @Test
    void sumLanesAddsInLaneOrder() {
        float[] v = new float[L];
        for (int i = 0; i < L; i++) v[i] = (i % 2 == 0 ? 1e8f : 1f) * (i + 1);
        float expected = 0f;
        for (float f : v) expected += f;
        assertEquals(Float.floatToIntBits(expected),
                Float.floatToIntBits(DeterministicMath.sumLanes(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, v, 0))));
    }

    /** The first (interpreted) run and runs after JIT warm-up must give the same bits: training must be reproducible. */
    @Test
    void forwardAndBackwardGiveTheSameBitsColdAndWarm() {
        ModelConfig c = tagllm.model.ModelConfig.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(
                java.util.Map.of("architectures", java.util.List.of("LlamaForCausalLM"), "hidden_size", 64,
                        "intermediate_size", 160, "num_hidden_layers", 2, "num_attention_heads", 4,
                        "num_key_value_heads", 2, "vocab_size", 97, "max_position_embeddings", 128)), "test");
        Transformer t = new Transformer(RandomWeights.of(c, 3, false));
        Random rnd = new Random(11);
        float[] in = new float[40 * 64];
        for (int i = 0; i < in.length; i++) in[i] = (float) rnd.nextGaussian();
        float[] dNormed = new float[in.length];
        for (int i = 0; i < dNormed.length; i++) dNormed[i] = (float) rnd.nextGaussian();
        PackedBatch b = PackedBatch.single(64, in);
        float[] coldOut = t.forward(b, true).normed().clone();
        float[] coldGrad = t.backward(t.forward(b, true), dNormed).clone();
        for (int i = 0; i < 300; i++) t.backward(t.forward(b, true), dNormed);
        assertArrayEquals(coldOut, t.forward(b, true).normed().clone());
        assertArrayEquals(coldGrad, t.backward(t.forward(b, true), dNormed).clone());
    }
}
