package tagllm.train;

import tagllm.model.Transformer;
import tagllm.tag.Sequence;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.task.ReadRowPasses;

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
        double[][] x = new double[seqs.size()][];
        ReadRowPasses.run(model, tags, seqs, position, (i, row) -> {
            double[] f = new double[row.length];
            for (int j = 0; j < row.length; j++) f[j] = row[j];
            x[i] = f;
        }, done -> { });
        return x;
    }
}
