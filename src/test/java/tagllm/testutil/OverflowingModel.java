package tagllm.testutil;

import tagllm.model.SafeTensors;
import tagllm.model.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * stories260K with its final norm weights set to 3e38: every weight is finite, so the model loads, but the normed
 * hidden state overflows a float to ±Infinity, and a classification head over it gives NaN logits (Infinity − Infinity),
 * so σ and the softmax give NaN class probabilities. (A tag file cannot do this: its head sums in double, and a huge
 * tag vector only normalises to zeros.)
 */
public final class OverflowingModel {
    private OverflowingModel() {}

    /** Writes the model into dir and returns dir. */
    public static Path write(Path dir) throws IOException {
        Path src = Shared.model("stories260K");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
        try (SafeTensors st = SafeTensors.open(src.resolve("model.safetensors"))) {
            for (var e : st.entries().values()) {
                float[] v = st.readF32(e.name());
                if (e.name().equals("model.norm.weight")) Arrays.fill(v, 3e38f);
                w.addF32(e.name(), v, e.shape());
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }
}
