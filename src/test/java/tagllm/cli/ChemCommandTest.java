package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.task.LabelText;
import tagllm.chem.ProteinDescriptors;
import tagllm.util.PythonFloat;
import tagllm.chem.Qed;
import tagllm.testutil.CliRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chem and data-build commands end to end on small files. */
class ChemCommandTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void qedAddsAColumnKeepsTheOthersAndReportsBadRows() throws IOException {
        Path in = write("mols.csv", "id,smiles,split\na,CC(=O)Oc1ccccc1C(=O)O,train\nb,C1CC,valid\n\"c,d\",c1ccccc1O,test\n");
        Path outFile = dir.resolve("out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--column", "smiles", "--output", outFile.toString(), "--threads", "2");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(outFile);
        // every input row has its output row: the bad one with an empty qed and the reason
        assertEquals(List.of("id,smiles,split,qed,error",
                "a,CC(=O)Oc1ccccc1C(=O)O,train," + PythonFloat.repr(Qed.qed("CC(=O)Oc1ccccc1C(=O)O").qed()) + ",",
                "b,C1CC,valid,,\"line 3: invalid SMILES 'C1CC': Unclosed ring detected, SMILES may be truncated (at character 4)\"",
                "\"c,d\",c1ccccc1O,test," + PythonFloat.repr(Qed.qed("c1ccccc1O").qed()) + ","), lines);
        assertTrue(r.err().contains(in + ":3:") && r.err().contains("'C1CC'"), r.err());
        assertTrue(r.err().contains("3 rows, 2 labelled, 1 with an error"), r.err());
    }

    /**
     * docs/data-and-metrics.md: the first 5 reasons are printed (the output's error column has them all). chem printed
     * up to 1,000 lines, one per bad row, where predict prints 5.
     */
    @Test
    void stderrListsTheFirstFiveBadRowsAndTheOutputKeepsEveryReason() throws IOException {
        StringBuilder csv = new StringBuilder("smiles\n");
        for (int i = 0; i < 7; i++) csv.append("C1CC").append(i + 2).append('\n');
        csv.append("CCO\n");
        Path in = write("bad.csv", csv.toString());
        Path outFile = dir.resolve("bad-out.csv");
        CliRun r = CliRun.of("chem", "qed", "-q", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> listed = r.err().lines().filter(l -> l.startsWith("  " + in + ":")).toList();
        assertEquals(List.of(2, 3, 4, 5, 6).stream().map(n -> "  " + in + ":" + n + ": invalid SMILES 'C1CC" + n + "'").toList(),
                listed.stream().map(l -> l.substring(0, l.indexOf("'", l.indexOf("'") + 1) + 1)).toList(), r.err());
        assertTrue(r.err().contains("7 rows not labelled, kept in the output with the reason in the 'error' column (first 5 shown):"), r.err());
        List<String> lines = Files.readAllLines(outFile);
        assertEquals(9, lines.size());
        assertEquals(7, lines.stream().filter(l -> l.contains("invalid SMILES")).count(), "every reason in the output");
    }

    /**
     * JSONL in, JSONL out: every key any object has is kept (the first object's keys used to decide), an object without
     * the SMILES key gets its error in its place (the file used to be refused for its first object), and a .jsonl
     * output holds JSON lines (it held CSV), as .tsv holds TSV.
     */
    @Test
    void jsonLinesKeepEveryKeyAndTheOutputFollowsItsExtension() throws IOException {
        Path in = write("k.jsonl", "{\"id\":1}\n{\"smiles\":\"CCO\"}\n{\"smiles\":\"CC\",\"name\":\"ethane\"}\n");
        Path out = dir.resolve("k-out.jsonl");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--column", "smiles", "--output", out.toString());
        assertEquals(0, r.exit(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        var first = json.readTree(lines.get(0));
        assertEquals("1", first.get("id").asText());
        assertTrue(first.get("error").asText().contains("missing column 'smiles'"), lines.get(0));
        assertTrue(first.get("qed").isNull(), "no value: null, as predict's JSONL has it: " + lines.get(0));
        assertEquals(Qed.qed("CCO").qed(), json.readTree(lines.get(1)).get("qed").asDouble(), 0);
        var third = json.readTree(lines.get(2));
        assertEquals("ethane", third.get("name").asText());
        assertEquals(Qed.qed("CC").qed(), third.get("qed").asDouble(), 0);
        assertTrue(third.get("qed").isNumber() && third.get("error").isNull(), lines.get(2));

        Path tsv = dir.resolve("k-out.tsv");
        assertEquals(0, CliRun.of("chem", "qed", "--input", in.toString(), "--column", "smiles", "--output", tsv.toString()).exit());
        List<String> t = Files.readAllLines(tsv);
        assertEquals("id\tsmiles\tname\tqed\terror", t.get(0));
        // TSV has no quoting: an empty first field is empty (Commons CSV's "" was read back by tagllm as two quotes)
        assertEquals("\tCC\tethane\t" + PythonFloat.repr(Qed.qed("CC").qed()) + "\t", t.get(3));
    }

    /**
     * A JSON number is carried through as it was written: the reader's BigDecimal dropped trailing zeros and the sign
     * of zero and rewrote exponents (1.0 came out as 1, -0.0 as 0, 1e2 as 1E+2), so a CSV of a JSONL input did not
     * hold the input's text and Python read the JSONL's 1.0 back as the int 1. Expected by hand: the input's text.
     */
    @Test
    void jsonNumbersKeepTheirText() throws IOException {
        Path in = write("nums.jsonl", "{\"smiles\":\"CCO\",\"a\":1.0,\"b\":-0.0,\"c\":1e2,\"d\":[1.0,2.50],\"e\":-0}\n");
        Path csv = dir.resolve("nums-out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", csv.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readAllLines(csv).get(1).startsWith("CCO,1.0,-0.0,1e2,\"[1.0,2.50]\",-0,"), Files.readString(csv));
        Path jsonl = dir.resolve("nums-out.jsonl");
        r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", jsonl.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readAllLines(jsonl).get(0).startsWith("{\"smiles\":\"CCO\",\"a\":1.0,\"b\":-0.0,\"c\":1e2,\"d\":[1.0,2.50],\"e\":-0,"),
                Files.readString(jsonl));
    }

    /**
     * JSONL in, JSONL out: the input's values keep their JSON types (a number stayed a number only as text, "7", and a
     * nested object became an escaped string); a string that reads as a number stays a string.
     */
    @Test
    void jsonLinesValuesKeepTheirJsonTypes() throws IOException {
        String first = "{\"id\":7,\"code\":\"007\",\"smiles\":\"CCO\",\"ok\":true,\"assay\":{\"ic50\":[1.5,2]},"
                + "\"big\":1E+400,\"exact\":0.1000000000000000055511151231257827}";
        Path in = write("types.jsonl", first + "\n{\"id\":8,\"smiles\":\"C1CC\",\"qed\":3}\n");
        Path out = dir.resolve("types-out.jsonl");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(out);
        var json = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
        var a = json.readTree(lines.get(0));
        var given = json.readTree(first);
        for (String k : List.of("id", "code", "smiles", "ok", "assay", "big", "exact")) assertEquals(given.get(k), a.get(k), k + ": " + lines.get(0));
        assertTrue(a.get("id").isIntegralNumber() && a.get("code").isTextual() && a.get("ok").isBoolean() && a.get("assay").isObject(), lines.get(0));
        assertEquals(Qed.qed("CCO").qed(), a.get("qed").asDouble(), 0);
        // the input's own qed (a number) is replaced by this run's: null, as the row has no value
        var b = json.readTree(lines.get(1));
        assertEquals(8, b.get("id").asInt());
        assertTrue(b.get("qed").isNull() && b.get("error").asText().contains("C1CC"), lines.get(1));
        // keys the second object lacks have no value there: null, not the string "" (a value it never had)
        for (String k : List.of("code", "ok", "assay", "big", "exact")) assertTrue(b.get(k).isNull(), k + ": " + lines.get(1));
        // CSV and TSV write the JSON text; a key a row lacks is an empty field
        Path csv = dir.resolve("types-out.csv");
        assertEquals(0, CliRun.of("chem", "qed", "--input", in.toString(), "--output", csv.toString()).exit());
        assertTrue(Files.readAllLines(csv).get(1).startsWith("7,007,CCO,true,\"{\"\"assay\"\"".replace("assay", "ic50")), Files.readAllLines(csv).get(1));
        assertTrue(Files.readAllLines(csv).get(2).startsWith("8,,C1CC,,,,,"), Files.readAllLines(csv).get(2));
    }

    /**
     * JSON Lines from a pipe (--input /dev/stdin, a named pipe) are labelled: the two reading passes (the file's keys,
     * then the rows) found the pipe drained on the second and said "empty file: expected JSON objects".
     */
    @Test
    void jsonLinesFromAPipeAreReadOnce() throws Exception {
        Path fifo = dir.resolve("in.pipe");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo is not available here");
        String content = "{\"id\":1,\"smiles\":\"CCO\"}\nnot json\n{\"smiles\":\"c1ccccc1O\",\"name\":\"phenol\"}\n";
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                Files.writeString(fifo, content);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path out = dir.resolve("pipe-out.jsonl");
        CliRun r;
        try {
            // (the old second pass waited forever for another writer of the named pipe)
            r = CliRun.withDeadline(java.time.Duration.ofSeconds(60), "chem", "qed", "--input", fifo.toString(), "--format", "jsonl",
                    "--output", out.toString());
        } finally {
            // a reader still waiting is let go (a daemon: it waits for nothing once the command is done)
            Thread.ofPlatform().daemon().start(() -> {
                try (var release = Files.newOutputStream(fifo)) {
                    release.flush();
                } catch (IOException ignored) {
                    // the test's own assertion says what went wrong
                }
            });
        }
        writer.join(10_000);
        assertEquals(0, r.exit(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(Qed.qed("CCO").qed(), json.readTree(lines.get(0)).get("qed").asDouble(), 0);
        assertTrue(json.readTree(lines.get(1)).get("error").asText().startsWith("line 2: invalid JSON"), lines.get(1));
        var third = json.readTree(lines.get(2));
        assertEquals("phenol", third.get("name").asText());
        assertEquals(Qed.qed("c1ccccc1O").qed(), third.get("qed").asDouble(), 0);
        assertTrue(r.err().contains("3 rows, 2 labelled, 1 with an error"), r.err());
    }

    @Test
    void noRowIsLostUnreadableRowsAndHugeMoleculesKeepTheirPlace() throws IOException {
        // line 3 has too many fields; line 4 is empty; line 5 is RDKit-invalid (CsvLabelerTest: a stack overflow)
        Path in = write("mols.csv", "id,smiles\n1,CCO\n2,CC,extra\n3,\n4,C(=)C\n5,c1ccccc1O\n");
        Path outFile = dir.resolve("out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", outFile.toString(), "--threads", "2");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(outFile);
        assertEquals(6, lines.size(), "a header and one line per input row: " + lines);
        assertTrue(lines.get(1).startsWith("1,CCO,0."), lines.get(1));
        // the refused row shows what could be read of it (its fields by position), so that it can be found; no value
        assertEquals("2,CC,,\"line 3: expected 2 fields as in the header, got 3\"", lines.get(2));
        assertTrue(lines.get(3).startsWith("3,,,") && lines.get(3).contains("empty"), lines.get(3));
        assertTrue(lines.get(4).startsWith("4,C(=)C,,") && lines.get(4).contains("bond with no atom after it"), lines.get(4));
        assertTrue(lines.get(5).startsWith("5,c1ccccc1O,0."), lines.get(5));
        assertTrue(r.err().contains("5 rows, 2 labelled, 3 with an error"), r.err());
    }

    @Test
    void strictStopsAtTheBadRowAndWritesNothing() throws IOException {
        Path in = write("mols.csv", "smiles\nCCO\nC1CC\n");
        Path outFile = dir.resolve("out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", outFile.toString(), "--strict");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(in + ":3:") && r.err().contains("C1CC"), r.err());
        assertFalse(Files.exists(outFile));
    }

    @Test
    void aMissingColumnIsNamedWithTheColumnsThereAre() throws IOException {
        Path in = write("mols.csv", "id,smi\n1,CCO\n");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", dir.resolve("o.csv").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no column 'smiles'") && r.err().contains("id, smi"), r.err());
    }

    @Test
    void anExistingQedColumnIsReplacedAndPropertiesCanBeAdded() throws IOException {
        Path in = write("mols.csv", "smiles,qed\nCCO,0.5\n");
        Path outFile = dir.resolve("out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", outFile.toString(), "--properties");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(outFile);
        assertEquals("smiles,qed,mw,alogp,hba,hbd,psa,rotb,arom,alerts,error", lines.get(0));
        var q = Qed.qed("CCO");
        assertTrue(lines.get(1).startsWith("CCO," + PythonFloat.repr(q.qed()) + "," + PythonFloat.repr(q.properties().mw()) + ","), lines.get(1));
        // the input's 0.5 is not in the output: the run says so rather than dropping it silently
        assertTrue(r.err().contains("note: the input's column 'qed' is replaced in " + outFile + " by this run's values (" + in
                + " keeps its own)"), r.err());
    }

    @Test
    void anInputErrorColumnIsReplacedAndNamed() throws IOException {
        Path in = write("mols.csv", "smiles,error,qed\nCCO,old reason,0.5\nC1CC,,0.1\n");
        Path outFile = dir.resolve("out.csv");
        CliRun r = CliRun.of("chem", "qed", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(outFile);
        assertEquals("smiles,error,qed", lines.get(0));
        assertEquals("CCO,," + PythonFloat.repr(Qed.qed("CCO").qed()), lines.get(1));
        assertTrue(lines.get(2).startsWith("C1CC,\"line 3: invalid SMILES 'C1CC'"), lines.get(2));
        assertTrue(r.err().contains("note: the input's columns 'qed', 'error' are replaced in " + outFile), r.err());
        // a file without those columns gets no note
        Path plain = write("plain.csv", "smiles\nCCO\n");
        CliRun p = CliRun.of("chem", "qed", "--input", plain.toString(), "--output", dir.resolve("plain_out.csv").toString());
        assertEquals(0, p.exit(), p.err());
        assertFalse(p.err().contains("note:"), p.err());
    }

    /**
     * SMILES given as arguments: every one gets a line in order, a bad one with an empty qed and the reason in the
     * 'error' column as --input gives it (the bad argument had no line at all, so the lines no longer matched the
     * arguments); the exit code says one failed, after all ran.
     */
    @Test
    void smilesOnTheCommandLine() {
        CliRun r = CliRun.of("chem", "qed", "CCO", "C1CC", "C");
        assertEquals(1, r.exit(), "one argument was invalid");
        String[] lines = r.out().replace("\r\n", "\n").split("\n");
        assertEquals(4, lines.length, r.out());
        assertEquals("qed\tsmiles\terror", lines[0]);
        assertEquals(PythonFloat.repr(Qed.qed("CCO").qed()) + "\tCCO\t", lines[1]);
        assertTrue(lines[2].startsWith("\tC1CC\tinvalid SMILES 'C1CC'"), lines[2]);
        assertEquals(PythonFloat.repr(Qed.qed("C").qed()) + "\tC\t", lines[3]);
        assertTrue(r.err().contains("1 of 3 could not be labelled"), r.err());
        // canonical as well: its --input columns (canonical_smiles, error) beside the argument
        CliRun c = CliRun.of("chem", "canonical", "OCC", "C(O)C");
        assertEquals(0, c.exit(), c.err());
        lines = c.out().replace("\r\n", "\n").split("\n");
        assertEquals(List.of("canonical_smiles\tsmiles\terror", "CCO\tOCC\t", "CCO\tC(O)C\t"), List.of(lines));
        CliRun p = CliRun.of("chem", "qed", "--properties", "C1CC");
        assertEquals(1, p.exit());
        assertTrue(p.out().contains("\n\t\t\t\t\t\t\t\t\tC1CC\tinvalid SMILES"), "nine empty cells: " + p.out());
        CliRun neither = CliRun.of("chem", "qed");
        assertEquals(2, neither.exit(), "neither SMILES nor --input: a usage error");
        assertTrue(neither.err().contains("give both --input and --output, or values on the command line"), neither.err());
    }

    @Test
    void descriptorsOfAFastaFile() throws IOException {
        Path in = write("p.fasta", ">p1 first protein\nMKWF\nGGA\n>p2\nKLKLLLLLKLK\n");
        Path outFile = dir.resolve("p.csv");
        CliRun r = CliRun.of("chem", "descriptors", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(outFile);
        assertEquals("id,description,sequence,blosum1,molecular_weight,aromaticity,instability_index,isoelectric_point,gravy,nonstandard,error",
                lines.get(0));
        assertTrue(lines.get(1).startsWith("p1,first protein,MKWFGGA," + PythonFloat.repr(ProteinDescriptors.blosum1("MKWFGGA")) + ","));
        assertTrue(lines.get(2).startsWith("p2,,KLKLLLLLKLK," + PythonFloat.repr(ProteinDescriptors.blosum1("KLKLLLLLKLK")) + ","));
    }

    /** " MKV " (a CSV cell with spaces) got BLOSUM1 over 5 characters and 2 non-standard residues; data build strips it. */
    @Test
    void descriptorsOfASequenceWithSpacesAroundItAreThoseOfTheSequence() throws IOException {
        Path in = write("p.csv", "id,sequence\na,\" MKV \"\n");
        Path outFile = dir.resolve("pd.csv");
        CliRun r = CliRun.of("chem", "descriptors", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        String row = Files.readAllLines(outFile).get(1);
        assertTrue(row.contains("," + PythonFloat.repr(ProteinDescriptors.blosum1("MKV")) + ","), row);
        assertTrue(row.endsWith(",0,"), "no non-standard residue: " + row);
    }

    @Test
    void dataBuildQedWritesThePapersColumnsAndSkipsLongDuplicateAndBadInputs() throws IOException {
        String longSmiles = "C".repeat(30);
        // line 7 has a field too many: read and refused, it counts among the rows read (it used to be left out of them)
        Path in = write("mols.csv", "smiles,split\nCCO,train\n" + longSmiles + ",train\nCCO,valid\nC1CC,test\nc1ccccc1,test\nCCN,test,x\n");
        Path outFile = dir.resolve("qed.csv");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", outFile.toString(), "--max-length", "20");
        assertEquals(0, r.exit(), r.err());
        double ethanol = Qed.qed("CCO").qed(), benzene = Qed.qed("c1ccccc1").qed();
        assertEquals(List.of("input,label,label_text,split",
                "CCO," + PythonFloat.repr(ethanol) + "," + LabelText.format(ethanol) + ",train",
                "c1ccccc1," + PythonFloat.repr(benzene) + "," + LabelText.format(benzene) + ",test"), Files.readAllLines(outFile));
        // 6 read = 2 written + 1 too long + 1 duplicate + 2 invalid
        assertTrue(r.err().contains("6 rows read, 2 written") && r.err().contains("1 longer than 20 characters")
                && r.err().contains("1 duplicate,") && r.err().contains("2 invalid"), r.err());
        assertTrue(r.err().contains(in + ":5:"), r.err());
    }

    /** One row, one thread, one duplicate: each count with its noun in the singular ("1 rows" before). */
    @Test
    void oneOfAThingIsSaidInTheSingular() throws IOException {
        Path in = write("one.csv", "smiles\nCCO\n");
        CliRun chem = CliRun.of("chem", "qed", "-q", "--threads", "1", "--input", in.toString(), "--output", dir.resolve("one-out.csv").toString());
        assertEquals(0, chem.exit(), chem.err());
        assertTrue(chem.err().contains(in + ": 1 row, 1 labelled, 0 with an error"), chem.err());
        assertTrue(chem.err().contains("rows/s, 1 thread)"), chem.err());
        Path split = write("one-split.csv", "smiles,split\nCCO,train\nCCO,test\n");
        CliRun build = CliRun.of("data", "build", "qed", "-q", "--input", split.toString(), "--output", dir.resolve("one-build.csv").toString(),
                "--max-length", "1");
        assertEquals(0, build.exit(), build.err());
        assertTrue(build.err().contains(split + ": 2 rows read, 0 written to " + dir.resolve("one-build.csv") + "; skipped 2 longer than 1 character, 0 duplicates, 0 invalid"), build.err());
        CliRun dup = CliRun.of("data", "build", "qed", "-q", "--input", split.toString(), "--output", dir.resolve("one-dup.csv").toString());
        assertEquals(0, dup.exit(), dup.err());
        assertTrue(dup.err().contains("1 duplicate, 0 invalid"), dup.err());
        Path single = write("single.csv", "smiles,split\nCCO,train\n");
        CliRun one = CliRun.of("data", "build", "qed", "-q", "--input", single.toString(), "--output", dir.resolve("single-out.csv").toString());
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.err().contains(single + ": 1 row read, 1 written"), one.err());
    }

    /** A JSONL object without the split key (or with null) is that row's problem; it used to end the whole build. */
    @Test
    void dataBuildFromJsonLinesSkipsAnObjectWithoutASplit() throws IOException {
        Path in = write("mols.jsonl", "{\"smiles\":\"CCO\",\"split\":\"train\"}\n{\"smiles\":\"CCN\"}\n"
                + "{\"smiles\":\"CCC\",\"split\":null}\n{\"smiles\":\"c1ccccc1\",\"split\":\"test\"}\n");
        Path outFile = dir.resolve("qed-j.csv");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        double ethanol = Qed.qed("CCO").qed(), benzene = Qed.qed("c1ccccc1").qed();
        assertEquals(List.of("input,label,label_text,split",
                "CCO," + PythonFloat.repr(ethanol) + "," + LabelText.format(ethanol) + ",train",
                "c1ccccc1," + PythonFloat.repr(benzene) + "," + LabelText.format(benzene) + ",test"), Files.readAllLines(outFile));
        assertTrue(r.err().contains("4 rows read, 2 written") && r.err().contains("2 invalid"), r.err());
        assertTrue(r.err().contains(in + ":2: missing column 'split'") && r.err().contains(in + ":3: missing column 'split'"), r.err());
        CliRun strict = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", dir.resolve("qed-s.csv").toString(), "--strict");
        assertEquals(1, strict.exit(), strict.err());
        assertTrue(strict.err().contains(in + ":2: missing column 'split'"), strict.err());
        assertFalse(Files.exists(dir.resolve("qed-s.csv")));
    }

    @Test
    void dataBuildDescriptorFromFasta() throws IOException {
        Path in = write("p.fa", ">a\nKLKLLLLLKLK\n>b\nMKWF\n");
        Path outFile = dir.resolve("d.csv");
        CliRun r = CliRun.of("data", "build", "descriptor", "--input", in.toString(), "--output", outFile.toString());
        assertEquals(0, r.exit(), r.err());
        double kl = ProteinDescriptors.blosum1("KLKLLLLLKLK");
        List<String> lines = Files.readAllLines(outFile);
        assertEquals("input,label,label_text", lines.get(0));
        assertEquals("KLKLLLLLKLK," + PythonFloat.repr(kl) + ",-0.482", lines.get(1));
        assertEquals(3, lines.size());
    }
}
