package tagllm.train;

import tagllm.model.ForwardPass;
import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.SequencePacker;
import tagllm.tag.TagSet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/** The frozen model's final-norm hidden state at one position of each sequence (what a head or a probe reads). */
final class HiddenStates {
    private HiddenStates() {}

    /** n × d features: for each sequence the row at position(sequence), under the given tags (none trained). */
    static double[][] at(Transformer model, TagSet tags, List<Sequence> seqs, ToIntFunction<Sequence> position) {
        int d = model.config().hiddenSize();
        double[][] x = new double[seqs.size()][];
        int i = 0;
        for (List<Sequence> chunk : SequencePacker.chunks(seqs, SequencePacker.MAX_BATCH_ROWS)) {
            SequencePacker.Packed packed = SequencePacker.pack(chunk, tags, model::embed, d, n -> false);
            try (ForwardPass pass = model.forward(packed.batch(), false)) {
                float[] normed = pass.normed();
                for (int k = 0; k < chunk.size(); k++) {
                    int row = packed.row(k, position.applyAsInt(chunk.get(k)));
                    double[] f = new double[d];
                    for (int j = 0; j < d; j++) f[j] = normed[row * d + j];
                    x[i + k] = f;
                }
            }
            i += chunk.size();
        }
        return x;
    }
}
