package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Which master spark score runs on when it is given more than once, or by spark-submit. */
class SparkMasterOptionTest {
    @TempDir
    Path dir;

    /**
     * --master and --conf spark.master naming two masters: the old command ran on the --conf one without a word. Now a
     * usage error (exit 2) naming both, before Spark starts or anything is written.
     */
    @Test
    void twoDifferentMastersAreAUsageErrorNamingBoth() throws Exception {
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\nCCO\n");
        Path out = dir.resolve("out.parquet");
        SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--conf", "spark.master=local[2]", "--model", "m",
                "--tags", "t.safetensors", "--task", "QED", "--input", in.toString(), "--output", out.toString());
        assertEquals(2, s.exit(), s.err());
        assertTrue(s.err().contains("--master local[1] and --conf spark.master=local[2] name two different masters; give one"), s.err());
        assertFalse(Files.exists(out));
    }

    /**
     * The master a run uses, against the rule docs/spark.md states: --master, else --conf spark.master, else the
     * spark.master spark-submit sets (the old option's default local[*] was set over it), else local[*]; the same
     * master twice passes.
     */
    @Test
    void theMasterComesFromTheOptionTheConfOrSparkSubmit() {
        var cl = new picocli.CommandLine(new SparkScoreCommand());
        assertEquals("local[1]", SparkScoreCommand.master("local[1]", java.util.Map.of("spark.master", "local[1]"), "yarn", cl));
        assertEquals("local[1]", SparkScoreCommand.master("local[1]", java.util.Map.of(), "yarn", cl));
        assertEquals("local[2]", SparkScoreCommand.master(null, java.util.Map.of("spark.master", "local[2]"), "yarn", cl));
        assertEquals("yarn", SparkScoreCommand.master(null, java.util.Map.of(), "yarn", cl));
        assertEquals("local[*]", SparkScoreCommand.master(null, java.util.Map.of(), null, cl));
    }
}
