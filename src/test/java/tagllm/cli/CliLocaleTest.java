package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The numbers the CLI prints are the same whatever the user's locale: Arabic (Saudi Arabia) formats %d and %f with
 * Arabic-Indic digits and a decimal separator of its own (٣٫٤٤), German with a comma (3,44).
 */
class CliLocaleTest {
    private Locale before;

    @BeforeEach
    void saveLocale() { before = Locale.getDefault(); }

    @AfterEach
    void restoreLocale() { Locale.setDefault(before); }

    @Test
    void perplexityPrintsAsciiNumbersWithADecimalPoint(@TempDir Path tmp) throws Exception {
        Path model = Shared.model("stories260K");
        Path file = tmp.resolve("story.txt");
        Files.writeString(file, "Once upon a time, there was a little girl named Lily. She loved to play outside.");
        Locale.setDefault(Locale.ROOT);
        JsonNode o = new ObjectMapper().readTree(CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString(), "--json").out());
        // the text report, written by hand from the JSON's numbers
        String expected = "tokens scored: " + o.get("tokens").asInt() + "\n"
                + "mean NLL: " + new java.math.BigDecimal(o.get("nll").asDouble()).setScale(6, java.math.RoundingMode.HALF_UP) + " nats/token\n"
                + "perplexity: " + new java.math.BigDecimal(o.get("perplexity").asDouble()).setScale(4, java.math.RoundingMode.HALF_UP) + "\n"
                + "windows: " + o.get("windows").asInt() + " (window " + o.get("window").asInt() + ", stride " + o.get("stride").asInt() + ")\n";
        for (String tag : new String[]{"ar-SA", "de-DE"}) {
            Locale.setDefault(Locale.forLanguageTag(tag));
            CliRun r = CliRun.of("perplexity", "--model", model.toString(), "--file", file.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(expected, r.out().replace(System.lineSeparator(), "\n"), tag);
        }
    }

    @Test
    void chemAndDataBuildSummariesUseAsciiDigits(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("mols.csv");
        Files.writeString(in, "smiles\nCCO\nc1ccccc1O\nC1CC\n");
        Locale.setDefault(Locale.forLanguageTag("ar-SA"));
        CliRun chem = CliRun.of("chem", "qed", "--input", in.toString(), "--column", "smiles", "--output", tmp.resolve("q.csv").toString(), "--threads", "2");
        assertEquals(0, chem.exit(), chem.err());
        assertTrue(chem.err().matches("(?s).*mols\\.csv: 3 rows, 2 labelled, 1 with an error .* in [0-9]+\\.[0-9] s \\([0-9]+ rows/s, 2 threads\\).*"), chem.err());
        CliRun build = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", tmp.resolve("b.csv").toString());
        assertEquals(0, build.exit(), build.err());
        assertTrue(build.err().contains("mols.csv: 3 rows read, 2 written to " + tmp.resolve("b.csv") + "; skipped 0 longer than 512 characters, 0 duplicates, 1 invalid"), build.err());
    }
}
