package tagllm.train;

import tagllm.model.ComputePrecision;
import tagllm.tag.TagSet;
import tagllm.task.Example;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Where a training step's micro-batch gradients are computed when not in the trainer's own JVM. The trainer
 * hands the engine each step's micro-batches (indices into the stage's examples), then sums the returned
 * gradients in micro-batch order, clips and steps the optimizer itself, exactly as it does with gradients it
 * computed locally. An engine that computes each micro-batch with {@link Trainer#microBatchGradient} therefore
 * trains to the same bits as one JVM. tagllm-spark provides one ({@code engine: spark}), found by name through
 * {@link ServiceLoader}.
 */
public interface GradientEngine extends AutoCloseable {
    /** A stage starts (or resumes): its examples, the tags as they are now, what trains and how. */
    void begin(StageWork work) throws IOException;

    /** One gradient per micro-batch, in the order given, at the tags' current values. */
    List<MicroGradient> compute(TagSet tags, List<int[]> microBatches);

    @Override
    default void close() {}

    /**
     * Where the stage's gradients were computed, for its provenance entry in the tag file ("engine"): the engine's name
     * and settings (Spark: master, version, executors, partitions); null records nothing, as for this JVM. Asked when
     * a stage ends, after its last step.
     */
    default com.fasterxml.jackson.databind.node.ObjectNode provenance() { return null; }

    record StageWork(String stage, TagSet tags, List<Example> examples, Set<String> trainable, Hyper hyper, boolean enrichCe) {}

    /**
     * One micro-batch's gradients (one array per trainable parameter, in {@link Trainer#trainableValues} order,
     * already scaled by 1/grad_accum) and its unscaled losses.
     */
    record MicroGradient(float[][] grads, double total, double mse, double ce, long rows, double cls) implements Serializable {}

    /** Makes an engine from the experiment's {@code engine:} settings. */
    interface Provider {
        /** The name an experiment's {@code engine:} gives. */
        String name();

        GradientEngine open(Experiment.Engine spec, String model, ComputePrecision precision) throws IOException;
    }

    /** The provider named {@code name}, or an error naming those on the class path. */
    static Provider provider(String name) {
        List<String> found = new ArrayList<>();
        for (Provider p : ServiceLoader.load(Provider.class)) {
            if (p.name().equalsIgnoreCase(name)) return p;
            found.add(p.name());
        }
        throw new IllegalArgumentException("engine: " + name + " is not on the class path"
                + (found.isEmpty() ? "" : " (found: " + String.join(", ", found) + ")")
                + ("spark".equalsIgnoreCase(name) ? "; build the tagllm-spark module (cd tagllm-spark && mvn package): ./tagllm then adds it" : ""));
    }
}
