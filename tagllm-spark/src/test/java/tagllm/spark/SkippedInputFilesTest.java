package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Spark settings that make its readers skip input files: every input row comes out of spark score once, with its
 * prediction or why not (docs/reliability.md), and these dropped a corrupt or vanished file's rows without a word.
 */
class SkippedInputFilesTest {
    @TempDir
    Path dir;

    /**
     * The old command ran with --conf spark.sql.files.ignoreCorruptFiles=true (and the three like it), so a Parquet
     * file Spark could not read lost its rows silently. Now each is a usage error naming the key (exit 2), before any
     * job or output; "false" passes the check.
     */
    @Test
    void settingsThatSkipInputFilesAreRefusedNamingTheKey() throws Exception {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\nCCO\n");
        Path out = dir.resolve("out.parquet");
        for (String key : SparkScoreCommand.SKIPPING_FILES) {
            SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--conf", key + "=true", "--model", "no-such-model",
                    "--tags", "t.safetensors", "--task", "QED", "--input", in.toString(), "--output", out.toString());
            assertEquals(2, s.exit(), s.err());
            assertTrue(s.err().contains(key + "=true: Spark's readers would skip an input file"), s.err());
            assertFalse(Files.exists(out));
        }
        assertEquals(4, SparkScoreCommand.SKIPPING_FILES.size());
        SparkCliTest.Run off = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--conf", "spark.sql.files.ignoreCorruptFiles=false",
                "--model", "no-such-model", "--tags", "t.safetensors", "--task", "QED", "--input", in.toString(), "--output", out.toString());
        assertEquals(1, off.exit(), off.err()); // past the check: the model is missing
        assertFalse(off.err().contains("would skip"), off.err());
    }
}
