package tagllm.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tagllm.task.Example;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * local-cluster mode: a master, a worker and two executor JVMs of one core each on this machine, started from the
 * Maven jars alone. Scoring equals the predictor to the bit with the model loaded once per executor JVM, and
 * training equals one JVM's even when an executor JVM dies in the middle of a step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static Path tags;

    @BeforeAll
    static void start() throws Exception {
        tags = Fixtures.qedTags(dir);
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
        spark = Sessions.start("local-cluster[2,1,1024]", "LocalClusterTest", Map.of("spark.executor.memory", "700m"));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (spark.sparkContext().getExecutorMemoryStatus().size() < 3 && System.nanoTime() < deadline) Thread.sleep(200);
        assertEquals(3, spark.sparkContext().getExecutorMemoryStatus().size(), "two executors and the driver");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    @Test
    @Order(1)
    void scoringOnTwoExecutorJvmsEqualsThePredictorWithOneModelLoadEach() throws Exception {
        List<String> smiles = Fixtures.smiles(32);
        TagPredictor p = TagPredictor.open(Fixtures.model(), List.of(tags));
        TaskSpec task = p.task("QED");
        List<Example> prompts = new ArrayList<>();
        for (String s : smiles) prompts.add(p.renderer(task).prompt(tagllm.data.Row.of("t", 1, Map.of("smiles", s))));
        double[] ref = p.predictValues(task, prompts.stream().map(Example::sequence).toList());

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i++) rows.add(RowFactory.create(i, smiles.get(i)));
        var df = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType).add("smiles", DataTypes.StringType)).repartition(4);
        List<Row> out = new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString()).setTask("QED").setInputCols("smiles")
                .transform(df).collectAsList();
        assertEquals(smiles.size(), out.size());
        for (Row o : out) {
            assertTrue(o.isNullAt(3), () -> String.valueOf(o.get(3)));
            assertEquals(Double.doubleToRawLongBits(ref[o.getInt(0)]), Double.doubleToRawLongBits(o.getDouble(2)), "row " + o.getInt(0));
        }
        // which JVMs ran tasks, and how often each loaded the model
        long driver = ProcessHandle.current().pid();
        Map<Long, Integer> loads = new HashMap<>();
        for (String s : JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(IntStream.range(0, 16).boxed().toList(), 16)
                .map(i -> {
                    Thread.sleep(300); // long enough that both executors take some of the tasks
                    return ProcessHandle.current().pid() + ":" + ExecutorModels.MODEL_LOADS.get();
                }).collect()) {
            String[] kv = s.split(":");
            loads.put(Long.parseLong(kv[0]), Integer.parseInt(kv[1]));
        }
        assertFalse(loads.containsKey(driver), "tasks run in executor JVMs");
        assertEquals(2, loads.size(), "two executor JVMs: " + loads);
        for (int n : loads.values()) assertTrue(n <= 1, "at most one model load per executor JVM: " + loads);
        assertTrue(loads.values().stream().mapToInt(Integer::intValue).sum() >= 1);
    }

    /**
     * A model folder given relative to the driver's working directory (as docs/spark.md's own command gives
     * ../shared/models/stories260K): the executor JVMs run in the worker's work/app-.../N folder, where the old scorer
     * sent that relative path, so every task failed ("no such model folder") 4 times and the job with it.
     */
    @Test
    @Order(3)
    void aModelFolderRelativeToTheDriverIsFoundOnTheExecutors() throws Exception {
        List<String> smiles = Fixtures.smiles(4);
        TagPredictor p = TagPredictor.open(Fixtures.model(), List.of(tags));
        TaskSpec task = p.task("QED");
        List<Example> prompts = new ArrayList<>();
        for (String s : smiles) prompts.add(p.renderer(task).prompt(tagllm.data.Row.of("t", 1, Map.of("smiles", s))));
        double[] ref = p.predictValues(task, prompts.stream().map(Example::sequence).toList());
        String relative = Path.of("").toAbsolutePath().relativize(Path.of(Fixtures.model()).toAbsolutePath()).toString();
        assertFalse(Path.of(relative).isAbsolute());
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i++) rows.add(RowFactory.create(i, smiles.get(i)));
        var df = spark.createDataFrame(rows, new StructType().add("id", DataTypes.IntegerType).add("smiles", DataTypes.StringType)).repartition(2);
        List<Row> out = new TagLlmScorer().setModel(relative).setTags(tags.toString()).setTask("QED").transform(df).collectAsList();
        assertEquals(smiles.size(), out.size());
        for (Row o : out) {
            assertTrue(o.isNullAt(3), () -> String.valueOf(o.get(3)));
            assertEquals(Double.doubleToRawLongBits(ref[o.getInt(0)]), Double.doubleToRawLongBits(o.getDouble(2)), "row " + o.getInt(0));
        }
    }

    /** Kills the executor JVM running the first attempt of micro-batch 1 of step 2. */
    static final class KillExecutorOnce implements SparkGradientEngine.TaskFault {
        @Override
        public void at(int step, int microBatch, TaskContext task) {
            if (step == 2 && microBatch == 1 && task.attemptNumber() == 0) Runtime.getRuntime().halt(137);
        }
    }

    @Test
    @Order(2)
    void trainingWithAnExecutorKilledMidStepEqualsOneJvm() throws Exception {
        var single = TrainRuns.run(TrainRuns.experiment(dir, "single"), null, 0, false).tags();
        Experiment exp = TrainRuns.experiment(dir, "cluster");
        try (SparkGradientEngine engine = TrainRuns.spark(spark, exp).fault(new KillExecutorOnce())) {
            ExperimentRunner.Outcome o = TrainRuns.run(exp, engine, 0, false);
            assertFalse(o.stopped());
            TrainRuns.assertSameTags(single, o.tags());
        }
    }
}
