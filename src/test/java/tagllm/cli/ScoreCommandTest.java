package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ScoreCommandTest {
    @TempDir
    Path dir;

    @Test
    void textScoresMatchSacrebleusReadmeExample() throws IOException {
        Path hyp = Files.writeString(dir.resolve("hyp.txt"), "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
        Path ref1 = Files.writeString(dir.resolve("ref1.txt"), "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n");
        Path ref2 = Files.writeString(dir.resolve("ref2.txt"), "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n");
        CliRun r = CliRun.of("score", "text", hyp.toString(), ref1.toString(), ref2.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\nchrF2 = 59.73\n",
                r.out().replace(System.lineSeparator(), "\n"));

        CliRun json = CliRun.of("score", "text", "--json", hyp.toString(), ref1.toString(), ref2.toString());
        assertTrue(json.out().contains("\"bleu_sys_len\" : 17"), json.out());
        // three hypothesis lines, counted under n as every other score and eval output counts its rows
        com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertEquals(3, o.path("n").asInt(-1), json.out());
        assertEquals(3, o.path("segments").asInt(-1), json.out());
    }

    @Test
    void mismatchedLineCountsAreAClearError() throws IOException {
        Path hyp = Files.writeString(dir.resolve("hyp.txt"), "a\nb\n");
        Path ref = Files.writeString(dir.resolve("ref.txt"), "a\n");
        CliRun r = CliRun.of("score", "text", hyp.toString(), ref.toString());
        assertEquals(1, r.exit());
        assertEquals("error: " + ref + " has 1 lines but " + hyp + " has 2: each line of a reference must match a line of the hypotheses",
                r.err().strip());
    }

    @Test
    void regressionFromCsvColumns() throws IOException {
        // sklearn's documented example: MSE 0.375, MAE 0.5, R2 0.9486...
        Path f = Files.writeString(dir.resolve("preds.csv"), "id,prediction,y\na,2.5,3\nb,0.0,-0.5\nc,2,2\nd,8,7\n");
        CliRun r = CliRun.of("score", "regression", f.toString(), "--pred", "prediction", "--gold", "y");
        assertEquals(0, r.exit(), r.err());
        String out = r.out().replace(System.lineSeparator(), "\n");
        assertTrue(out.contains("n = 4\nMSE = 0.375000\nMAE = 0.500000\n"), out);
        assertTrue(out.contains("R2 = 0.948608"), out);

        // --pred defaults to "prediction", the column tagllm predict writes
        CliRun missing = CliRun.of("score", "regression", f.toString());
        assertEquals(1, missing.exit());
        assertEquals("error: " + f + ":1: missing column 'gold' (the file has: id, prediction, y)", missing.err().strip());
        CliRun other = CliRun.of("score", "regression", f.toString(), "--pred", "pred", "--gold", "y");
        assertEquals("error: " + f + ":1: missing column 'pred' (the file has: id, prediction, y)", other.err().strip());
    }

    /**
     * Rows whose prob_CLASS values do not sum to 1 (one sigmoid per class, say) were scored without a word: AUROC,
     * accuracy and ECE of scores that are not class probabilities, where scikit-learn's roc_auc_score refuses them.
     * Line 3's 0.8 + 0.8 is now refused naming the line; rows of 4 decimals (0.3333 × 3) still score.
     */
    @Test
    void classProbabilitiesThatDoNotSumToOneAreRefused() throws IOException {
        Path f = Files.writeString(dir.resolve("p.csv"), "gold,prob_0,prob_1\n1,0.2,0.8\n0,0.8,0.8\n0,0.6,0.4\n");
        CliRun r = CliRun.of("score", "classification", f.toString(), "--gold", "gold");
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: " + f + ":3: the columns prob_0, prob_1 sum to 1.6, not 1: they are not one row's class probabilities "
                + "(a multi-label file: give each label column to --gold)", r.err().strip());

        Path rounded = Files.writeString(dir.resolve("r.csv"), "gold,prob_a,prob_b,prob_c\na,0.3334,0.3333,0.3333\nb,0.3333,0.3334,0.3333\n"
                + "c,0.1,0.2,0.7\n");
        CliRun ok = CliRun.of("score", "classification", rounded.toString(), "--gold", "gold");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("accuracy = 1.00000"), ok.out());
    }

    /**
     * An unknown --tokenize or a negative --chrf-word-order stopped with exit 1, as if the files were at fault, and the
     * word-order message ('word n-gram order must be >= 0') named no option. The files need not exist: refused first.
     */
    @Test
    void textOptionsOutOfRangeAreUsageErrors(@TempDir Path tmp) {
        String hyp = tmp.resolve("no-hyp.txt").toString(), ref = tmp.resolve("no-ref.txt").toString();
        CliRun r = CliRun.of("score", "text", hyp, ref, "--tokenize", "spm");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--tokenize: unknown BLEU tokenizer 'spm': expected one of 13a, intl, char, none"), r.err());
        r = CliRun.of("score", "text", hyp, ref, "--chrf-word-order", "-1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--chrf-word-order must be at least 0 (0: chrF, 2: chrF++), got -1"), r.err());
    }

    /** --pred and --gold naming one column scored a column against itself: every metric perfect, exit 0. */
    @Test
    void regressionPredAndGoldOfOneColumnIsAUsageError(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("p.csv"), "prediction,gold\n1,2\n2,3\n");
        CliRun r = CliRun.of("score", "regression", f.toString(), "--pred", "gold");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--pred and --gold both name the column 'gold': it would be scored against itself"), r.err());
        assertEquals("", r.out());
    }

    /** A --gold column named twice was read as a multi-label task of two labels, and failed as a file without 'prob_label' twice (exit 1). */
    @Test
    void classificationGoldNamedTwiceIsAUsageError(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("c.csv"), "prob_a,prob_b,label\n0.9,0.1,a\n0.2,0.8,b\n");
        CliRun r = CliRun.of("score", "classification", f.toString(), "--gold", "label,label");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--gold names the column 'label' twice: one column per label (several: a multi-label task)"), r.err());
    }
}
