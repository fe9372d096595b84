package tagllm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import tagllm.model.ModelConfig;
import tagllm.model.PackedBatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The FLOP formulas against products counted by hand for a tiny configuration. */
class FlopCountTest {
    // d = 8, two heads of 4 (q = 8), one kv head (kv = 4), f = 12, two layers, vocab 10
    static ModelConfig tiny() throws Exception {
        return ModelConfig.fromJson(new ObjectMapper().readTree("""
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8, "intermediate_size": 12,
                 "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 10,
                 "max_position_embeddings": 32}"""), "test");
    }

    @Test
    void forwardBackwardAndDecodeByHand() throws Exception {
        ModelConfig c = tiny();
        // per row and layer: q 2·8·8 = 128, k and v 2·8·4 = 64 each, o 2·8·8 = 128, gate/up/down 3·2·8·12 = 576 → 960
        // two sequences: rows 0-2 (row r sees r+1 keys) and rows 3-4 where row 4 attends from row 4 only (isolated)
        PackedBatch b = new PackedBatch(8, new float[5 * 8], new int[]{0, 3, 5}, new int[]{0, 1, 2, 0, 1},
                new int[]{0, 0, 0, 3, 4}, new int[]{1, 4});
        // keys seen: 1 + 2 + 3 + 1 + 1 = 8; attention per key and head: QKᵀ and PV, 2·4 each → 16, two heads → 32
        double layer = 5 * 960 + 8 * 32;
        assertEquals(2 * layer, FlopCount.forward(c, b), 1e-9);
        // trainable rows: 1, 2 (keys 2, 3) and 4 (keys 1); attention backward is 5 products: 5·2·4 per key and head
        double back = 3 * 960 + (2 + 3 + 1) * 5 * 2 * 4 * 2;
        assertEquals(2 * back, FlopCount.backward(c, b), 1e-9);
        // decode at position 6: 7 keys, plus the LM head 2·8·10
        assertEquals(2 * (960 + 7 * 32) + 160, FlopCount.decodeStep(c, 6), 1e-9);
        // prefill of 3 rows: keys 1 + 2 + 3 in layer 0; the top layer computes k and v (128) at rows 0-1 and all
        // of row 2 (3 keys)
        assertEquals((3 * 960 + 6 * 32) + (2 * 128 + 960 + 3 * 32), FlopCount.prefill(c, 3), 1e-9);
    }

    @Test
    void topLayerOnlyAtReadRows() throws Exception {
        ModelConfig c = tiny();
        PackedBatch b = new PackedBatch(8, new float[5 * 8], new int[]{0, 3, 5}, new int[]{0, 1, 2, 0, 1},
                new int[]{0, 0, 0, 3, 4}, new int[]{1, 4});
        int[] read = {2, 4};
        // layer 0 as before (5 rows, 8 keys); the top layer: k and v (2·8·4 twice = 128) at all 5 rows, the rest
        // (960 − 128 = 832) and attention at rows 2 (3 keys) and 4 (1 key)
        assertEquals((5 * 960 + 8 * 32) + (5 * 128 + 2 * 832 + 4 * 32), FlopCount.forward(c, b, read), 1e-9);
        // backward: trainable rows 1, 2, 4 in layer 0; the top layer dK/dV at those 3 rows, the rest at read rows 2 and 4
        double attention = 5 * 2 * 4 * 2;
        assertEquals((3 * 960 + 6 * attention) + (3 * 128 + 2 * 832 + 4 * attention), FlopCount.backward(c, b, read), 1e-9);
        // a read row before its sequence's first trainable row gets no backward
        assertEquals((3 * 960 + 6 * attention) + (3 * 128 + 832 + 1 * attention), FlopCount.backward(c, b, new int[]{0, 4}), 1e-9);
    }

    @Test
    void loraAdaptersByHand() throws Exception {
        ModelConfig c = tiny();
        // rank 2, d = 8, q out 8, v out 4. Forward per row: q A·h 2·2·8 = 32 and B·u 2·8·2 = 32 → 64; v 32 + 2·4·2 = 16 → 48.
        // Backward per row: q 3·32 + 2·32 = 160; v 3·32 + 2·16 = 128.
        PackedBatch b = new PackedBatch(8, new float[5 * 8], new int[]{0, 3, 5}, new int[]{0, 1, 2, 0, 1},
                new int[]{0, 0, 0, 3, 4}, new int[]{0, 3});
        // every row trainable (LoRA): forward v at 5 rows in both layers, q at 5 rows in layer 0 and all 5 in the top
        assertEquals(2 * 5 * 48 + (5 + 5) * 64 + 2 * 5 * 128 + (5 + 5) * 160, FlopCount.lora(c, 2, b, null), 1e-9);
        // read rows 2 and 4: the top layer's q only there, forward and backward
        assertEquals(2 * 5 * 48 + (5 + 2) * 64 + 2 * 5 * 128 + (5 + 2) * 160, FlopCount.lora(c, 2, b, new int[]{2, 4}), 1e-9);
    }
}
