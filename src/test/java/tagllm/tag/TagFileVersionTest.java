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

    /** A tag file as a later format version would write it: its metadata, by hand. */
    private static Path file(Path dir, String versionFields) throws Exception {
        tagllm.model.SafeTensorsWriter w = new tagllm.model.SafeTensorsWriter();
        w.addF32("tag.QED", new float[]{1, 2, 3}, 1, 3);
        w.metadata("format", "tagllm.tags");
        w.metadata("tagllm", "{\"format\": \"tagllm.tags\", " + versionFields + ", \"model\": {\"name\": \"tiny\", \"fingerprint\": \"fp\"}, "
                + "\"tags\": [{\"name\": \"<QED>\", \"kind\": \"function\", \"p\": 1, \"hidden\": 3}]}");
        Path f = dir.resolve("later.tags.safetensors");
        w.write(f);
        return f;
    }

    @Test
    void aLaterFormatVersionIsRefusedSayingWhichTagllmWroteItAndToUpgrade(@TempDir Path dir) throws Exception {
        Path f = file(dir, "\"version\": 2, \"tagllm_version\": \"0.3.0\"");
        var e = assertThrows(tagllm.model.ModelFormatException.class, () -> TagFile.read(f));
        String m = e.getMessage();
        assertTrue(m.startsWith(f.toString() + ": "), m);
        assertTrue(m.contains("format version 2") && m.contains("reads version 1") && m.contains("tagllm 0.3.0")
                && m.contains("upgrade tagllm"), m);
        assertFalse(m.contains("\n"), m);
        // without the writer's version, and without a format version at all
        String unknown = assertThrows(tagllm.model.ModelFormatException.class, () -> TagFile.read(file(dir, "\"version\": 3"))).getMessage();
        assertTrue(unknown.contains("another tagllm") && unknown.contains("upgrade tagllm"), unknown);
        String none = assertThrows(tagllm.model.ModelFormatException.class, () -> TagFile.read(file(dir, "\"nothing\": 0"))).getMessage();
        assertTrue(none.contains("format version (none)") && none.contains("retrain"), none);
    }

    /**
     * A tag file written by tagllm at commit ea95926 (7 Dec 2026), the last build that recorded the bare pom version
     * (tagllm_version "0.1.0-SNAPSHOT", no commit): tiny, fingerprint fp-bare-version, one tag <QED> = [-1, 0.5, 7].
     */
    @Test
    void aFileRecordingTheBareVersionIsRead() throws Exception {
        Path f = Path.of(TagFileVersionTest.class.getResource("/compat/written-by-ea95926.tags.safetensors").toURI());
        TagSet s = TagFile.read(f);
        assertEquals("fp-bare-version", s.modelFingerprint());
        assertArrayEquals(new float[]{-1, 0.5f, 7}, s.get("QED").values());
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals("0.1.0-SNAPSHOT", TagFile.writtenBy(st));
        }
    }

    /** Only the format version decides: the same format from another commit, or from a later pom version, is read. */
    @Test
    void theSameFormatFromAnotherCommitOrALaterVersionIsRead(@TempDir Path dir) throws Exception {
        for (String by : new String[]{"0.1.0-SNAPSHOT+g0000000", "0.1.0-SNAPSHOT+gfedcba9.dirty", "9.9.9+g1234567", "0.1.0-SNAPSHOT"}) {
            Path f = file(dir, "\"version\": 1, \"tagllm_version\": \"" + by + "\"");
            assertArrayEquals(new float[]{1, 2, 3}, TagFile.read(f).get("QED").values(), by);
            try (SafeTensors st = SafeTensors.open(f)) {
                assertEquals(by, TagFile.writtenBy(st));
            }
        }
    }
}
