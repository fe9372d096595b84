package tagllm.chem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.RowIssues;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * data build labels each distinct input once: it labelled every row and dropped the repeats afterwards, so a file of
 * 1,000,000 rows holding 20,000 molecules cost fifty times the labelling it needed. The rows here cross the reader's
 * chunk border (4,096 rows), with repeats inside a chunk and across chunks; the counts and the output are those the
 * paper's rule gives (first occurrence kept), and an input that cannot be labelled is reported on each of its lines.
 */
class TrainingSetBuilderRepeatsTest {
    @Test
    void eachDistinctInputIsLabelledOnce(@TempDir Path dir) throws Exception {
        String[] names = {"CCO", "c1ccccc1", "CC(=O)O"};
        StringBuilder csv = new StringBuilder("smiles\n");
        int rows = 10_000;
        List<Integer> badLines = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            boolean bad = i == 5000 || i == 7000;
            if (bad) badLines.add(i + 2); // line 1 is the header
            csv.append(bad ? "bad" : names[i % 3]).append('\n');
        }
        Path in = Files.writeString(dir.resolve("in.csv"), csv), out = dir.resolve("out.csv");
        AtomicInteger calls = new AtomicInteger();
        RowIssues issues = RowIssues.skipping();
        TrainingSetBuilder.Summary s = new TrainingSetBuilder(v -> {
            calls.incrementAndGet();
            if (v.equals("bad")) throw new IllegalArgumentException("not a molecule");
            return v.length();
        }, v -> v, 512, true, 2).build(in, null, "smiles", out, issues);

        assertEquals(new TrainingSetBuilder.Summary(rows, 3, 0, rows - 2 - 3, 2), s);
        assertEquals(List.of("input,label,label_text", "CCO,3.0", "c1ccccc1,8.0", "CC(=O)O,7.0"),
                Files.readAllLines(out).stream().map(l -> l.equals("input,label,label_text") ? l : l.substring(0, l.indexOf(',', l.indexOf(',') + 1))).toList());
        List<String> messages = issues.messages();
        assertEquals(2, messages.size(), messages.toString());
        for (int k = 0; k < 2; k++) assertTrue(messages.get(k).startsWith(in + ":" + badLines.get(k) + ":"), messages.toString());
        // the three molecules once each, and the unlabellable input on each of its two lines
        assertEquals(3 + 2, calls.get());
    }
}
