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
 * the optimizer's state ("opt.m.tag.SMILES", …) and where training stands (stage, steps done, total
 * steps). The data order is a function of the seed and the epoch, so the step count is enough to
 * continue on the same examples.
 */
public final class Checkpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record State(String stage, int step, int totalSteps, String optimizer, long optimizerSteps) {}

    public record Loaded(TagSet tags, Map<String, float[]> optimizerState, State state) {}

    private Checkpoint() {}

    public static void write(Path file, TagSet tags, Optimizer opt, State state) throws IOException {
        SafeTensorsWriter w = TagFile.writer(tags);
        for (Map.Entry<String, float[]> e : opt.state().entrySet()) {
            w.addF32("opt." + e.getKey(), e.getValue(), e.getValue().length);
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
            for (String name : st.entries().keySet()) {
                if (name.startsWith("opt.")) opt.put(name.substring(4), st.readF32(name));
            }
            State s = new State(m.path("stage").asText(), m.path("step").asInt(), m.path("total_steps").asInt(),
                    m.path("optimizer").asText(), m.path("optimizer_steps").asLong());
            return new Loaded(tags, opt, s);
        }
    }
}
