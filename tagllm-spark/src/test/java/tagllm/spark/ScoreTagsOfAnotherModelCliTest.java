package tagllm.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tags of another base model are refused by spark score on the driver with the same line as predict's. The driver
 * named the model by the path it was given ("... but the loaded model /abs/path/tiny-llama-gqa has fingerprint ..."),
 * predict by its folder name ("... the loaded model tiny-llama-gqa ..."), as Model.load names it.
 */
class ScoreTagsOfAnotherModelCliTest {

    @TempDir
    Path dir;

    @Test
    void tagsOfAnotherModelAreRefusedWithPredictsLine() throws Exception {
        Path tags = Fixtures.qedTags(dir); // made on stories260K
        Path other = SharedFiles.get("models/tiny-llama-gqa");
        String stories = Model.fingerprintOf(Path.of(Fixtures.model()));
        String gqa = Model.fingerprintOf(other);
        // the reason by hand: the model is named as Model.load names it, by its folder
        String reason = tags + " was trained on base model stories260K (fingerprint " + stories + ") but the loaded model tiny-llama-gqa has fingerprint "
                + gqa + ": tags only work with the model they were trained on";

        Path in = Files.writeString(dir.resolve("in.csv"), "smiles\nCCO\n");
        SparkCliTest.Run p = SparkCliTest.tagllm("predict", "--model", other.toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output", dir.resolve("pred.csv").toString());
        assertEquals(1, p.exit(), p.err());
        String predictLine = p.err().lines().filter(l -> l.contains(reason)).findFirst().orElse(null);
        assertNotNull(predictLine, p.err());

        Path out = dir.resolve("out.parquet");
        SparkCliTest.Run s = SparkCliTest.tagllm("spark", "score", "--master", "local[1]", "--model", other.toString(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "--output", out.toString());
        assertEquals(p.exit(), s.exit(), s.err());
        String scoreLine = s.err().lines().filter(l -> l.contains(reason)).findFirst().orElse(null);
        assertEquals(predictLine, scoreLine, s.err());
        assertFalse(s.err().contains("Job aborted") || s.err().contains("\tat "), "refused before the job, no Spark trace: " + s.err());
        assertFalse(Files.exists(out), "no output");
    }
}
