package tagllm.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.TagSet;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Data-parallel training on Spark (local mode, 2 task slots, a task may fail twice) against the same experiment in
 * one JVM: the same final tags and head to the bit, also when a task fails mid-step and is retried, and when the
 * run is stopped and resumed from its checkpoint.
 */
class SparkTrainingTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static TagSet single;

    @BeforeAll
    static void start() throws Exception {
        single = TrainRuns.run(TrainRuns.experiment(dir, "single"), null, 0, false).tags();
        spark = Sessions.start("local[2,2]", "SparkTrainingTest", Map.of());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    /** Fails the first attempt of micro-batch 1 of step 2: Spark runs it again. */
    static final class FailOnce implements SparkGradientEngine.TaskFault {
        @Override
        public void at(int step, int microBatch, TaskContext task) {
            if (step == 2 && microBatch == 1 && task.attemptNumber() == 0) throw new IllegalStateException("injected task failure");
        }
    }

    @Test
    void sparkTrainingEqualsOneJvmEvenWhenATaskFails() throws Exception {
        Experiment exp = TrainRuns.experiment(dir, "spark");
        try (SparkGradientEngine engine = TrainRuns.spark(spark, exp).fault(new FailOnce())) {
            ExperimentRunner.Outcome o = TrainRuns.run(exp, engine, 0, false);
            assertFalse(o.stopped());
            TrainRuns.assertSameTags(single, o.tags());
        }
        // the run really moved the tags (else equality would prove nothing)
        TagSet init = TrainRuns.run(TrainRuns.experiment(dir, "none"), null, 1, false).tags();
        assertFalse(java.util.Arrays.equals(init.require("<QED>").values(), single.require("<QED>").values()));
    }

    @Test
    void stoppedAndResumedOnSparkEqualsOneJvm() throws Exception {
        Experiment exp = TrainRuns.experiment(dir, "resumed");
        try (SparkGradientEngine engine = TrainRuns.spark(spark, exp)) {
            ExperimentRunner.Outcome first = TrainRuns.run(exp, engine, 2, false);
            assertTrue(first.stopped());
            assertTrue(Files.exists(ExperimentRunner.checkpointFile(exp.output(), "qed")), "a checkpoint to resume from");
            ExperimentRunner.Outcome o = TrainRuns.run(exp, engine, 0, true);
            assertFalse(o.stopped());
            TrainRuns.assertSameTags(single, o.tags());
        }
    }
}
