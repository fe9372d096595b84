package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.task.TagPredictor;
import tagllm.testutil.CliRun;
import tagllm.testutil.QedTags;
import tagllm.testutil.Shared;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A failure of the model call itself (not of a row's input) stops predict, exit 1, nothing written; its one line
 * must say which file and which rows were being predicted, as predict's other errors name their file and line (it
 * said only the engine's message, which names no row).
 */
class PredictModelFailureTest {
    @TempDir
    static Path dir;
    static Path tags, translateTags;
    static String model;
    static Path mols;

    @BeforeAll
    static void files() throws Exception {
        model = Shared.model("stories260K").toString();
        tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(QedTags.of(tagllm.model.Model.load(Shared.model("stories260K")), true), tags);
        tagllm.model.Model m = tagllm.model.Model.load(Shared.model("stories260K"));
        float[] init = tagllm.tag.TagInit.initialVector(m.weights().embedTokens());
        tagllm.tag.TagSet tr = new tagllm.tag.TagSet(m.name(), m.fingerprint());
        tr.put(tagllm.tag.TagInit.newTag("<EN>", tagllm.tag.TagKind.DOMAIN, 2, init));
        tr.put(tagllm.tag.TagInit.newTag("<FR>", tagllm.tag.TagKind.DOMAIN, 2, init));
        tr.put(tagllm.tag.TagInit.newTag("<Translate>", tagllm.tag.TagKind.FUNCTION, 1, init));
        tr.tasks().put("Translate:en-fr", tagllm.task.Presets.get("Translate:en-fr", "test").toJson());
        translateTags = dir.resolve("translate.tags.safetensors");
        TagFile.write(tr, translateTags);
        mols = Files.writeString(dir.resolve("mols.csv"), "id,smiles\n1,CCO\n2,CCN\n3,c1ccccc1\n4,CC(=O)O\n5,CCC\n");
    }

    /**
     * The run's predictor on an engine of stories260K's width but a 40-token vocabulary: the prompts' token ids
     * (up to 511) have no embedding row, so the model call throws where a real engine fault would.
     */
    private static TagPredictor failingEngine(TagPredictor p) {
        try {
            ModelConfig c = ModelConfig.fromJson(new ObjectMapper().readTree("""
                    {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "intermediate_size": 172,
                     "num_hidden_layers": 1, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 8,
                     "vocab_size": 40, "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                     "tie_word_embeddings": true}"""), "test config");
            return new TagPredictor(new Transformer(RandomWeights.of(c, 3, false)), p.tokenizer(), p.tags(), id -> false);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CliRun predict(int chunkRows, UnaryOperator<TagPredictor> predictor, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        PredictCommand cmd = (PredictCommand) cl.getSubcommands().get("predict").getCommand();
        cmd.chunkRows = chunkRows;
        cmd.predictorOf = predictor;
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("predict", "--model", model, "-q"));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new CliRun(exit, out.toString(), err.toString());
    }

    @Test
    void theRealEngineGivesEveryRowAPrediction() {
        // the control: the same rows and chunks predict without a failure on the engine --model opens
        CliRun r = predict(2, p -> p, "--tags", tags.toString(), "--task", "QED", "--input", mols.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(6, r.out().lines().count(), r.out());
    }

    @Test
    void aModelFailureNamesTheFileAndTheLinesOfTheChunkBeingPredicted() {
        Path out = dir.resolve("preds.csv");
        CliRun r = predict(2, PredictModelFailureTest::failingEngine, "--tags", tags.toString(), "--task", "QED", "--input", mols.toString(), "-o", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertFalse(Files.exists(out), "nothing written");
        // chunks of 2 rows: the first one holds lines 2 and 3 (the header is line 1)
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: " + mols + ":2: the model failed predicting the batch of rows on lines 2-3 (2 rows): token id "), r.err());
    }

    @Test
    void toStandardOutputNothingIsPrintedEither() {
        CliRun r = predict(4096, PredictModelFailureTest::failingEngine, "--tags", tags.toString(), "--task", "QED", "--input", mols.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: " + mols + ":2: the model failed predicting the batch of rows on lines 2-6 (5 rows): token id "), r.err());
    }

    @Test
    void aTextRowWhoseGenerationFailsIsNamedByItsLine() throws Exception {
        // line 2 has a field too many (the reader keeps it with its reason, the model never sees it): line 3 is the
        // first row generated, and the one the failure names
        Path in = Files.writeString(dir.resolve("en.csv"), "src,id\nThe cat,a,extra\nA dog ran,b\nHello,c\n");
        Path out = dir.resolve("fr.csv");
        CliRun r = predict(4096, PredictModelFailureTest::failingEngine, "--tags", translateTags.toString(), "--task", "Translate:en-fr",
                "--input", in.toString(), "-o", out.toString(), "--max-tokens", "4");
        assertEquals(1, r.exit(), r.err());
        assertFalse(Files.exists(out), "nothing written");
        assertTrue(r.err().startsWith("error: " + in + ":3: the model failed predicting this row: token id "), r.err());
    }
}
