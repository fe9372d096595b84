package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * tags inspect --json listed each head's tag, outputs and bias but not its label shift and scale, which the text form
 * prints and which turn the head's output into label units: a script reading the JSON could not tell a standardised
 * head (shift 0.7, scale 0.2 here) from a raw one.
 */
class TagsInspectJsonTest {
    @Test
    void theJsonGivesEachHeadsLabelShiftAndScale(@TempDir Path dir) throws Exception {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        s.putHead(new RegressionHead("<QED>", 1, 3, new float[]{0.25f, -2, 3}, null, new double[]{0.7}, new double[]{0.2}));
        Path f = dir.resolve("a.tags.safetensors");
        TagFile.write(s, f);
        CliRun r = CliRun.of("tags", "inspect", "--json", f.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode head = new ObjectMapper().readTree(r.out()).path("heads").get(0);
        assertEquals("<QED>", head.path("tag").asText());
        assertEquals(0.7, head.path("label_shift").get(0).asDouble());
        assertEquals(0.2, head.path("label_scale").get(0).asDouble());
        assertTrue(r.out().contains("label_shift") && r.out().contains("label_scale"), r.out());
    }

    /**
     * Each tag's vectors and their width under the names the experiment file and model info give them (tag_length,
     * hidden_size), where the JSON had only the tag file's short p and hidden (still written beside them).
     */
    @Test
    void eachTagsLengthAndWidthAreNamedAsElsewhere(@TempDir Path dir) throws Exception {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<QED>", TagKind.FUNCTION, 2, 3, new float[]{-1, 0.5f, 7, 1, 2, 3}));
        Path f = dir.resolve("a.tags.safetensors");
        TagFile.write(s, f);
        CliRun r = CliRun.of("tags", "inspect", "--json", f.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode tag = new ObjectMapper().readTree(r.out()).path("tags").get(0);
        assertEquals(2, tag.path("tag_length").asInt(-1), tag.toString());
        assertEquals(3, tag.path("hidden_size").asInt(-1), tag.toString());
        assertEquals(2, tag.path("p").asInt(-1), tag.toString());
        assertEquals(3, tag.path("hidden").asInt(-1), tag.toString());
    }

    /** The text form showed a classification task's type and template but not its classes, which name predict's prob_ columns. */
    @Test
    void theTextGivesEachTasksClassesOrLabels(@TempDir Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<BBBP>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        s.tasks().put("bbbp", om.createObjectNode().put("name", "bbbp").put("type", "classification").put("template", "{smiles} <BBBP>"));
        s.tasks().get("bbbp").putArray("classes").add("penetrating").add("not");
        s.tasks().put("tox", om.createObjectNode().put("name", "tox").put("type", "classification").put("template", "{smiles} <BBBP>"));
        s.tasks().get("tox").putArray("labels").add("NR-AR").add("SR-HSE");
        Path f = dir.resolve("c.tags.safetensors");
        TagFile.write(s, f);
        CliRun r = CliRun.of("tags", "inspect", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("    bbbp (classification): {smiles} <BBBP>\n      classes: penetrating, not\n"), r.out());
        assertTrue(r.out().contains("      labels (multi-label): NR-AR, SR-HSE\n"), r.out());
    }

    /**
     * The text's provenance line left out the compute precision a stage trained with, which the JSON gives and which
     * moves results by about a percent: "--json prints what the text shows" was not so.
     */
    @Test
    void theTextGivesEachStagesComputePrecision(@TempDir Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        var prov = om.createObjectNode().put("stage", "s2").put("stage_number", 2).put("examples", 10).put("steps", 3).put("seed", 42)
                .put("compute", "bf16").put("time", "2026-12-07T14:00:00Z").put("tagllm_version", "0.1.0-SNAPSHOT+gabc1234");
        prov.putArray("trained").add("<QED>");
        prov.putArray("data").add("d.csv");
        prov.putObject("hyper").put("lr", 0.005);
        s.provenance().add(prov);
        Path f = dir.resolve("p.tags.safetensors");
        TagFile.write(s, f);
        CliRun r = CliRun.of("tags", "inspect", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("    s2 (stage 2): trained <QED>; 10 examples, 3 steps, seed 42, lr 0.005, bf16 compute, 2026-12-07T14:00:00Z, "
                + "tagllm 0.1.0-SNAPSHOT+gabc1234\n"), r.out());
    }

    /** A bare tagllm_version (before builds recorded their commit) read as if it were the same build as any other of that version. */
    @Test
    void theTextSaysWhenTheWritersCommitWasNotRecorded(@TempDir Path dir) throws Exception {
        Path bare = Path.of(TagsInspectJsonTest.class.getResource("/compat/written-by-ea95926.tags.safetensors").toURI());
        CliRun r = CliRun.of("tags", "inspect", bare.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("  written by  tagllm 0.1.0-SNAPSHOT (its git commit was not recorded)\n"), r.out());
        assertEquals("tagllm 0.1.0-SNAPSHOT+g1a2b3c4", TagsCommand.Inspect.writtenByLine("0.1.0-SNAPSHOT+g1a2b3c4"));
        assertEquals("tagllm 0.1.0-SNAPSHOT+g1a2b3c4.dirty", TagsCommand.Inspect.writtenByLine("0.1.0-SNAPSHOT+g1a2b3c4.dirty"));
        assertEquals("tagllm (not recorded: a file from before 7 Dec 2026)", TagsCommand.Inspect.writtenByLine(null));
        // the JSON keeps the string as recorded
        CliRun j = CliRun.of("tags", "inspect", "--json", bare.toString());
        assertEquals("0.1.0-SNAPSHOT", new ObjectMapper().readTree(j.out()).path("tagllm_version").asText());
    }

    /** A tag file from a build before ee0ca2d recorded hyper by the Java names (maxSteps): --json gives them as the file sets them. */
    @Test
    void theJsonNamesAnOldFilesHyperParametersInSnakeCase(@TempDir Path dir) throws Exception {
        ObjectMapper om = new ObjectMapper();
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        var prov = om.createObjectNode().put("stage", "s2").put("stage_number", 2);
        // what the tag files' provenance held before: Jackson's serialisation of the record
        prov.set("hyper", om.valueToTree(tagllm.train.Hyper.paper().toBuilder().maxSteps(40).build()));
        s.provenance().add(prov);
        Path f = dir.resolve("old.tags.safetensors");
        TagFile.write(s, f);
        CliRun j = CliRun.of("tags", "inspect", "--json", f.toString());
        assertEquals(0, j.exit(), j.err());
        var hyper = om.readTree(j.out()).path("provenance").get(0).path("hyper");
        assertEquals(40, hyper.path("max_steps").asInt(), hyper.toString());
        assertEquals(0.03, hyper.path("warmup_ratio").asDouble(), hyper.toString());
        hyper.fieldNames().forEachRemaining(k -> assertFalse(k.matches(".*[a-z][A-Z].*"), "camelCase key " + k + " in " + hyper));
    }
}
