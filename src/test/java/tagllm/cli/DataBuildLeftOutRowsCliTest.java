package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code data build} leaves rows out of its training CSV (too long, repeats, invalid): each is named with its file
 * and line and why, on stderr and in the --skipped file; a repeat names the line it repeats. They used to be only
 * counted ("skipped 1 longer than 20 characters, 1 duplicates").
 */
class DataBuildLeftOutRowsCliTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    private static String json(Path file, int line, String reason) {
        return "{\"file\":\"" + file + "\",\"line\":" + line + ",\"reason\":\"" + reason + "\"}";
    }

    private static final String REPEAT = " (the paper de-duplicates; --keep-duplicates keeps repeats)";

    @Test
    void everyRowLeftOutIsNamedWithItsLineAndWhy() throws IOException {
        // kept: lines 2 and 8; left out: 3 too long, 4 repeats 2, 5 invalid SMILES, 6 empty, 7 a field too many,
        // 9 repeats 8
        Path in = write("mols.csv", "smiles,split\nCCO,train\n" + "C".repeat(25) + ",train\nCCO,valid\nC1CC,test\n,test\n"
                + "CCN,test,x\nc1ccccc1,test\nc1ccccc1,train\n");
        Path out = dir.resolve("qed.csv"), skipped = dir.resolve("skipped.jsonl");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--max-length", "20",
                "--skipped", skipped.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        assertEquals(3, Files.readAllLines(out).size());
        List<String> lines = Files.readAllLines(skipped);
        assertEquals(6, lines.size(), String.join("\n", lines));
        assertEquals(json(in, 3, "25 characters, longer than the limit of 20"), lines.get(0));
        assertEquals(json(in, 4, "duplicate of line 2" + REPEAT), lines.get(1));
        assertTrue(lines.get(2).startsWith("{\"file\":\"" + in + "\",\"line\":5,\"reason\":\"invalid SMILES 'C1CC'"), lines.get(2));
        assertEquals(json(in, 6, "column 'smiles' is empty"), lines.get(3));
        assertTrue(lines.get(4).startsWith("{\"file\":\"" + in + "\",\"line\":7,"), lines.get(4));
        assertEquals(json(in, 9, "duplicate of line 8" + REPEAT), lines.get(5));
        String err = r.err();
        assertTrue(err.contains("6 rows left out:\n"), err);
        assertTrue(err.contains("  " + in + ":3: 25 characters, longer than the limit of 20\n"), err);
        assertTrue(err.contains("  " + in + ":4: duplicate of line 2" + REPEAT + "\n"), err);
        assertTrue(err.contains("  " + in + ":9: duplicate of line 8" + REPEAT + "\n"), err);
        assertTrue(err.contains("8 rows read, 2 written"), err);
    }

    @Test
    void aCanonicalRepeatNamesTheLineWrittenAndStrictDoesNotStopAtIt() throws IOException {
        // OCC and C(C)O are ethanol written otherwise: canonical, they repeat line 2; line 5 repeats line 3 as given
        Path in = write("mols.csv", "smiles\nCCO\nOCC\nC(C)O\nOCC\n");
        Path out = dir.resolve("qed.csv"), skipped = dir.resolve("s.jsonl");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--canonical", "--strict",
                "--skipped", skipped.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(json(in, 3, "duplicate of line 2" + REPEAT), json(in, 4, "duplicate of line 2" + REPEAT),
                json(in, 5, "duplicate of line 2" + REPEAT)), Files.readAllLines(skipped));
        assertEquals(2, Files.readAllLines(out).size());
    }

    @Test
    void stderrListsTheFirstThousandAndSaysHowManyMore() throws IOException {
        StringBuilder b = new StringBuilder("smiles\n");
        for (int i = 0; i < 1003; i++) b.append("CC\n"); // lines 2..1004: 1002 repeats of line 2
        Path in = write("many.csv", b.toString());
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", dir.resolve("a.csv").toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("1002 rows left out:\n"), r.err());
        // left out: lines 3..1004; the first 1000 of them are lines 3..1002
        assertTrue(r.err().contains("  " + in + ":1002: duplicate of line 2"), r.err());
        assertFalse(r.err().contains(in + ":1003:"), "only the first 1000 are listed");
        assertTrue(r.err().contains("\n  and 2 more (--skipped FILE lists every one)\n"), r.err());

        Path skipped = dir.resolve("all.jsonl");
        CliRun all = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", dir.resolve("b.csv").toString(), "-q",
                "--skipped", skipped.toString());
        assertEquals(0, all.exit(), all.err());
        List<String> lines = Files.readAllLines(skipped);
        List<String> expected = new ArrayList<>();
        for (int line = 3; line <= 1004; line++) expected.add(json(in, line, "duplicate of line 2" + REPEAT));
        assertEquals(expected, lines);
        assertTrue(all.err().contains("and 2 more (every one is in " + skipped + ")"), all.err());
    }

    @Test
    void descriptorRepeatsFromFastaNameTheRecordsLines() throws IOException {
        Path in = write("p.fa", ">a\nMKV\n>b\nKLK\n>c\nMKV\n");
        Path skipped = dir.resolve("s.jsonl");
        CliRun r = CliRun.of("data", "build", "descriptor", "--input", in.toString(), "--output", dir.resolve("d.csv").toString(),
                "--skipped", skipped.toString(), "-q");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of(json(in, 5, "duplicate of line 1" + REPEAT)), Files.readAllLines(skipped));
    }

    @Test
    void anExistingSkippedFileIsKeptWithoutForceAndCannotBeTheOutput() throws IOException {
        Path in = write("mols.csv", "smiles\nCCO\nCCO\n");
        Path out = dir.resolve("qed.csv"), skipped = write("s.jsonl", "earlier\n");
        CliRun r = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--skipped", skipped.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(skipped + " already exists"), r.err());
        assertFalse(Files.exists(out));
        assertEquals("earlier\n", Files.readString(skipped));
        CliRun same = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--skipped", out.toString());
        assertEquals(2, same.exit(), same.err());
        assertFalse(Files.exists(out));
        CliRun forced = CliRun.of("data", "build", "qed", "--input", in.toString(), "--output", out.toString(), "--skipped", skipped.toString(),
                "--force", "-q");
        assertEquals(0, forced.exit(), forced.err());
        assertEquals(List.of(json(in, 3, "duplicate of line 2" + REPEAT)), Files.readAllLines(skipped));
    }
}
