package tagllm.tag;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.ModelFormatException;
import tagllm.model.SafeTensorsWriter;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TagFileTest {
    private static TagSet sample(String fingerprint) {
        TagSet s = new TagSet("tiny", fingerprint);
        s.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 2, 3, 4, 5, 6}));
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        s.putHead(new RegressionHead("<QED>", 1, 3, new float[]{0.25f, -2, 3}, new float[]{0.5f}, new double[]{0.7}, new double[]{0.2}));
        s.tasks().put("QED", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("template", "x <SMILES> {smiles} <QED>"));
        return s;
    }

    @Test
    void roundTripKeepsTagsHeadsTasksAndModel(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.tags.safetensors");
        TagSet s = sample("fp1");
        TagFile.write(s, f);
        TagSet r = TagFile.read(f);
        assertEquals("fp1", r.modelFingerprint());
        assertEquals(s.get("SMILES"), r.get("SMILES"));
        assertEquals(TagKind.FUNCTION, r.get("QED").kind());
        RegressionHead h = r.head("QED");
        assertArrayEquals(new float[]{0.25f, -2, 3}, h.weight());
        assertArrayEquals(new float[]{0.5f}, h.bias());
        assertEquals(0.7, h.shift()[0]);
        assertEquals(0.2, h.scale()[0]);
        assertEquals("x <SMILES> {smiles} <QED>", r.tasks().get("QED").get("template").asText());
        // prediction in label units: (w·h + b)·scale + shift
        assertEquals((0.25 * 1 - 2 * 2 + 3 * 3 + 0.5) * 0.2 + 0.7, h.predict(new float[]{1, 2, 3}, 0)[0], 1e-9);
    }

    @Test
    void anotherModelIsRefusedNamingBothFingerprints() {
        TagSet s = sample("aaa");
        var e = assertThrows(IllegalArgumentException.class, () -> s.requireModel("bbb", "other", "x.tags.safetensors"));
        assertTrue(e.getMessage().contains("aaa") && e.getMessage().contains("bbb"), e.getMessage());
        s.requireModel("aaa", "tiny", "x");
    }

    @Test
    void mergeComposesAndRefusesConflicts() {
        TagSet a = new TagSet("tiny", "fp");
        a.put(new Tag("<EN>", TagKind.DOMAIN, 1, 3, new float[]{1, 1, 1}));
        TagSet b = sample("fp");
        a.merge(b, "b.tags.safetensors");
        assertTrue(a.has("EN") && a.has("SMILES") && a.has("QED"));
        assertNotNull(a.head("QED"));
        TagSet c = new TagSet("tiny", "fp");
        c.put(new Tag("<EN>", TagKind.DOMAIN, 1, 3, new float[]{2, 2, 2}));
        var e = assertThrows(IllegalArgumentException.class, () -> a.merge(c, "c.tags.safetensors"));
        assertTrue(e.getMessage().contains("<EN>") && e.getMessage().contains("c.tags.safetensors"), e.getMessage());
        TagSet d = sample("other");
        assertThrows(IllegalArgumentException.class, () -> a.merge(d, "d"));
    }

    /**
     * Two function tags trained from one stage-1 file each carry that stage's provenance record; their merge listed it
     * twice (so `tags inspect` showed the stage twice), beside each file's own stage once.
     */
    @Test
    void mergeListsAStageBothFilesCameFromOnce() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var stage1 = json.createObjectNode().put("stage", "s1").put("steps", 100);
        var qedStage = json.createObjectNode().put("stage", "qed").put("steps", 50);
        var baStage = json.createObjectNode().put("stage", "ba").put("steps", 60);
        TagSet qed = new TagSet("tiny", "fp"), ba = new TagSet("tiny", "fp");
        qed.provenance().add(stage1.deepCopy());
        qed.provenance().add(qedStage);
        ba.provenance().add(stage1.deepCopy());
        ba.provenance().add(baStage);
        qed.merge(ba, "ba.tags.safetensors");
        assertEquals(java.util.List.of(stage1, qedStage, baStage), qed.provenance());
    }

    /**
     * Two files with the same <QED> tag and head weights but another label shift (or another definition of task
     * "QED") merged without a word, keeping whichever came first: predict's numbers depended on the order of --tags.
     */
    @Test
    void mergeRefusesAHeadOrTaskThatDiffersBeyondItsWeights() {
        TagSet first = sample("fp");
        TagSet shifted = sample("fp");
        RegressionHead h = shifted.head("QED");
        shifted.putHead(new RegressionHead("<QED>", 1, 3, h.weight().clone(), h.bias().clone(), new double[]{5.0}, h.scale()));
        shifted.put(new Tag("<EXTRA>", TagKind.DOMAIN, 1, 3, new float[]{9, 9, 9}));
        var e = assertThrows(IllegalArgumentException.class, () -> first.merge(shifted, "shifted.tags.safetensors"));
        assertEquals("shifted.tags.safetensors: the head of <QED> is already present with other values (weights, bias or label shift/scale)",
                e.getMessage());
        assertNull(first.get("<EXTRA>"), "nothing of the refused file is merged");
        assertEquals(0.7, first.head("QED").shift()[0]);

        TagSet retemplated = sample("fp");
        retemplated.tasks().put("QED", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("template", "y <SMILES> {smiles} <QED>"));
        var t = assertThrows(IllegalArgumentException.class, () -> sample("fp").merge(retemplated, "other.tags.safetensors"));
        assertEquals("other.tags.safetensors: task 'QED' is already defined otherwise (template differ); a merged tag set can hold one "
                + "definition of each task name", t.getMessage());

        TagSet same = sample("fp");
        same.merge(sample("fp"), "again.tags.safetensors"); // identical content merges as before
        assertEquals(0.7, same.head("QED").shift()[0]);
    }

    /**
     * Two versions of a tag: the refusal says how they differ (kind, p × hidden, or which value by how much); it said
     * "other values" alike for a tag of another length (tag_length 2 against 4) and for one trained a step further.
     */
    @Test
    void mergeSaysHowTwoVersionsOfATagDiffer() {
        TagSet a = new TagSet("tiny", "fp");
        a.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 1, 1, 1, 1, 1}));
        TagSet shorter = new TagSet("tiny", "fp");
        shorter.put(new Tag("<SMILES>", TagKind.DOMAIN, 1, 3, new float[]{1, 1, 1}));
        assertEquals("b.tags.safetensors: tag <SMILES> is already present with other values (p × hidden 2 × 3 before, 1 × 3 here); "
                + "a merged tag set can hold one version of each tag",
                assertThrows(IllegalArgumentException.class, () -> a.merge(shorter, "b.tags.safetensors")).getMessage());
        TagSet function = new TagSet("tiny", "fp");
        function.put(new Tag("<SMILES>", TagKind.FUNCTION, 2, 3, new float[]{1, 1, 1, 1, 1, 1}));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.merge(function, "c.tags.safetensors")).getMessage()
                .contains("(a domain tag before, a function tag here)"));
        TagSet moved = new TagSet("tiny", "fp");
        moved.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 1, 1, 1, 1.25f, 0.5f}));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> a.merge(moved, "d.tags.safetensors")).getMessage()
                .contains("(the same shape 2 × 3, values differing by up to 0.5 (row 1, column 2))"));
    }

    /**
     * Three files merged (tags merge a b c, predict --tags a --tags b --tags c): a conflict named the file that brought
     * the second version but not the one holding the first ("already present"), which with three or more files left
     * the user to find it.
     */
    @Test
    void aConflictNamesTheFileThatHeldTheFirstVersion(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.tags.safetensors"), b = dir.resolve("b.tags.safetensors"), c = dir.resolve("c.tags.safetensors");
        TagFile.write(sample("fp"), b); // <SMILES>, <QED>, its head and task QED
        TagSet language = new TagSet("tiny", "fp");
        language.put(new Tag("<EN>", TagKind.DOMAIN, 1, 3, new float[]{1, 1, 1}));
        TagFile.write(language, a);
        TagSet otherTag = sample("fp"), otherHead = sample("fp"), otherTask = sample("fp");
        otherTag.get("<SMILES>").values()[5] = 6.5f;
        otherHead.head("<QED>").weight()[0] = 1;
        otherTask.tasks().get("QED").put("template", "y <SMILES> {smiles} <QED>");
        TagSet merged = TagFile.read(a);
        merged.merge(TagFile.read(b), b.toString());
        var expected = new java.util.LinkedHashMap<TagSet, String>();
        expected.put(otherTag, c + ": tag <SMILES> is already present in " + b + " with other values (");
        expected.put(otherHead, c + ": the head of <QED> is already present in " + b + " with other values (");
        expected.put(otherTask, c + ": task 'QED' is already defined otherwise in " + b + " (template differ)");
        for (var e : expected.entrySet()) {
            TagFile.write(e.getKey(), c);
            TagSet read = TagFile.read(c);
            String m = assertThrows(IllegalArgumentException.class, () -> merged.merge(read, c.toString())).getMessage();
            assertTrue(m.startsWith(e.getValue()), m);
        }
    }

    /** Merging tag files of two base models names each file's own model (it named them the other way round). */
    @Test
    void mergeOfTwoBaseModelsNamesEachSidesModel() {
        TagSet a = new TagSet("stories260K", "fp-stories");
        a.put(new Tag("<EN>", TagKind.DOMAIN, 1, 3, new float[]{1, 1, 1}));
        TagSet b = new TagSet("tiny-llama-gqa", "fp-gqa");
        b.put(new Tag("<FR>", TagKind.DOMAIN, 1, 3, new float[]{2, 2, 2}));
        var e = assertThrows(IllegalArgumentException.class, () -> a.merge(b, "gqa.tags.safetensors"));
        assertEquals("gqa.tags.safetensors was trained on base model tiny-llama-gqa (fingerprint fp-gqa) but the tags merged before it on "
                + "stories260K (fingerprint fp-stories): tags of different base models cannot be merged", e.getMessage());
        assertNull(a.get("<FR>"), "nothing of the refused file is merged");
    }

    /**
     * A head narrower than the tags (a hand-edited or damaged file: head.QED.weight 1×2 beside 3-wide tags) was read,
     * and predict gave a number from the first two values of each hidden state, with no error.
     */
    @Test
    void aHeadOfAnotherHiddenSizeThanTheTagsIsRefused(@TempDir Path dir) throws Exception {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 2, 3, 4, 5, 6}));
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        s.putHead(new RegressionHead("<QED>", 1, 2, new float[]{0.25f, -2}, null, null, null));
        Path f = dir.resolve("narrow-head.tags.safetensors");
        TagFile.write(s, f);
        var e = assertThrows(ModelFormatException.class, () -> TagFile.read(f));
        assertEquals(f + ": tensor 'head.QED.weight' has shape [1, 2], expected [1, 3] (the tags' hidden size)", e.getMessage());
    }

    /** Tags of two hidden sizes in one file were refused without naming the file. */
    @Test
    void tagsOfTwoHiddenSizesAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("mixed.tags.safetensors");
        // a TagSet cannot hold two hidden sizes, so the file is written by hand
        SafeTensorsWriter mixed = new SafeTensorsWriter();
        mixed.addF32("tag.SMILES", new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        mixed.addF32("tag.QED", new float[]{-1, 0.5f}, 1, 2);
        mixed.metadata("format", TagFile.FORMAT);
        mixed.metadata("tagllm", "{\"format\":\"tagllm.tags\",\"version\":1,\"model\":{\"name\":\"tiny\",\"fingerprint\":\"fp\"},"
                + "\"tags\":[{\"name\":\"<SMILES>\",\"kind\":\"domain\",\"p\":2,\"hidden\":3},"
                + "{\"name\":\"<QED>\",\"kind\":\"function\",\"p\":1,\"hidden\":2}]}");
        mixed.write(f);
        var e = assertThrows(ModelFormatException.class, () -> TagFile.read(f));
        assertTrue(e.getMessage().startsWith(f + ": tag <QED> has hidden size 2 but the tags before it 3"), e.getMessage());
    }

    /** A negative label scale (a hand-edited file) was refused by the head with no file named. */
    @Test
    void aLabelScaleBelowZeroIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("negative-scale.tags.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.addF32("tag.QED", new float[]{-1, 0.5f, 7}, 1, 3);
        w.addF32("head.QED.weight", new float[]{0.25f, -2, 1}, 1, 3);
        w.metadata("format", TagFile.FORMAT);
        w.metadata("tagllm", "{\"format\":\"tagllm.tags\",\"version\":1,\"model\":{\"name\":\"tiny\",\"fingerprint\":\"fp\"},"
                + "\"tags\":[{\"name\":\"<QED>\",\"kind\":\"function\",\"p\":1,\"hidden\":3}],"
                + "\"heads\":[{\"tag\":\"<QED>\",\"outputs\":1,\"bias\":false,\"label_shift\":[0.5],\"label_scale\":[-1]}]}");
        w.write(f);
        var e = assertThrows(ModelFormatException.class, () -> TagFile.read(f));
        assertEquals(f + ": head <QED>: 'label_scale' must hold finite numbers above 0, got [-1]", e.getMessage());
    }

    @Test
    void aPlainSafetensorsFileIsNotATagFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.safetensors");
        new SafeTensorsWriter().addF32("x", new float[]{1}, 1).write(f);
        var e = assertThrows(ModelFormatException.class, () -> TagFile.read(f));
        assertTrue(e.getMessage().contains("not a tagllm tag file"), e.getMessage());
    }

    /**
     * A run's folder given where its tag file belongs (predict --tags runs/x, TagPredictor.open) was refused as
     * "runs/x (tag file not found): no such file or folder", though it exists: the refusal now says it is a folder and
     * names the run's final tag file when there is one.
     */
    @Test
    void aFolderGivenForATagFileIsSaidToBeOne(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        java.nio.file.Files.createDirectories(run);
        var e = assertThrows(java.nio.file.FileSystemException.class, () -> TagFile.read(run));
        assertFalse(e instanceof java.nio.file.NoSuchFileException, e.toString());
        assertEquals(run + ": a folder, not a tag file (give a .tags.safetensors file)", e.getMessage());
        Path last = run.resolve("final.tags.safetensors");
        TagFile.write(sample("fp1"), last);
        assertEquals(run + ": a folder, not a tag file (the run's tag file is " + last + ")",
                assertThrows(java.nio.file.FileSystemException.class, () -> TagFile.read(run)).getMessage());
        assertEquals("fp1", TagFile.read(last).modelFingerprint());
    }

    /**
     * The metadata of a tag file rewritten by hand: its header is parsed and written back with {@code edit} applied to
     * the tagllm JSON text (the tensor bytes are kept; the header length is recomputed).
     */
    private static Path rewriteMetadata(Path f, java.util.function.UnaryOperator<String> edit) throws Exception {
        byte[] all = java.nio.file.Files.readAllBytes(f);
        long n = java.nio.ByteBuffer.wrap(all, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var header = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(java.util.Arrays.copyOfRange(all, 8, 8 + (int) n));
        var meta = (com.fasterxml.jackson.databind.node.ObjectNode) header.get("__metadata__");
        meta.put("tagllm", edit.apply(meta.get("tagllm").asText()));
        byte[] h = json.writeValueAsBytes(header);
        var out = java.nio.ByteBuffer.allocate(8 + h.length + all.length - 8 - (int) n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + (int) n, all.length - 8 - (int) n);
        java.nio.file.Files.write(f, out.array());
        return f;
    }

    /**
     * A hostile tag file's error is one line naming the file: a tag name holding a line break and a terminal escape
     * sequence (ESC [2J clears the screen) was printed raw and without the file ("error: tag name '<Q" / "ED>' is not
     * valid"), and broken metadata JSON gave Jackson's second line (" at [Source: REDACTED ...]").
     */
    @Test
    void aHostileFilesErrorIsOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("evil.tags.safetensors");
        TagFile.write(sample("fp"), f);
        rewriteMetadata(f, m -> m.replace("\"<QED>\"", "\"<Q\\n\\u001b[2JED>\""));
        tagllm.testutil.CliRun r = tagllm.testutil.CliRun.of("tags", "inspect", f.toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("error: " + f + ": tag name '<Q\\n\\u001B[2JED>' is not valid: use letters, digits, _ . + - (e.g. <SMILES>)",
                r.err().strip());

        Path g = dir.resolve("broken.tags.safetensors");
        TagFile.write(sample("fp"), g);
        rewriteMetadata(g, m -> m.substring(0, m.length() - 1)); // the closing brace gone
        tagllm.testutil.CliRun b = tagllm.testutil.CliRun.of("tags", "inspect", g.toString());
        assertEquals(1, b.exit(), b.err());
        assertEquals(1, b.err().strip().lines().count(), b.err());
        assertTrue(b.err().startsWith("error: " + g + ": tag metadata is not valid JSON: "), b.err());
    }

    /**
     * A tag listed twice in the metadata (a hand-edited or foreign file) is refused as such, naming the file and tag:
     * both entries name one tensor, so the second was read over the first when its p matched, or was refused as a
     * tensor of the wrong shape when it did not.
     */
    @Test
    void aTagListedTwiceIsRefusedNamingTheFileAndTag(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("twice.tags.safetensors");
        TagFile.write(sample("fp"), f);
        rewriteMetadata(f, m -> m.replace("{\"name\":\"<QED>\",\"kind\":\"function\",\"p\":1",
                "{\"name\":\"<SMILES>\",\"kind\":\"domain\",\"p\":2,\"hidden\":3},{\"name\":\"<QED>\",\"kind\":\"function\",\"p\":1"));
        var e = assertThrows(ModelFormatException.class, () -> TagFile.read(f));
        assertEquals(f + ": tag <SMILES> is listed twice in the tag metadata; a tag file holds one version of each tag", e.getMessage());

        Path g = dir.resolve("twice-other-p.tags.safetensors");
        TagFile.write(sample("fp"), g);
        rewriteMetadata(g, m -> m.replace("\"name\":\"<QED>\"", "\"name\":\"SMILES\""));
        assertEquals(g + ": tag <SMILES> is listed twice in the tag metadata; a tag file holds one version of each tag",
                assertThrows(ModelFormatException.class, () -> TagFile.read(g)).getMessage());

        // a head listed twice with other label shift and scale: one of the two was kept silently
        Path h = dir.resolve("head-twice.tags.safetensors");
        TagFile.write(sample("fp"), h);
        rewriteMetadata(h, m -> m.replace("\"heads\":[", "\"heads\":[{\"tag\":\"<QED>\",\"outputs\":1,\"bias\":true,\"label_shift\":[5],\"label_scale\":[9]},"));
        assertEquals(h + ": the head of <QED> is listed twice in the tag metadata; a tag file holds one head per function tag",
                assertThrows(ModelFormatException.class, () -> TagFile.read(h)).getMessage());
    }
}
