package tagllm.chem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.RowIssues;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** One value that overflows the stack (as CDK does on a 6000-atom chain) costs its row a label, not the file. */
class CsvLabelerTest {
    private static int depth(int n) { return n <= 0 ? 0 : 1 + depth(n - 1); }

    @Test
    void aStackOverflowOnOneRowIsThatRowsError(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.csv"), out = dir.resolve("out.csv");
        Files.writeString(in, "v\na\ndeep\nb\n");
        RowIssues issues = RowIssues.skipping();
        CsvLabeler labeler = new CsvLabeler(List.of("n"), v -> List.of(Integer.toString(v.equals("deep") ? depth(Integer.MAX_VALUE) : v.length())), 2);
        CsvLabeler.Summary s = labeler.label(in, null, "v", out, issues);
        assertEquals(new CsvLabeler.Summary(3, 2, 1), s);
        List<String> lines = Files.readAllLines(out);
        assertEquals("v,n,error", lines.get(0));
        assertEquals("a,1,", lines.get(1));
        assertTrue(lines.get(2).startsWith("deep,,") && lines.get(2).contains("ran out of stack"), lines.get(2));
        assertEquals("b,1,", lines.get(3));
        assertTrue(issues.summary().contains(in + ":3:"), issues.summary());
    }

    @Test
    void dataBuildSkipsARowThatOverflowsTheStackAndWritesTheOthers(@TempDir Path dir) throws Exception {
        // data build qed under a raised --max-length: a 9000-carbon chain overflowed CDK's recursion and the whole
        // build ended with a StackOverflowError and no output
        Path in = dir.resolve("in.csv"), out = dir.resolve("train.csv");
        Files.writeString(in, "smiles\nCCO\n" + "C".repeat(9000) + "\nc1ccccc1\n");
        RowIssues issues = RowIssues.skipping();
        TrainingSetBuilder.Summary s = new TrainingSetBuilder(v -> Qed.qed(v).qed(), v -> v, 20_000, true, 2)
                .build(in, null, "smiles", out, issues);
        assertEquals(new TrainingSetBuilder.Summary(3, 2, 0, 0, 1), s);
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("CCO,") && lines.get(2).startsWith("c1ccccc1,"), lines.toString());
        assertTrue(issues.summary().contains(in + ":3:") && issues.summary().contains("ran out of stack"), issues.summary());
    }
}
