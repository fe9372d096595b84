package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tensor.Matrix;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ModelCommandTest {
    @TempDir
    Path tmp;

    @Test
    void inspectPrintsSizesDtypesAndTokenizer() {
        CliRun r = CliRun.of("model", "inspect", Shared.model("stories260K").toString());
        assertEquals(0, r.exit(), r.err());
        String o = r.out();
        for (String s : new String[]{"LlamaForCausalLM", "hidden size        64", "layers             5", "kv heads 4", "head_dim 8",
                "intermediate size  172", "vocab size         512", "context            512", "theta 10000", "tied",
                "F32 (47 tensors)", "260,032", "BPE, byte fallback", "bos <s> (1)", "eos </s> (2)"}) {
            assertTrue(o.contains(s), "missing '" + s + "' in\n" + o);
        }
    }

    @Test
    void inspectJson() throws IOException {
        Path m = Shared.model("tiny-llama-gqa");
        CliRun r = CliRun.of("model", "inspect", "--json", m.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(123_216, j.get("parameters").asLong());
        assertEquals(6, j.get("num_attention_heads").asInt());
        assertEquals(2, j.get("num_key_value_heads").asInt());
        assertEquals(8, j.get("head_dim").asInt());
        assertFalse(j.get("tie_word_embeddings").asBoolean());
        assertEquals(Files.size(m.resolve("model.safetensors")), j.get("weight_bytes").asLong());
        assertEquals(1, j.get("stored_dtypes").size());
        assertTrue(j.get("stored_dtypes").has("F32"));
        assertEquals(10000.0, j.get("rope").get("theta").asDouble());
        assertEquals(512, j.get("tokenizer").get("vocab_size").asInt());

        JsonNode tied = new ObjectMapper().readTree(CliRun.of("model", "inspect", "--json", Shared.model("tiny-llama-tied").toString()).out());
        assertTrue(tied.get("stored_dtypes").has("BF16"));
        assertTrue(tied.get("tie_word_embeddings").asBoolean());
        assertEquals(127_296, tied.get("parameters").asLong());
    }

    @Test
    void initWritesALoadableModel() throws IOException {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, """
                {"architectures": ["MistralForCausalLM"], "hidden_size": 48, "intermediate_size": 64, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 320, "sliding_window": 16,
                 "bos_token_id": 1, "eos_token_id": 2}""");
        Path out = tmp.resolve("model");
        CliRun r = CliRun.of("model", "init", "--config", cfg.toString(), "--out", out.toString(), "--seed", "4", "--dtype", "bf16");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("MistralForCausalLM") && r.out().contains("BF16"), r.out());
        Model m = Model.load(out);
        assertEquals(16, m.config().slidingWindow());
        assertEquals(Matrix.Storage.BF16, m.weights().layers()[0].q().storage());
        assertEquals(320, m.tokenizer().vocabSize());

        CliRun again = CliRun.of("model", "init", "--config", cfg.toString(), "--out", out.toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already holds a model"), again.err());
        assertEquals(0, CliRun.of("model", "init", "--config", cfg.toString(), "--out", out.toString(), "--seed", "5", "--force").exit());
        assertNotEquals(m.fingerprint(), Model.load(out).fingerprint(), "another seed, another model");

        CliRun dtype = CliRun.of("model", "init", "--config", cfg.toString(), "--out", tmp.resolve("x").toString(), "--dtype", "f64");
        assertEquals(2, dtype.exit());
        assertTrue(dtype.err().contains("--dtype must be f32 or bf16"), dtype.err());
    }

    /**
     * A file where the folder should go is named with the reason (the message was the bare path), and a config refused
     * after the folder was made leaves no empty folder behind.
     */
    @Test
    void aFileInTheWayAndARefusedConfigAreSaidAndLeaveNothing() throws IOException {
        Path cfg = tmp.resolve("small.json");
        Files.writeString(cfg, """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300, "max_position_embeddings": 128}""");
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        CliRun inTheWay = CliRun.of("model", "init", "--config", cfg.toString(), "--out", file.toString());
        assertEquals(1, inTheWay.exit());
        assertTrue(inTheWay.err().contains("cannot create the folder " + file + ": a file of that name is in the way"), inTheWay.err());
        Path tiny = tmp.resolve("tiny.json");
        Files.writeString(tiny, Files.readString(cfg).replace("\"vocab_size\": 300", "\"vocab_size\": 10"));
        Path out = tmp.resolve("x_small");
        CliRun refused = CliRun.of("model", "init", "--config", tiny.toString(), "--out", out.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("vocab_size 10"), refused.err());
        assertFalse(Files.exists(out), "no empty model folder is left");
    }

    /** inspect makes loading's structural checks: it says the model will not load, naming what loading names. */
    @Test
    void inspectSaysWhyAModelWillNotLoad() throws IOException {
        Path fewer = copyOf("tiny-llama-gqa", "fewer");
        Path cfg = fewer.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replaceFirst("\"num_hidden_layers\": *3", "\"num_hidden_layers\": 2"));
        Path vocab = copyOf("tiny-llama-gqa", "vocab");
        Path vcfg = vocab.resolve("config.json");
        Files.writeString(vcfg, Files.readString(vcfg).replaceFirst("\"vocab_size\": *512", "\"vocab_size\": 500"));
        for (Path m : new Path[]{fewer, vocab}) {
            String loading = assertThrows(tagllm.model.ModelFormatException.class, () -> Model.load(m)).getMessage();
            CliRun r = CliRun.of("model", "inspect", m.toString());
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.out().contains("loads              NO: " + loading), r.out());
            assertEquals("error: " + loading, r.err().strip());
            JsonNode j = new ObjectMapper().readTree(CliRun.of("model", "inspect", "--json", m.toString()).out());
            assertFalse(j.get("loads").asBoolean());
            assertEquals(loading, j.get("problem").asText());
        }
        assertTrue(CliRun.of("model", "inspect", fewer.toString()).err().contains("model.layers.2.*"));
        CliRun fine = CliRun.of("model", "inspect", Shared.model("tiny-llama-gqa").toString());
        assertEquals(0, fine.exit(), fine.err());
        assertTrue(fine.out().contains("loads              yes"), fine.out());
    }

    private Path copyOf(String model, String as) throws IOException {
        Path dst = tmp.resolve(as);
        Files.createDirectories(dst);
        try (var s = Files.list(Shared.model(model))) {
            for (Path f : s.toList()) Files.copy(f, dst.resolve(f.getFileName()));
        }
        return dst;
    }

    @Test
    void errorsAreOneClearLine() throws IOException {
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("config.json"), "{ not json");
        CliRun r = CliRun.of("model", "inspect", broken.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: " + broken.resolve("config.json")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        CliRun missing = CliRun.of("model", "inspect", tmp.resolve("absent").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no such model folder"), missing.err());
    }
}
