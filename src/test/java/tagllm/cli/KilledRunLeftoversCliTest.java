package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * predict, chem and data build remove the hidden partial copy of their output (".out.csv.N.tmp") that a run of theirs
 * killed with kill -9 left, naming it on stderr; files of other names beside it stay.
 */
class KilledRunLeftoversCliTest {
    @TempDir
    Path dir;

    /** The folder as a killed run on out.csv left it, beside files that are not that run's copies. */
    private static final String LEFT = ".out.csv.5790301247718129921.tmp";
    private static final List<String> NOT_OURS = List.of(".out.csv.x.tmp", ".other.csv.12.tmp", "out.csv.3.tmp", "notes.txt");

    private Path input() throws Exception {
        for (String n : NOT_OURS) Files.writeString(dir.resolve(n), n);
        Files.writeString(dir.resolve(LEFT), "smiles,qed\nCCO,0.4");
        Path in = dir.resolve("in.csv");
        Files.writeString(in, "smiles\nCCO\nc1ccccc1O\n");
        return in;
    }

    private void assertLeftoverRemoved(CliRun r) throws Exception {
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("removed " + LEFT + " from " + dir.toAbsolutePath() + ": partial copy of out.csv"), r.err());
        Set<String> expected = new TreeSet<>(NOT_OURS);
        expected.addAll(List.of("in.csv", "out.csv"));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(expected, new TreeSet<>(s.filter(f -> !f.getFileName().toString().endsWith(".safetensors"))
                    .map(f -> f.getFileName().toString()).toList()));
        }
        assertEquals(3, Files.readAllLines(dir.resolve("out.csv")).size(), "header and two rows");
    }

    @Test
    void chem() throws Exception {
        Path in = input();
        assertLeftoverRemoved(CliRun.of("chem", "qed", "-q", "--input", in.toString(), "--output", dir.resolve("out.csv").toString()));
    }

    @Test
    void dataBuild() throws Exception {
        Path in = input();
        assertLeftoverRemoved(CliRun.of("data", "build", "qed", "-q", "--input", in.toString(), "--output", dir.resolve("out.csv").toString()));
    }

    @Test
    void predict() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.QedTags.of(m, false);
        Path tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(s, tags);
        Path in = input();
        assertLeftoverRemoved(CliRun.of("predict", "-q", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "-o", dir.resolve("out.csv").toString()));
    }
}
