package tagllm.tag;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.SafeTensors;
import tagllm.util.Version;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Tag files say which tagllm wrote them; files from before that field are read as before (docs/reliability.md). */
class TagFileVersionTest {
    /** A tag file written by tagllm at commit 04d9091 (6 Dec 2026): stories260K, <SMILES>, <QED>, <BBBP>, two heads. */
    static Path oldFile() throws Exception {
        return Path.of(TagFileVersionTest.class.getResource("/compat/written-by-04d9091.tags.safetensors").toURI());
    }

    @Test
    void aWrittenTagFileRecordsTheVersionThatWroteIt(@TempDir Path dir) throws Exception {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        Path f = dir.resolve("a.tags.safetensors");
        TagFile.write(s, f);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(Version.current(), TagFile.writtenBy(st));
        }
    }

    @Test
    void aTagFileFromBeforeTheFieldIsReadAndSaysNothingRecorded() throws Exception {
        TagSet s = TagFile.read(oldFile());
        assertEquals("stories260K", s.modelName());
        assertTrue(s.has("SMILES") && s.has("QED") && s.has("BBBP"));
        assertEquals(64, s.get("QED").hidden());
        assertNotNull(s.head("QED"));
        assertNotNull(s.head("BBBP"));
        assertTrue(s.tasks().containsKey("qed") && s.tasks().containsKey("bbbp"));
        try (SafeTensors st = SafeTensors.open(oldFile())) {
            assertNull(TagFile.writtenBy(st));
        }
    }
}
