package tagllm.spark;

import tagllm.model.ComputePrecision;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.Tag;
import tagllm.tag.TagSet;
import tagllm.task.DatasetRows;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.GradientEngine;
import tagllm.train.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A short QED training run on the shared data (stage 2: the function tag and head, 4 micro-batches a step), in one JVM or on Spark. */
final class TrainRuns {
    private TrainRuns() {}

    static Experiment experiment(Path dir, String name) throws IOException {
        Path yaml = dir.resolve(name + ".yaml");
        Files.writeString(yaml, """
                model: %s
                output: %s
                seed: 11
                tag_length: 2
                tasks:
                  qed: {preset: QED, data: {path: %s, max_train: 64, max_eval: 16}}
                stages:
                  - {name: qed, stage: 2, tasks: [qed], max_steps: 4, batch_size: 3, grad_accum: 4, lr: 0.01, checkpoint_every: 2}
                """.formatted(Fixtures.model(), dir.resolve(name), Fixtures.zinc()));
        return Experiment.load(yaml);
    }

    /** Runs the experiment (to the end, or stopped after stopAfter steps) with the engine (null: this JVM). */
    static ExperimentRunner.Outcome run(Experiment exp, GradientEngine engine, int stopAfter, boolean resume) throws IOException {
        Model m = Model.load(exp.model());
        DatasetRows rows = new DatasetRows(false);
        ExperimentRunner r = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(), rows::load,
                Progress.silent(), false).stopAfter(stopAfter);
        if (engine != null) r.engine(engine);
        return r.run(exp, resume, false);
    }

    static SparkGradientEngine spark(org.apache.spark.sql.SparkSession s, Experiment exp) {
        return new SparkGradientEngine(s, false, exp.model(), ComputePrecision.F32);
    }

    /** Every trained array has the same bits. */
    static void assertSameTags(TagSet expected, TagSet actual) {
        assertEquals(expected.tags().size(), actual.tags().size());
        for (Tag t : expected.tags()) assertArrayEquals(t.values(), actual.require(t.name()).values(), "tag " + t.name());
        for (var e : expected.heads().entrySet()) {
            assertNotNull(actual.head(e.getKey()));
            assertArrayEquals(e.getValue().weight(), actual.head(e.getKey()).weight(), "head " + e.getKey());
        }
    }
}
