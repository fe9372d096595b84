package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tags merge A B and tags merge B A hold the same tags, heads, tasks and provenance (a conflict is refused), yet wrote
 * them in the files' order: two people composing the same files got files with different bytes (and SHA-256), and
 * docs/training.md's "the result never depends on the order of the files" held only for the values.
 */
class TagsMergeOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The shared stage-1 domain tag, as every run started from the same domain file holds it, plus one function tag. */
    private static TagSet run(String function, float value, String task, String stageTime) {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 2, 3, 4, 5, 6}));
        s.put(new Tag(function, TagKind.FUNCTION, 1, 3, new float[]{value, 0.5f, 7}));
        s.putHead(new RegressionHead(function, 1, 3, new float[]{value, -2, 3}, null, new double[]{0}, new double[]{1}));
        s.tasks().put(task, JSON.createObjectNode().put("type", "regression").put("template", "<SMILES> {smiles} " + function));
        s.provenance().add(stage("s1", 1, "<SMILES>", "2026-12-07T10:00:00Z"));
        s.provenance().add(stage("s2", 2, function, stageTime));
        return s;
    }

    private static ObjectNode stage(String name, int number, String trained, String time) {
        ObjectNode p = JSON.createObjectNode().put("stage", name).put("stage_number", number).put("time", time);
        p.putArray("trained").add(trained);
        return p;
    }

    @Test
    void mergingInEitherOrderWritesTheSameBytes(@TempDir Path dir) throws Exception {
        Path qed = dir.resolve("qed.tags.safetensors"), score = dir.resolve("score.tags.safetensors");
        // the later-trained run's function tag sorts first by name, its task too: neither file's order is the canonical one
        TagFile.write(run("<QED>", -1, "qed", "2026-12-07T11:00:00Z"), qed);
        TagFile.write(run("<Affinity>", 2, "affinity", "2026-12-07T12:00:00.5Z"), score);
        Path ab = dir.resolve("ab.tags.safetensors"), ba = dir.resolve("ba.tags.safetensors");
        CliRun r1 = CliRun.of("tags", "merge", qed.toString(), score.toString(), "-o", ab.toString());
        assertEquals(0, r1.exit(), r1.err());
        CliRun r2 = CliRun.of("tags", "merge", score.toString(), qed.toString(), "-o", ba.toString());
        assertEquals(0, r2.exit(), r2.err());
        assertArrayEquals(Files.readAllBytes(ab), Files.readAllBytes(ba), "merge A B and merge B A write the same file");

        TagSet merged = TagFile.read(ab);
        assertEquals(List.of("<SMILES>", "<Affinity>", "<QED>"), merged.tags().stream().map(Tag::name).toList(),
                "domain tags first, then function tags, each by name");
        assertEquals(List.of("<Affinity>", "<QED>"), List.copyOf(merged.heads().keySet()));
        assertEquals(List.of("affinity", "qed"), List.copyOf(merged.tasks().keySet()));
        assertEquals(List.of("<SMILES>", "<QED>", "<Affinity>"), merged.provenance().stream().map(p -> p.path("trained").get(0).asText()).toList(),
                "the shared stage once, then the stages by time");
        assertTrue(r2.err().contains("3 tags (<SMILES>, <Affinity>, <QED>)"), r2.err());
    }

    /** As predict, chem and data build: the hidden partial copy a merge killed with kill -9 left is removed and named. */
    @Test
    void aKilledMergesPartialCopyIsRemoved(@TempDir Path dir) throws Exception {
        Path qed = dir.resolve("qed.tags.safetensors"), score = dir.resolve("score.tags.safetensors");
        TagFile.write(run("<QED>", -1, "qed", "2026-12-07T11:00:00Z"), qed);
        TagFile.write(run("<Affinity>", 2, "affinity", "2026-12-07T12:00:00Z"), score);
        Path out = dir.resolve("m.tags.safetensors");
        String left = ".m.tags.safetensors.4242.tmp";
        Files.writeString(dir.resolve(left), "half a tag file");
        Files.writeString(dir.resolve(".other.tags.safetensors.7.tmp"), "not this output's");
        CliRun r = CliRun.of("tags", "merge", qed.toString(), score.toString(), "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("removed " + left + " from " + dir.toAbsolutePath() + ": partial copy of m.tags.safetensors"), r.err());
        assertFalse(Files.exists(dir.resolve(left)));
        assertTrue(Files.exists(dir.resolve(".other.tags.safetensors.7.tmp")), "another output's copy stays");
        assertEquals(3, TagFile.read(out).tags().size());
    }
}
