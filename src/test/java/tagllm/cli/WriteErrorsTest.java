package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;
import tagllm.train.MetricsLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full disk, for real: a result path that is a link to Linux's /dev/full, whose every write fails with ENOSPC.
 * The error names the path; nothing half-written is left beside it.
 */
class WriteErrorsTest {
    @TempDir
    Path dir;

    private Path fullDisk(String name) throws IOException {
        assumeTrue(Files.isWritable(Path.of("/dev/full")), "/dev/full is absent or not writable here (not Linux?)");
        return Files.createSymbolicLink(dir.resolve(name), Path.of("/dev/full"));
    }

    private TagSet qedTags(Model m) {
        TagSet s = tagllm.testutil.QedTags.of(m, false);
        return s;
    }

    @Test
    void predictionsToAFullDiskNameThePath() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(qedTags(m), tags);
        Path input = dir.resolve("in.csv");
        StringBuilder csv = new StringBuilder("smiles\n");
        for (int i = 0; i < 3; i++) csv.append("CCO\n");
        Files.writeString(input, csv);
        Path out = fullDisk("preds.csv");
        CliRun r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", input.toString(), "-o", out.toString(), "--force");
        assertNotEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("cannot write " + out + ": No space left on device"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void aTagFileOrCheckpointToAFullDiskNamesThePath() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        Path out = fullDisk("final.tags.safetensors");
        IOException e = assertThrows(IOException.class, () -> TagFile.write(qedTags(m), out));
        assertTrue(e.getMessage().startsWith("cannot write " + out + ": No space left on device"), e.getMessage());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(out), s.toList(), "no temporary file left");
        }
    }

    @Test
    void theMetricsLogOnAFullDiskNamesThePath() throws Exception {
        Path log = fullDisk("metrics.jsonl");
        try (MetricsLog m = new MetricsLog(log)) {
            IOException e = assertThrows(IOException.class, () -> m.write(new ObjectMapper().createObjectNode().put("step", 1)));
            assertTrue(e.getMessage().startsWith("cannot append to the metrics log " + log + ": No space left on device"), e.getMessage());
        }
    }
}
