package tagllm.cli;

import org.junit.jupiter.api.Test;
import tagllm.testutil.CliRun;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each size option of bench is read by some works only; given while --work runs none of them it was accepted and
 * changed nothing (bench --molecules 500 timed train, prefill and decode as if it were not there).
 */
class BenchWorkOptionsTest {
    @Test
    void anOptionNoneOfTheChosenWorksReadsIsAUsageError() {
        String[][] cases = {
                // option, value, --work, the works that read it
                {"--molecules", "7", "train,prefill,decode", "predict"},
                {"--smiles-tokens", "6", "train", "predict"},
                {"--prompt", "5", "train,predict", "decode"},
                {"--decode", "3", "prefill", "decode"},
                {"--batch", "2", "decode,predict", "train, train-lora or prefill"},
                {"--seq", "40", "decode", "train, train-lora or prefill"},
                {"--p", "3", "decode", "train, train-lora, prefill or predict"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of("bench", "--shape", "tiny", "--work", c[2], c[0], c[1], "--no-peak");
            assertEquals(2, r.exit(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith(c[0] + ": only the " + c[3] + " work" + (c[3].contains(" or ") ? "s read" : " reads")
                    + " it, and --work " + c[2] + " runs none of them; leave it out, or add one to --work"), r.err());
            assertFalse(r.err().contains("weights for"), "refused before drawing the weights: " + r.err());
            assertEquals("", r.out());
        }
    }

    /** The default --work (train,prefill,decode) reads --p, --seq, --batch, --prompt and --decode: none is refused there. */
    @Test
    void theDefaultWorksReadTheirOptions() {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--batch", "1", "--seq", "32", "--p", "2", "--prompt", "2", "--decode", "1",
                "--repeats", "1", "--warmup", "0", "--no-peak", "--json");
        assertEquals(0, r.exit(), r.err());
    }
}
