package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.Presets;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * eval on a language-model task whose loss is NaN (a model whose finite weights overflow float in the forward pass)
 * writes null with the reason under "undefined", as the regression and classification metrics do, not the string "NaN".
 */
class EvalLanguageModelUndefinedTest {
    @TempDir
    Path dir;

    /** stories260K with its final norm weights at 3e38: finite (loading accepts them), but the logits overflow to infinity. */
    private Path overflowingModel() throws Exception {
        return overflowingModel(dir);
    }

    /** The same model in dir (perplexity's test uses it too). */
    static Path overflowingModel(Path dir) throws Exception {
        Path src = Shared.model("stories260K"), dst = dir.resolve("stories260K");
        Files.createDirectories(dst);
        for (String f : new String[] {"config.json", "generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json"}) {
            if (Files.exists(src.resolve(f))) Files.copy(src.resolve(f), dst.resolve(f));
        }
        byte[] b = Files.readAllBytes(src.resolve("model.safetensors"));
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(b, 8, headerLength, StandardCharsets.UTF_8));
        JsonNode norm = header.path("model.norm.weight");
        assertEquals("F32", norm.path("dtype").asText());
        for (int i = 8 + headerLength + norm.path("data_offsets").get(0).asInt(); i < 8 + headerLength + norm.path("data_offsets").get(1).asInt(); i += 4) {
            buf.putFloat(i, 3e38f);
        }
        Files.write(dst.resolve("model.safetensors"), b);
        return dst;
    }

    private JsonNode eval(Path model, Path tags, Path input) throws Exception {
        CliRun r = CliRun.of("eval", "-q", "--model", model.toString(), "--tags", tags.toString(), "--task", "smiles", "--input",
                input.toString(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        // no metric as the string "NaN" or "Infinity" (what Jackson writes for a double that is not a number)
        o.properties().forEach(e -> assertFalse(e.getValue().isTextual() && !java.util.Set.of("task", "split").contains(e.getKey()), r.out()));
        return o;
    }

    @Test
    void aNaNLossIsNullWithItsReason() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = new TagSet(m.name(), m.fingerprint());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, TagInit.initialVector(m.weights().embedTokens())));
        s.tasks().put("smiles", Presets.get("smiles", "test").toJson());
        Path tags = dir.resolve("smiles.tags.safetensors");
        TagFile.write(s, tags);
        Path input = dir.resolve("lm.csv");
        Files.writeString(input, "smiles\nCCO\nc1ccccc1O\nCC(=O)Nc1ccccc1\n");

        // the model as it is: both metrics are numbers, perplexity = exp(loss)
        JsonNode ok = eval(Shared.model("stories260K"), tags, input);
        assertTrue(ok.path("next_token_loss").isNumber() && ok.path("perplexity").isNumber(), ok.toString());
        assertEquals(Math.exp(ok.path("next_token_loss").asDouble()), ok.path("perplexity").asDouble(), 1e-9 * ok.path("perplexity").asDouble());
        assertFalse(ok.has("undefined"), ok.toString());

        JsonNode o = eval(overflowingModel(), tags, input);
        assertTrue(o.has("next_token_loss") && o.path("next_token_loss").isNull(), o.toString());
        assertTrue(o.has("perplexity") && o.path("perplexity").isNull(), o.toString());
        assertEquals(2, o.path("undefined").size(), o.toString());
        assertTrue(o.path("undefined").get(0).asText().startsWith("next_token_loss: the mean token loss is NaN"), o.toString());
        assertTrue(o.path("undefined").get(1).asText().startsWith("perplexity: "), o.toString());
        assertEquals(3, o.path("n").asInt());
    }
}
