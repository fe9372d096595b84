package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.model.ModelFormatException;
import tagllm.model.SafeTensors;
import tagllm.model.SafeTensorsWriter;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stage's resumable state in one file, written atomically: the tag file's tensors and metadata, plus
 * the optimizer's state ("opt.m.tag.SMILES", …), where training stands (stage, steps done, total
 * steps) and, when the stage validates, its best-validation snapshot ("best.tag.SMILES", … and each
 * group's best score and step): without it a resumed stage would keep the best of its second half only.
 * The data order is a function of the seed and the epoch, so the step count is enough to continue on
 * the same examples.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEST = "best.";

    public record State(String stage, int step, int totalSteps, String optimizer, long optimizerSteps) {}

    /**
     * The best validation so far: per group ("" = every trained array together when joint) its score and step, and
     * each trained array's values at its group's best step, by parameter name.
     */
    public record Best(boolean joint, Map<String, Double> score, Map<String, Integer> step, Map<String, float[]> values) {}

    /** best: null when the stage does not validate (or the checkpoint predates best snapshots). */
    public record Loaded(TagSet tags, Map<String, float[]> optimizerState, State state, Best best) {}

    private Checkpoint() {}

    public static void write(Path file, TagSet tags, Optimizer opt, State state) throws IOException {
        write(file, tags, opt, state, null);
    }

    /** As {@link #write(Path, TagSet, Optimizer, State)}, with the stage's best-validation snapshot (null: none). */
    public static void write(Path file, TagSet tags, Optimizer opt, State state, Best best) throws IOException {
        SafeTensorsWriter w = TagFile.writer(tags);
        for (Map.Entry<String, float[]> e : opt.state().entrySet()) {
            w.addF32("opt." + e.getKey(), e.getValue(), e.getValue().length);
        }
        if (best != null) {
            for (Map.Entry<String, float[]> e : best.values().entrySet()) {
                w.addF32(BEST + e.getKey(), e.getValue(), e.getValue().length);
            }
            ObjectNode b = JSON.createObjectNode();
            b.put("joint", best.joint());
            var groups = b.putArray("groups");
            // JSON keeps a double's shortest form, which reads back as the same double
            best.score().forEach((g, sc) -> groups.addObject().put("group", g).put("score", sc).put("step", best.step().get(g)));
            w.metadata("best", JSON.writeValueAsString(b));
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("stage", state.stage());
        m.put("step", state.step());
        m.put("total_steps", state.totalSteps());
        m.put("optimizer", state.optimizer());
        m.put("optimizer_steps", state.optimizerSteps());
        w.metadata("checkpoint", JSON.writeValueAsString(m));
        w.write(file);
    }

    public static Loaded read(Path file) throws IOException {
        try (SafeTensors st = SafeTensors.open(file)) {
            String json = st.metadata().get("checkpoint");
            if (json == null) throw new ModelFormatException(file + ": not a tagllm checkpoint (no 'checkpoint' metadata)");
            JsonNode m;
            try {
                m = JSON.readTree(json);
            } catch (IOException e) {
                throw new ModelFormatException(file + ": checkpoint metadata is not valid JSON: " + e.getMessage());
            }
            TagSet tags = TagFile.read(st);
            Map<String, float[]> opt = new LinkedHashMap<>();
            Map<String, float[]> bestValues = new LinkedHashMap<>();
            for (String name : st.entries().keySet()) {
                if (name.startsWith("opt.")) opt.put(name.substring(4), st.readF32(name));
                if (name.startsWith(BEST)) bestValues.put(name.substring(BEST.length()), st.readF32(name));
            }
            State s = new State(m.path("stage").asText(), m.path("step").asInt(), m.path("total_steps").asInt(),
                    m.path("optimizer").asText(), m.path("optimizer_steps").asLong());
            return new Loaded(tags, opt, s, best(file, st.metadata().get("best"), bestValues));
        }
    }

    private static Best best(Path file, String json, Map<String, float[]> values) throws IOException {
        if (json == null) return null;
        JsonNode b;
        try {
            b = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": checkpoint's 'best' metadata is not valid JSON: " + e.getMessage());
        }
        Map<String, Double> score = new LinkedHashMap<>();
        Map<String, Integer> step = new LinkedHashMap<>();
        for (JsonNode g : b.path("groups")) {
            if (!g.path("score").isNumber() || !g.path("step").canConvertToInt()) {
                throw new ModelFormatException(file + ": checkpoint's 'best' metadata: a group without a numeric score and step: " + g);
            }
            score.put(g.path("group").asText(), g.path("score").asDouble());
            step.put(g.path("group").asText(), g.path("step").asInt());
        }
        return new Best(b.path("joint").asBoolean(), score, step, values);
    }
}
