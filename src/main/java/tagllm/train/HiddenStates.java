package tagllm.train;

import tagllm.model.ForwardPass;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;
import tagllm.task.Example;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/** The frozen model's final-norm hidden state at one position of each sequence (what a head or a probe reads). */
final class HiddenStates {
    private HiddenStates() {}

    /** n × d features: each example's hidden state at its read position (what its head reads), under the given tags. */
    static double[][] atReadPositions(Transformer model, TagSet tags, List<Example> examples) {
        return at(model, tags, examples.stream().map(Example::sequence).toList(), Sequence::readPosition);
    }

    /** n × d features: for each sequence the row at position(sequence), under the given tags (none trained). */
    static double[][] at(Transformer model, TagSet tags, List<Sequence> seqs, ToIntFunction<Sequence> position) {
        int d = model.config().hiddenSize();
        double[][] x = new double[seqs.size()][];
        int i = 0;
        for (List<Sequence> chunk : SequencePacker.chunks(seqs, SequencePacker.MAX_BATCH_ROWS)) {
            SequencePacker.Packed packed = SequencePacker.pack(chunk, tags, model::embed, d, n -> false);
            int[] rows = new int[chunk.size()];
            for (int k = 0; k < chunk.size(); k++) rows[k] = packed.row(k, position.applyAsInt(chunk.get(k)));
            // one row per sequence is read: the top layer is computed only there
            try (ForwardPass pass = model.forward(packed.batch(), false, rows)) {
                for (int k = 0; k < chunk.size(); k++) {
                    float[] row = pass.normedRow(rows[k]);
                    double[] f = new double[d];
                    for (int j = 0; j < d; j++) f[j] = row[j];
                    x[i + k] = f;
                }
            }
            i += chunk.size();
        }
        return x;
    }
}
