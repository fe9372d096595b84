package tagllm.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;
import tagllm.model.ComputePrecision;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.Example;
import tagllm.train.Experiment;
import tagllm.train.GradientEngine;
import tagllm.train.Hyper;
import tagllm.train.Progress;
import tagllm.train.Trainer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Data-parallel tag training on Spark ({@code engine: spark}). When a stage starts, its rendered examples and tags
 * are broadcast: each executor holds them once. Each step the driver sends only the step's micro-batches (example
 * indices) and the current tag and head values (kilobytes); executors compute each micro-batch's gradient from
 * zero with {@link Trainer#microBatchGradient}, the same code the single-JVM trainer runs, and the driver's
 * trainer sums them in micro-batch order, clips and steps the optimizer. Same micro-batches, same code, same
 * summation order: the same bits as training in one JVM. A task lost mid-step (its executor died, or it threw)
 * is recomputed by Spark from the same inputs, so a retry cannot change the result; the driver keeps the only
 * state (tags, optimizer, checkpoints), so --resume works as in one JVM.
 */
public final class SparkGradientEngine implements GradientEngine {
    /** A fault to inject in a task (tests: an executor that dies or a task that fails mid-step). */
    public interface TaskFault extends Serializable {
        void at(int step, int microBatch, TaskContext task);
    }

    private final SparkSession spark;
    private final boolean ownsSession;
    private final String model;
    private final ComputePrecision precision;
    private TaskFault fault;
    private Broadcast<StageData> stage;
    private int step;
    private int mostPartitions; // the most partitions (tasks) one step of the stage ran as

    public SparkGradientEngine(SparkSession spark, boolean ownsSession, String model, ComputePrecision precision) {
        this.spark = spark;
        this.ownsSession = ownsSession;
        this.model = ExecutorModels.shippable(model);
        this.precision = precision;
    }

    /** Injects a fault into the tasks (tests). */
    public SparkGradientEngine fault(TaskFault f) {
        this.fault = f;
        return this;
    }

    /** What every executor holds for a stage: the examples, the tag file (structure and fingerprint), what trains. */
    record StageData(String id, byte[] tagFile, List<Example> examples, List<String> trainable, Hyper hyper, boolean enrichCe)
            implements Serializable {}

    @Override
    public void begin(StageWork w) {
        if (stage != null) stage.destroy();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        stage = jsc.broadcast(new StageData(UUID.randomUUID().toString(), TagFile.writer(w.tags()).toBytes(), List.copyOf(w.examples()),
                List.copyOf(w.trainable()), w.hyper(), w.enrichCe()));
        step = 0;
        mostPartitions = 0;
    }

    /**
     * Where the stage trained, for its provenance entry: an auditor of the tag file sees it ran on Spark (the tensors
     * are the bits one JVM gives, so nothing else would say so). The executors are those registered when the stage
     * ended (local mode: the driver itself, one), the partitions the most tasks one step ran as.
     */
    @Override
    public ObjectNode provenance() {
        var sc = spark.sparkContext();
        int blockManagers = sc.getExecutorMemoryStatus().size(); // the executors' and the driver's
        boolean local = sc.isLocal();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", "spark");
        o.put("master", sc.master());
        o.put("spark_version", spark.version());
        o.put("executors", local ? 1 : Math.max(0, blockManagers - 1));
        o.put("default_parallelism", sc.defaultParallelism());
        o.put("partitions_per_step", mostPartitions);
        return o;
    }

    @Override
    public List<MicroGradient> compute(TagSet tags, List<int[]> microBatches) {
        if (stage == null) throw new IllegalStateException("compute before begin");
        StageData d = stage.value();
        List<float[]> live = Trainer.trainableValues(tags, new java.util.LinkedHashSet<>(d.trainable()), d.hyper());
        float[][] values = new float[live.size()][];
        for (int i = 0; i < values.length; i++) values[i] = live.get(i).clone();
        List<Tuple2<Integer, int[]>> items = new ArrayList<>();
        for (int i = 0; i < microBatches.size(); i++) items.add(new Tuple2<>(i, microBatches.get(i)));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int slices = Math.max(1, Math.min(items.size(), jsc.defaultParallelism()));
        mostPartitions = Math.max(mostPartitions, slices);
        List<Tuple2<Integer, MicroGradient>> got = jsc.parallelize(items, slices)
                .map(new StepTask(model, precision, stage, values, step++, fault)).collect();
        List<Tuple2<Integer, MicroGradient>> sorted = new ArrayList<>(got);
        sorted.sort(Comparator.comparing(Tuple2::_1));
        List<MicroGradient> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i)._1() != i) throw new IllegalStateException("micro-batch " + i + " came back " + (sorted.get(i)._1() < i ? "twice" : "missing"));
            out.add(sorted.get(i)._2());
        }
        if (out.size() != microBatches.size()) throw new IllegalStateException(out.size() + " gradients for " + microBatches.size() + " micro-batches");
        return out;
    }

    @Override
    public void close() {
        if (stage != null) stage.destroy();
        if (ownsSession) spark.stop();
    }

    /** One micro-batch on an executor. */
    record StepTask(String model, ComputePrecision precision, Broadcast<StageData> stage, float[][] values, int step, TaskFault fault)
            implements Function<Tuple2<Integer, int[]>, Tuple2<Integer, MicroGradient>> {
        @Override
        public Tuple2<Integer, MicroGradient> call(Tuple2<Integer, int[]> mb) {
            if (fault != null) fault.at(step, mb._1(), TaskContext.get());
            StageData d = stage.value();
            ExecutorStage st = ExecutorStage.of(d, model, precision);
            List<Example> batch = new ArrayList<>(mb._2().length);
            for (int i : mb._2()) batch.add(d.examples().get(i));
            ExecutorModels.COMPUTE.lock();
            try {
                List<float[]> into = Trainer.trainableValues(st.tags, st.trainable, d.hyper());
                for (int i = 0; i < values.length; i++) System.arraycopy(values[i], 0, into.get(i), 0, values[i].length);
                return new Tuple2<>(mb._1(), st.trainer.microBatchGradient(st.tags, batch, st.trainable, d.hyper(), d.enrichCe()));
            } finally {
                ExecutorModels.COMPUTE.unlock();
            }
        }
    }

    /** An executor's copy of the stage's tags (values overwritten each step) and a trainer over its model. */
    static final class ExecutorStage {
        private static ExecutorStage current;
        final String id;
        final TagSet tags;
        final Set<String> trainable;
        final Trainer trainer;

        private ExecutorStage(StageData d, String model, ComputePrecision precision) {
            id = d.id();
            Model m = ExecutorModels.model(model, precision);
            tags = ExecutorModels.readTags(d.tagFile(), "the stage's tags");
            tags.requireModel(m.fingerprint(), m.name(), "the driver's tags (is the same model at " + model + " on this node?)");
            trainable = new java.util.LinkedHashSet<>(d.trainable());
            Transformer t = ExecutorModels.transformer(model, precision);
            trainer = new Trainer(t, Progress.silent(), null);
        }

        static synchronized ExecutorStage of(StageData d, String model, ComputePrecision precision) {
            if (current == null || !current.id.equals(d.id())) current = new ExecutorStage(d, model, precision);
            return current;
        }
    }

    /** engine: spark in an experiment file. */
    public static final class Provider implements GradientEngine.Provider {
        @Override
        public String name() { return "spark"; }

        @Override
        public GradientEngine open(Experiment.Engine spec, String model, ComputePrecision precision) {
            return new SparkGradientEngine(Sessions.start(spec.master(), "tagllm train", java.util.Map.of()), true, model, precision);
        }
    }
}
