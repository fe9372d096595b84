package tagllm.bench;

import org.junit.jupiter.api.Test;
import tagllm.model.ForwardPass;
import tagllm.model.PackedBatch;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PredictWorkTest {
    /**
     * The QED prompt's layout (text, isolated domain tag + SMILES, text, function tag read at its last slot), and
     * predictions equal to the head read from a full forward over every row: the predictor's pruned top layer
     * changes no bit.
     */
    @Test
    void promptsAndPredictionsAsThePredictPath() {
        Transformer t = new Transformer(RandomWeights.of(BenchShape.TINY.config(), 0, false));
        PredictWork w = new PredictWork(t, 5, 6, 3, 1);
        int len = 11 + 3 + 6 + 15 + 3;
        assertEquals(len, w.length());
        assertEquals(len, PredictWork.length(6, 3));
        double[] v = w.predict();
        assertEquals(5, v.length);
        List<PredictWork.PackedChunk> chunks = w.chunks();
        assertEquals(1, chunks.size());
        PackedBatch b = chunks.get(0).batch();
        assertEquals(5 * len, b.rows());
        for (int m = 0; m < 5; m++) {
            int s = m * len;
            assertEquals(s + len - 1, chunks.get(0).readRows()[m], "read at the function tag's last slot");
            assertEquals(s, b.attendFrom(s + 10), "text before the span: causal");
            for (int r = 11; r < 11 + 3 + 6; r++) assertEquals(s + 11, b.attendFrom(s + r), "the span attends from its start");
            assertEquals(s, b.attendFrom(s + 20), "text after the span: causal");
        }
        try (ForwardPass p = t.forward(b, false)) {
            for (int m = 0; m < 5; m++) {
                double expected = w.head().predict(p.normedRow(chunks.get(0).readRows()[m]), 0)[0];
                assertEquals(expected, v[m], 0.0, "molecule " + m);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new PredictWork(t, 0, 6, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new PredictWork(t, 2, t.config().maxPositions(), 3, 1));
    }
}
