package tagllm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.Model;
import tagllm.tag.TagFile;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** predict writes one output row per input row: a value, or an empty one with the reason; --truncate; --strict. */
class PredictNoRowLostTest {
    @TempDir
    static Path dir;
    static Path tags;
    static Path input;

    @BeforeAll
    static void files() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = tagllm.testutil.QedTags.of(m, true);
        tags = dir.resolve("qed.tags.safetensors");
        TagFile.write(s, tags);
        input = dir.resolve("in.csv");
        // line 3: an extra field; line 4: not a SMILES; line 5: far longer than the model's 512 positions
        Files.writeString(input, "id,smiles\n1,CCO\n2,CC,extra\n3,notasmiles((\n4," + "C".repeat(3000) + "\n5,c1ccccc1O\n");
    }

    private static CliRun predict(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("predict", "--model", Shared.model("stories260K").toString(), "--tags",
                tags.toString(), "--task", "QED", "--input", input.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void everyRowHasItsOutputRowWithTheReason() throws Exception {
        Path out = dir.resolve("p.csv");
        CliRun r = predict("-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("id,smiles,prediction,error", lines.get(0));
        assertEquals(6, lines.size(), lines.toString());
        assertTrue(lines.get(1).matches("1,CCO,-?[0-9.e-]+,"), lines.get(1));
        // the refused row shows what could be read of it (its fields by position), so that it can be found; no value
        assertEquals("2,CC,,\"line 3: expected 2 fields as in the header, got 3\"", lines.get(2));
        assertTrue(lines.get(3).startsWith("3,notasmiles((,,line 4: smiles: invalid SMILES 'notasmiles(('"), lines.get(3));
        assertTrue(lines.get(4).contains(",,\"line 5: too long:") && lines.get(4).contains("the limit is"), lines.get(4).substring(3000));
        assertTrue(lines.get(5).matches("5,c1ccccc1O,-?[0-9.e-]+,"), lines.get(5));
        assertTrue(r.err().contains("5 rows, 2 predicted, 3 with an error"), r.err());
    }

    /**
     * Every failed row's error reads {@code line N: REASON}, N its line in the file: the reader's refusals had that
     * form and every other reason (invalid SMILES, too long, a non-finite output) had none, so a user parsing or
     * filtering the column met two. A note on a predicted row (none here) keeps its own words. The lines are counted
     * by hand: the header is line 1, a record spanning two lines takes lines 2-3, a blank line 6 is no row.
     */
    @Test
    void everyFailedRowsErrorBeginsWithItsLine() throws Exception {
        Path in = dir.resolve("lines.csv");
        Files.writeString(in, "id,smiles\n\"a\nb\",CCO\n2,CC,extra\n3," + "C".repeat(3000) + "\n\n4,notasmiles((\n5,CCN\n");
        CliRun r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString());
        assertEquals(0, r.exit(), r.err());
        List<org.apache.commons.csv.CSVRecord> rows;
        try (var p = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new java.io.StringReader(r.out()))) {
            rows = p.getRecords();
        }
        assertEquals(5, rows.size(), r.out());
        assertEquals("", rows.get(0).get("error"));
        assertEquals("line 4: expected 2 fields as in the header, got 3", rows.get(1).get("error"));
        assertTrue(rows.get(2).get("error").startsWith("line 5: too long: "), rows.get(2).get("error"));
        assertTrue(rows.get(3).get("error").startsWith("line 7: smiles: invalid SMILES 'notasmiles(('"), rows.get(3).get("error"));
        assertEquals("", rows.get(4).get("error"));
        assertTrue(r.err().contains("5 rows, 2 predicted, 3 with an error"), r.err());
    }

    /**
     * --truncate does not cut a SMILES: a prefix of one is another molecule (or none: "c1ccc" opens a ring it never
     * closes), and it was cut anyway ("truncated: kept 168 of 3000 characters of 'smiles'", a prediction for a
     * molecule the user never gave), while a SMILES over the check's 10,000 characters was refused before --truncate
     * was looked at, its error not saying why --truncate did nothing. Both rows now keep their error, saying why.
     */
    @Test
    void truncateDoesNotCutASmilesAndSaysWhy() throws Exception {
        Path in = dir.resolve("long_smiles.csv");
        Files.writeString(in, "id,smiles\n1,CCO\n2," + "C".repeat(3000) + "\n3,c1ccccc1" + "C".repeat(12_000) + "\n4,CCN\n");
        CliRun r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(),
                "--task", "QED", "--input", in.toString(), "--truncate");
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals(5, lines.length, r.out());
        assertTrue(lines[1].matches("1,CCO,-?[0-9.e-]+,"), lines[1]);
        assertTrue(lines[4].matches("4,CCN,-?[0-9.e-]+,"), lines[4]);
        String tooLong = lines[2].substring(3000 + 2);
        // (quoted: the reason holds commas)
        assertTrue(tooLong.matches(",,\"line 3: too long: [0-9]+ positions, the limit is 512 \\(the model's context\\); --truncate does not"
                + " cut a SMILES \\('smiles', 3000 characters\\): a cut SMILES is another molecule, or none\""), tooLong);
        String overCheck = lines[3].substring(12_008 + 2);
        assertTrue(overCheck.startsWith(",,\"line 4: smiles: invalid SMILES '") && overCheck.endsWith("longer than 10000 characters;"
                + " --truncate does not cut a SMILES ('smiles', 12008 characters): a cut SMILES is another molecule, or none\""), overCheck);
        assertTrue(r.err().contains("4 rows, 2 predicted, 2 with an error"), r.err());
    }

    @Test
    void anInputThatHasThePredictionAndErrorColumnsGetsThemReplacedWithANote() throws Exception {
        // a file that went through predict before: its old values give way to this run's, each header once
        Path again = dir.resolve("again.csv");
        Files.writeString(again, "error,smiles,prediction,id\nold reason,CCO,9.5,1\n,notasmiles((,8.5,2\n");
        Path first = dir.resolve("first.csv"), out = dir.resolve("again_out.csv");
        Files.writeString(first, "smiles\nCCO\n");
        String model = Shared.model("stories260K").toString();
        CliRun base = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", first.toString(),
                "-o", dir.resolve("first_out.csv").toString());
        assertEquals(0, base.exit(), base.err());
        String cco = Files.readAllLines(dir.resolve("first_out.csv")).get(1).split(",")[1];
        CliRun r = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", again.toString(),
                "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(out);
        // (Commons CSV quotes an empty first field, so that no line is blank)
        assertEquals(List.of("error,smiles,prediction,id", "\"\",CCO," + cco + ",1",
                "line 3: smiles: invalid SMILES 'notasmiles((': unexpected character 't' (at character 3),notasmiles((,,2"), lines);
        assertTrue(r.err().contains("note: the input's columns 'prediction', 'error' are replaced in " + out + " by this run's values ("
                + again + " keeps its own)"), r.err());
        assertFalse(base.err().contains("note:"), base.err());
        // JSON lines keep one key per name too
        CliRun j = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", again.toString(),
                "--output-format", "jsonl");
        assertEquals(0, j.exit(), j.err());
        String firstLine = j.out().split("\n")[0];
        assertEquals(1, firstLine.split("\"prediction\"", -1).length - 1, firstLine);
        // a row without a prediction has null there, not "" (a string in a numeric column)
        var second = new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out().split("\n")[1]);
        assertTrue(second.get("prediction").isNull(), j.out());
        assertTrue(j.err().contains("replaced in the output"), j.err());
    }

    /**
     * A header without the column the prompt reads is the file's error, said once with exit 1 and nothing written
     * (every row used to get "missing column 'smiles'" and the run exited 0 with nothing predicted); a --column
     * mapping for a placeholder the template lacks, and --label, which predict never reads, are refused too.
     */
    @Test
    void aHeaderWithoutThePromptsColumnIsAFileError() throws Exception {
        Path in = Files.writeString(dir.resolve("smile.csv"), "smile,qed\nCCO,0.4\nCCN,0.3\n");
        Path out = dir.resolve("smile-out.csv");
        CliRun r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "-o", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(in + ":1: missing column 'smiles', which task QED's prompt reads (the file has: smile, qed)"), r.err());
        assertFalse(Files.exists(out));
        // mapped to the column it is in, the same file predicts every row
        CliRun mapped = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--column", "smiles=smile", "-o", out.toString());
        assertEquals(0, mapped.exit(), mapped.err());
        assertTrue(mapped.err().contains("2 rows, 2 predicted"), mapped.err());
        CliRun unknown = predict("--column", "foo=smiles");
        assertEquals(2, unknown.exit(), unknown.err()); // a usage error: the command line names it
        assertTrue(unknown.err().contains("Usage: tagllm predict"), unknown.err());
        assertTrue(unknown.err().contains("--column foo=smiles: task QED's template has no placeholder 'foo'"), unknown.err());
        CliRun label = predict("--label", "qed");
        assertEquals(2, label.exit(), label.err()); // a usage error
        assertTrue(label.err().contains("predict reads no labels"), label.err());
    }

    /**
     * A --column mapping (or eval's --label) that points the prompt's input at the task's label column would put the
     * answer in the prompt (eval scored the label text against itself): refused, naming the mapping, as the experiment
     * reader refuses such a template; mapped elsewhere the same file is scored.
     */
    @Test
    void aMappingOntoTheLabelColumnIsRefused() throws Exception {
        Path in = Files.writeString(dir.resolve("labelled.csv"), "smiles,qed\nCCO,0.4\nCCN,0.3\n");
        String model = Shared.model("stories260K").toString();
        CliRun p = CliRun.of("predict", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "smiles=qed");
        assertEquals(2, p.exit(), p.err()); // usage errors: the options given make the prompt read the label
        assertTrue(p.err().contains("--column smiles=qed: task QED's placeholder 'smiles' would read the label column 'qed' as an input"), p.err());
        CliRun e = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--column", "smiles=qed");
        assertEquals(2, e.exit(), e.err());
        assertTrue(e.err().contains("--column smiles=qed: task QED's placeholder 'smiles' would read the label column 'qed'"), e.err());
        CliRun viaLabel = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString(),
                "--label", "smiles");
        assertEquals(2, viaLabel.exit(), viaLabel.err());
        assertTrue(viaLabel.err().contains("--label smiles: task QED's placeholder 'smiles' would read the label column 'smiles'"), viaLabel.err());
        CliRun fine = CliRun.of("eval", "--model", model, "--tags", tags.toString(), "--task", "QED", "--input", in.toString());
        assertEquals(0, fine.exit(), fine.err());
    }

    /**
     * A multi-label row whose every label is below 0.5 is predicted (no label), not failed: the summary counted such
     * rows "with an error" though their error column was empty.
     */
    @Test
    void aMultiLabelRowWithNoLabelIsAPredictionNotAnError() throws Exception {
        Model m = Model.load(Shared.model("stories260K"));
        TagSet s = new TagSet(m.name(), m.fingerprint());
        float[] init = TagInit.initialVector(m.weights().embedTokens());
        s.put(TagInit.newTag("<SMILES>", TagKind.DOMAIN, 2, init));
        s.put(TagInit.newTag("<Tox>", TagKind.FUNCTION, 1, init));
        var task = tagllm.task.TaskSpec.fromJson("tox", (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"type\": \"classification\", \"template\": \"The molecule <SMILES> {smiles} is toxic in <Tox>\", "
                        + "\"tags\": {\"Tox\": \"function\"}, \"labels\": [\"NR-AR\", \"SR-HSE\"]}"), "test");
        s.tasks().put("tox", task.toJson());
        int d = m.config().hiddenSize();
        RegressionHead h = RegressionHead.initial(task.headKey(), 2, new float[d], true, null, null);
        java.util.Arrays.fill(h.bias(), -10f); // zero weights: every label's probability is sigmoid(-10), none reaches 0.5
        s.putHead(h);
        Path f = dir.resolve("tox.tags.safetensors");
        TagFile.write(s, f);
        Path in = Files.writeString(dir.resolve("tox.csv"), "smiles\nCCO\nc1ccccc1O\n");
        CliRun r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", f.toString(), "--task", "tox",
                "--input", in.toString(), "-o", dir.resolve("tox-out.csv").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("2 rows, 2 predicted, 0 with an error"), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("tox-out.csv"));
        assertTrue(lines.get(1).startsWith("CCO,") && lines.get(1).endsWith(",,"), lines.get(1)); // probabilities, no label, no error
    }

    /** JSONL in, JSONL out: the input's numbers, booleans and objects come back as such (they came back as strings). */
    @Test
    void jsonLinesInputKeepsItsJsonTypes() throws Exception {
        Path in = Files.writeString(dir.resolve("typed.jsonl"), "{\"id\":7,\"smiles\":\"CCO\",\"meta\":{\"batch\":[1,2]},\"ok\":false}\n"
                + "{\"id\":8,\"smiles\":\"notasmiles((\",\"prediction\":0.5}\n");
        CliRun j = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "QED",
                "--input", in.toString(), "--output-format", "jsonl");
        assertEquals(0, j.exit(), j.err());
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        String[] lines = j.out().split("\n");
        var a = om.readTree(lines[0]);
        assertEquals(om.readTree("{\"batch\":[1,2]}"), a.get("meta"), lines[0]);
        assertTrue(a.get("id").isIntegralNumber() && a.get("id").asInt() == 7 && a.get("ok").isBoolean(), lines[0]);
        assertTrue(a.get("prediction").isNumber() && a.get("smiles").isTextual(), lines[0]);
        assertTrue(a.get("error").isNull(), "a row with its prediction has no error: null, not \"\": " + lines[0]);
        // the input's own prediction (a number) gives way to this run's: none, so null
        var b = om.readTree(lines[1]);
        assertTrue(b.get("id").isIntegralNumber() && b.get("prediction").isNull() && b.get("error").asText().contains("invalid SMILES"), lines[1]);
        // the keys the second object lacks: null, not "" (a value it never had)
        assertTrue(b.get("meta").isNull() && b.get("ok").isNull(), lines[1]);
    }

    @Test
    void strictStopsAtTheFirstBadRowAndWritesNothing() {
        Path out = dir.resolve("strict.csv");
        CliRun r = predict("--strict", "-o", out.toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains(":3:") && r.err().contains("expected 2 fields"), r.err());
        assertFalse(Files.exists(out));
    }

    /**
     * predict to standard output keeps the table in a temporary file until it is complete; that file is unlinked as it
     * is opened, so a run killed outright (kill -9) leaves nothing in the temporary folder (it used to rely on
     * deleteOnExit, which a killed JVM never runs).
     */
    @Test
    void aKilledPredictToStandardOutputLeavesNoTemporaryFile(@TempDir Path tmp) throws Exception {
        Path fifo = tmp.resolve("rows.csv");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo is not available here");
        Path scratch = Files.createDirectory(tmp.resolve("scratch"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "--add-modules", "jdk.incubator.vector", "-D" + Relaunch.MARKER + "=true", "-Djava.io.tmpdir=" + scratch,
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "predict", "--model",
                Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "QED", "--input", fifo.toString(), "--quiet");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var w = Files.newBufferedWriter(fifo)) { // opens once predict reads its input: the spool exists by then
            w.write("id,smiles\n1,CCO\n");
            w.flush();
            try (var left = Files.list(scratch)) {
                assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("tagllm-predict-")).toList(),
                        "the table's temporary file is unlinked while predict runs");
            }
            p.destroyForcibly().waitFor();
        } catch (java.io.IOException brokenPipe) {
            // the killed reader closed the pipe under the writer's close
        } finally {
            p.destroyForcibly();
        }
        try (var left = Files.list(scratch)) {
            assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith("tagllm-predict-")).toList());
        }
    }
}
