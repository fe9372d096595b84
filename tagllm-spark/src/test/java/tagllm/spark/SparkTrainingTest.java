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
            assertRecordsSpark(ExperimentRunner.finalFile(exp.output()));
        }
        // the run really moved the tags (else equality would prove nothing)
        TagSet init = TrainRuns.run(TrainRuns.experiment(dir, "none"), null, 1, false).tags();
        assertFalse(java.util.Arrays.equals(init.require("<QED>").values(), single.require("<QED>").values()));
    }

    /**
     * The tag file says the stage trained on Spark: its tensors are one JVM's bits, so the old provenance entry was
     * one JVM's too, and an auditor could not tell. The reference is the session's own settings (master local[2,2]:
     * 2 task slots, one executor, the driver; 4 micro-batches a step over 2 slots: 2 partitions). A single-JVM tag
     * file's entry has no engine; the tensors compared above are the same bits either way, the provenance differs.
     */
    private static void assertRecordsSpark(Path tagFile) throws Exception {
        TagSet written = tagllm.tag.TagFile.read(tagFile);
        assertEquals(1, written.provenance().size(), written.provenance().toString());
        var engine = written.provenance().get(0).path("engine");
        assertEquals("spark", engine.path("name").asText(), engine.toString());
        assertEquals("local[2,2]", engine.path("master").asText());
        assertEquals(spark.version(), engine.path("spark_version").asText());
        assertEquals("4.2.0", engine.path("spark_version").asText());
        assertEquals(1, engine.path("executors").asInt());
        assertEquals(2, engine.path("default_parallelism").asInt());
        assertEquals(2, engine.path("partitions_per_step").asInt());
        var inspect = tagllm.cli.Main.commandLine();
        var text = new java.io.StringWriter();
        inspect.setOut(new java.io.PrintWriter(text, true));
        assertEquals(0, inspect.execute("tags", "inspect", tagFile.toString()));
        assertTrue(text.toString().contains("      trained on spark (master local[2,2], Spark 4.2.0, 1 executor, 2 partitions a step)\n"), text.toString());
        TagSet oneJvm = tagllm.tag.TagFile.read(ExperimentRunner.finalFile(dir.resolve("single")));
        assertFalse(oneJvm.provenance().get(0).has("engine"), oneJvm.provenance().toString());
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
