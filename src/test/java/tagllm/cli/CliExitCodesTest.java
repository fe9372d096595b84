package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.embedded.EmbeddedSamples;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The exit codes README.md states, the same for every command: 2 for a command line that cannot run as given (picocli's
 * parse errors, and option values or combinations checked after parsing), with the reason and the usage on stderr;
 * 1 for a command that ran and failed on what it read. Each value check here runs before anything is loaded or
 * written (the model "nowhere" would fail otherwise).
 */
class CliExitCodesTest {
    @TempDir
    Path dir;

    private static void usageError(String expectedReason, String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(expectedReason), r.err());
        assertTrue(r.err().contains("Usage: tagllm " + args[0]), "the usage follows the reason: " + r.err());
        assertEquals("", r.out(), "nothing on stdout");
    }

    @Test
    void optionValuesOutOfRangeAreUsageErrorsInEveryCommand() throws Exception {
        Path exp = Files.writeString(dir.resolve("e.yaml"), "model: nowhere\n");
        Path csv = Files.writeString(dir.resolve("m.csv"), "smiles\nCCO\n");
        usageError("--seeds must be at least 1, got 0", "compare", exp.toString(), "--seeds", "0", "-o", dir.resolve("c").toString());
        usageError("--ablations vary Tag-LLM", "compare", exp.toString(), "--methods", "probe", "--ablations", "no-domain-tags",
                "-o", dir.resolve("c").toString());
        usageError("--seeds must be at least 1, got 0", "demo", "--seeds", "0", "-o", dir.resolve("d").toString());
        assertFalse(Files.exists(dir.resolve("d")), "a refused demo writes nothing");
        usageError("--max-rows: expected 0 (all) or more, got -1", "eval", "--model", "nowhere", "--tags", "x.tags.safetensors",
                "--task", "qed", "--input", csv.toString(), "--max-rows", "-1");
        usageError("--split-by: expected column, scaffold or random, got 'scafold'", "eval", "--model", "nowhere", "--tags",
                "x.tags.safetensors", "--task", "qed", "--input", csv.toString(), "--split-by", "scafold");
        usageError("--threads must be at least 1, got 0", "chem", "qed", "--input", csv.toString(), "--output",
                dir.resolve("q.csv").toString(), "--threads", "0");
        usageError("--output-format must be csv, tsv or jsonl, got 'xml'", "predict", "--model", "nowhere", "--tags", "x.tags.safetensors",
                "--task", "qed", "--input", csv.toString(), "--output-format", "xml");
        usageError("the extension does not say the format", "predict", "--model", "nowhere", "--tags", "x.tags.safetensors",
                "--task", "qed", "--input", csv.toString(), "-o", dir.resolve("preds.out").toString());
        usageError("predict reads no labels", "predict", "--model", "nowhere", "--tags", "x.tags.safetensors",
                "--task", "qed", "--input", csv.toString(), "--label", "qed");
        usageError("--skip-special applies to --decode", "tokenize", "--skip-special", EmbeddedSamples.model().toString(), "Once");
    }

    /** --label is eval's (TaskOptions is shared): predict's help leaves it out, eval's keeps it, and predict still refuses it above. */
    @Test
    void predictsHelpListsOnlyWhatPredictAccepts() {
        CliRun predict = CliRun.of("predict", "--help"), eval = CliRun.of("eval", "--help");
        assertEquals(0, predict.exit(), predict.err());
        assertTrue(predict.out().contains("--strict"), predict.out());
        assertFalse(predict.out().contains("--label"), predict.out());
        assertTrue(eval.out().contains("--label"), eval.out());
    }

    /**
     * Option values checked by the compare package, the LoRA adapters or the tokenizer's id parsing threw plain
     * exceptions, so a wrong command line exited 1 as bad input does: the same messages, now with exit 2 and the usage.
     */
    @Test
    void valuesCheckedOutsideTheCommandLineAreUsageErrorsToo() throws Exception {
        Path exp = Files.writeString(dir.resolve("e.yaml"), "model: nowhere\n");
        String c = dir.resolve("c").toString();
        usageError("unknown method 'foo' (known: tagllm, probe, prompt-tuning, lora, baseline)", "compare", exp.toString(), "--methods", "foo", "-o", c);
        usageError("ablation 'foo': unknown ablation (known: ", "compare", exp.toString(), "--methods", "tagllm", "--ablations", "foo", "-o", c);
        usageError("LoRA rank must be at least 1, got 0", "compare", exp.toString(), "--lora-rank", "0", "-o", c);
        usageError("LoRA dropout must be in [0, 1), got 1.0", "compare", exp.toString(), "--lora-dropout", "1", "-o", c);
        usageError("--prompt-init: expected text or random, got 'foo'", "compare", exp.toString(), "--prompt-init", "foo", "-o", c);
        assertFalse(Files.exists(dir.resolve("c")), "a refused compare writes nothing");
        usageError("unknown method 'foo'", "demo", "--methods", "foo", "-o", dir.resolve("d").toString());
        assertFalse(Files.exists(dir.resolve("d")), "a refused demo writes nothing");
        // every argument is checked before any is decoded: nothing on stdout
        usageError("--decode: \"x\" is not a token id", "tokenize", "--decode", EmbeddedSamples.model().toString(), "1", "1 x");
        usageError("--decode: no token has id 99999999", "tokenize", "--decode", EmbeddedSamples.model().toString(), "99999999");
    }

    /** A one-letter slip is named with the option meant, also where it leaves a required option missing. */
    @Test
    void aMistypedOptionIsNamedWithTheOneMeant() {
        CliRun r = CliRun.of("predict", "--modle", "m", "--tags", "t.tags.safetensors", "--task", "qed", "--input", "in.csv");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("'--modle'") && r.err().contains("Possible solutions: --model"), r.err());
        r = CliRun.of("chem", "qed", "--imput", "in.csv", "--output", "out.csv");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("Possible solutions: --input"), r.err());
        r = CliRun.of("score", "regression", "--gld", "y", "preds.csv");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("Possible solutions: --gold"), r.err());
        assertEquals(1, OptionSuggestions.distance("--jsno", "--json"), "a swap of neighbours is one edit");
    }

    @Test
    void badInputIsOneAndNamesTheFile() throws Exception {
        Path missing = dir.resolve("missing.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", missing.toString(), "--output", dir.resolve("q.csv").toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("missing.csv"), r.err());
        Path notTags = Files.writeString(dir.resolve("not.tags.safetensors"), "smiles\nCCO\n");
        r = CliRun.of("tags", "inspect", notTags.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("not.tags.safetensors"), r.err());
    }
}
