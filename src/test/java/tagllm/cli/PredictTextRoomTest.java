package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.ExampleRenderer;
import tagllm.task.Presets;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A text task's prompt that fills the model's whole context (512 positions for stories260K) leaves no position to
 * generate into. predict gave such a row an empty output and no error, and counted it as predicted.
 */
class PredictTextRoomTest {
    /** Untrained <EN>, <FR> and <Translate> tags: what the tests below need is the prompt's length, not a translation. */
    private static TagSet translateTags(Model m) {
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        for (String n : List.of("<EN>", "<FR>")) tags.put(TagInit.newTag(n, TagKind.DOMAIN, 2, m.weights().embedTokens()));
        tags.put(TagInit.newTag("<Translate>", TagKind.FUNCTION, 2, m.weights().embedTokens()));
        return tags;
    }

    @Test
    void aPromptThatFillsTheContextGetsAnErrorNotASilentEmptyOutput(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        TaskSpec task = Presets.get("Translate:en-fr", "test");
        TagPredictor p = new TagPredictor(new Transformer(m.weights()), m.tokenizer(), tags, m.generation()::isEos);
        int context = m.config().maxPositions();
        // the prompt's length measured without the model's limit
        var unlimited = new ExampleRenderer(task, tags, new TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        String full = null;
        for (int n = 300; n < 600 && full == null; n++) {
            String src = "x".repeat(n);
            if (unlimited.prompt(Row.of("in", 1, Map.of("src", src))).sequence().length() == context) full = src;
        }
        assertNotNull(full, "some src makes the prompt exactly " + context + " positions");

        Path in = dir.resolve("in.csv");
        Files.writeString(in, "src\nHello.\n" + full + "\n");
        CliRun r = CliRun.of("predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", in.toString(), "--max-tokens", "4");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length, r.out());
        assertEquals(full + ",,\"line 3: too long: 512 positions fill the model's context of 512, leaving no room for the output\"", lines[2]);
        assertTrue(r.err().contains("2 rows, 1 predicted, 1 with an error"), r.err());

        String fill = full;
        var e = assertThrows(DatasetException.class, () -> p.generate("Translate:en-fr", Map.of("src", fill), 4));
        assertTrue(e.reason().contains("no room for the output"), e.reason());
    }

    /**
     * --truncate cut a text task's long input only until the prompt fit the context, leaving at most one position
     * to generate into (before the fix above, none): a 2,000-character src gave an empty or one-token translation.
     * It now leaves --max-tokens positions free, as transformers' text-generation pipeline keeps
     * model_max_length − max_new_tokens of a long prompt.
     */
    @Test
    void truncateLeavesRoomForMaxTokens(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        Path in = dir.resolve("in.csv");
        String src = "x".repeat(2000);
        Files.writeString(in, "src\n" + src + "\n");
        CliRun r = CliRun.of("predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", in.toString(), "--max-tokens", "40", "--truncate");
        assertEquals(0, r.exit(), r.err());
        String row = r.out().split("\n")[1];
        assertTrue(row.matches("x{2000},.*,truncated: kept [0-9]+ of 2000 characters of 'src'"), row.substring(2000));
        int kept = Integer.parseInt(row.replaceAll(".*kept ([0-9]+) of.*", "$1"));
        var unlimited = new ExampleRenderer(Presets.get("Translate:en-fr", "test"), tags, new TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        int length = unlimited.prompt(Row.of("in", 1, Map.of("src", src.substring(0, kept)))).sequence().length();
        int longer = unlimited.prompt(Row.of("in", 1, Map.of("src", src.substring(0, kept + 1)))).sequence().length();
        assertTrue(length + 40 <= m.config().maxPositions(), "prompt of " + length + " positions leaves room for 40 tokens");
        assertTrue(longer + 40 > m.config().maxPositions(), "and keeps as much as that allows (" + longer + " with one more character)");
    }

    /**
     * --truncate cut only a row whose prompt did not fit the context: a prompt that fit but left 10 positions got 10
     * tokens of output and a note that the context stopped it, though the user asked --truncate for --max-tokens 40.
     * Such a row is now cut as a row that does not fit is: to leave --max-tokens positions, its note saying what was
     * cut and how much room the whole prompt left. The kept length is checked against the renderer's token counts.
     */
    @Test
    void truncateCutsAFittingPromptThatLeavesLessThanMaxTokens(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        int context = m.config().maxPositions();
        var unlimited = new ExampleRenderer(Presets.get("Translate:en-fr", "test"), tags, new TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        java.util.function.IntUnaryOperator length = n -> unlimited.prompt(Row.of("in", 1, Map.of("src", "x".repeat(n)))).sequence().length();
        int n = 300;
        while (length.applyAsInt(n) != context - 10) n++;
        String src = "x".repeat(n);
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "src\nHello.\n" + src + "\n");
        String[] cmd = {"predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", in.toString(), "--output-format", "jsonl", "--max-tokens", "40", "--truncate"};
        CliRun r = CliRun.of(cmd);
        assertEquals(0, r.exit(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String[] lines = r.out().split("\n");
        assertEquals(2, lines.length, r.out());
        assertTrue(json.readTree(lines[0]).get("error").isNull(), "a short row is not cut: " + lines[0]);
        String note = json.readTree(lines[1]).get("error").asText();
        assertTrue(note.matches("truncated: kept [0-9]+ of " + n + " characters of 'src' \\(the whole prompt left 10 of the 40 positions --max-tokens asks for\\)"), note);
        int kept = Integer.parseInt(note.replaceAll(".*kept ([0-9]+) of.*", "$1"));
        assertTrue(length.applyAsInt(kept) + 40 <= context, "the cut prompt leaves 40 positions");
        assertTrue(length.applyAsInt(kept + 1) + 40 > context, "and keeps as much of src as that allows");
        assertTrue(r.err().contains("2 rows, 2 predicted, 0 with an error"), r.err());
        assertFalse(r.err().contains("stopped at the end of the model's context"), r.err());

        // without --truncate the row is not cut: its output stops at the context, and its note says so
        CliRun whole = CliRun.of(java.util.Arrays.copyOf(cmd, cmd.length - 1));
        assertEquals(0, whole.exit(), whole.err());
        var wholeNote = json.readTree(whole.out().split("\n")[1]).get("error");
        assertTrue(wholeNote.isNull() || wholeNote.asText().startsWith(TagPredictor.CONTEXT_FULL), wholeNote::toString);
    }

    /**
     * --truncate cut the row's longest value whatever its column: a row whose reference translation (tgt, which the
     * prompt does not read) was longer than its src had tgt cut, which shortened nothing, and kept its "too long".
     * Only a column the prompt reads is cut now.
     */
    @Test
    void truncateCutsOnlyAColumnThePromptReads(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "src,tgt\n" + "x".repeat(2000) + "," + "y".repeat(3000) + "\n");
        CliRun r = CliRun.of("predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", in.toString(), "--max-tokens", "40", "--truncate");
        assertEquals(0, r.exit(), r.err());
        String row = r.out().split("\n")[1];
        assertTrue(row.matches("x{2000},y{3000},.*,truncated: kept [0-9]+ of 2000 characters of 'src'"), row.substring(5000));
        assertTrue(r.err().contains("1 row, 1 predicted, 0 with an error"), r.err());
    }

    /**
     * predict --max-tokens 0 gave every row of a text task an empty output with no error, counted as predicted, and
     * eval scored those empty outputs; -1 failed with the Java API's "maxNewTokens must be 0 or more". generate and
     * serve refuse 0 already.
     */
    @Test
    void maxTokensBelowOneIsRefusedByName(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        Path in = dir.resolve("in.tsv");
        Files.writeString(in, "src\ttgt\nHello.\tBonjour.\n");
        for (String command : List.of("predict", "eval")) {
            for (String n : List.of("0", "-1")) {
                CliRun r = CliRun.of(command, "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                        "--task", "Translate:en-fr", "--input", in.toString(), "--max-tokens", n);
                assertEquals(2, r.exit(), command + " " + n + ": " + r.out() + r.err());
                assertTrue(r.err().contains("--max-tokens must be at least 1, got " + n), r.err());
                assertEquals("", r.out(), "nothing predicted or scored");
            }
        }
    }
    /**
     * A text row whose prompt fits but leaves fewer positions than --max-tokens got an output cut where the context
     * ends with no word, so it looked like one the model had ended itself (generate says so on stderr). Its output is
     * now kept and its error column says where it stopped; it counts as predicted.
     */
    @Test
    void anOutputCutByTheContextIsSaidInTheErrorColumn(@TempDir Path dir) throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet tags = translateTags(m);
        Path tagFile = dir.resolve("t.tags.safetensors");
        TagFile.write(tags, tagFile);
        TaskSpec task = Presets.get("Translate:en-fr", "test");
        int context = m.config().maxPositions();
        var unlimited = new ExampleRenderer(task, tags, new TokenizerEncoder(m.tokenizer()), Integer.MAX_VALUE);
        String near = null;
        for (int n = 300; n < 600 && near == null; n++) {
            String src = "x".repeat(n);
            if (unlimited.prompt(Row.of("in", 1, Map.of("src", src))).sequence().length() == context - 1) near = src;
        }
        assertNotNull(near, "some src leaves exactly 1 position");
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "src\n" + near + "\n");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        String[] cmd = {"predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", in.toString(), "--output-format", "jsonl", "--max-tokens", "1"};
        // with --max-tokens 1 the one position is all the output may have: --max-tokens ends it, not the context
        CliRun one = CliRun.of(cmd);
        assertEquals(0, one.exit(), one.err());
        var row1 = json.readTree(one.out());
        assertTrue(row1.get("error").isNull(), "no note when --max-tokens is the limit: " + one.out());
        assertFalse(row1.get("output").asText().isEmpty(), "the model writes a token here (no EOS or newline): " + one.out());

        cmd[cmd.length - 1] = "20";
        CliRun twenty = CliRun.of(cmd);
        assertEquals(0, twenty.exit(), twenty.err());
        var row20 = json.readTree(twenty.out());
        assertEquals(row1.get("output").asText(), row20.get("output").asText(), "the same greedy token until the context ends");
        assertEquals("output stopped at the model's context of 512 after 1 of --max-tokens 20 tokens", row20.get("error").asText());
        assertTrue(twenty.err().contains("1 row, 1 predicted, 0 with an error"), twenty.err());
        assertTrue(twenty.err().contains("note: the output of 1 row stopped at the end of the model's context before --max-tokens"),
                twenty.err());

        // eval scores such an output as it is, and says how many were cut (the reference is empty, so the row fits)
        Path labelled = dir.resolve("in.tsv");
        Files.writeString(labelled, "src\ttgt\n" + near + "\t\nHello.\tBonjour.\n");
        CliRun eval = CliRun.of("eval", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tagFile.toString(),
                "--task", "Translate:en-fr", "--input", labelled.toString(), "--max-tokens", "20");
        assertEquals(0, eval.exit(), eval.err());
        assertTrue(eval.err().contains("2 scored, 0 left out"), eval.err());
        assertTrue(eval.err().contains("note: the output of 1 scored row stopped at the end of the model's context before --max-tokens 20"),
                eval.err());

        TagPredictor p = new TagPredictor(new Transformer(m.weights()), m.tokenizer(), tags, m.generation()::isEos);
        var prompt = p.renderer(task).prompt(Row.of("in", 1, Map.of("src", near))).sequence();
        String text = row1.get("output").asText();
        assertEquals(new TagPredictor.Generation(text, TagPredictor.StopReason.CONTEXT), p.generation(prompt, 20), "the Java API says so too");
        assertEquals(new TagPredictor.Generation(text, TagPredictor.StopReason.MAX_TOKENS), p.generation(prompt, 1));
    }
}
