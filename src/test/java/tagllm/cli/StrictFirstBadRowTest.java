package tagllm.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.SeededSplit;
import tagllm.data.Split;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * --strict stops at the first bad row in file order, whichever check finds it: the reader (a wrong field count), the
 * split column (an unknown split) or the task (a label that is not a number). The reader's check ran first and the
 * others in later passes, so a field-count error at line 5 was reported before the bad label at line 3.
 */
class StrictFirstBadRowTest {
    @TempDir
    static Path dir;
    static Path tags;

    @BeforeAll
    static void train() throws Exception {
        Files.writeString(dir.resolve("good.csv"), "smiles,qed,split\nCCO,0.40,train\nCCN,0.50,train\nCCC,0.30,test\n");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: QED, max_length: 100, data: good.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        var r = CliRun.of("train", dir.resolve("exp.yaml").toString(), "--quiet", "-o", dir.resolve("run").toString());
        assertEquals(0, r.exit(), r.err());
        try (var files = Files.walk(dir.resolve("run"))) {
            tags = files.filter(f -> f.getFileName().toString().equals("final.tags.safetensors")).findFirst().orElseThrow();
        }
    }

    private static CliRun eval(String name, String csv, String... more) throws Exception {
        Path f = Files.writeString(dir.resolve(name), csv);
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("eval", "--model", Shared.model("stories260K").toString(),
                "--tags", tags.toString(), "--task", "qed", "--input", f.toString(), "--quiet"));
        args.addAll(java.util.List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** line 3: a label that is not a number; line 4: an unknown split; line 5: one field too few. */
    private static final String THREE_BAD = """
            smiles,qed,split
            CCO,0.40,test
            CCN,abc,test
            CCC,0.30,tset
            CCCC,0.20
            CCCCC,0.10,test
            """;

    @Test
    void evalStrictNamesTheBadLabelBeforeTheLaterSplitAndFieldCountErrors() throws Exception {
        var r = eval("three.csv", THREE_BAD, "--strict");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("three.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("three.csv:4"), r.err());
        assertFalse(r.err().contains("three.csv:5"), r.err());
    }

    @Test
    void evalStrictNamesTheUnknownSplitBeforeTheLaterFieldCountError() throws Exception {
        var r = eval("two.csv", THREE_BAD.replace("CCN,abc,test", "CCN,0.5,test"), "--strict");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("two.csv:4:"), r.err());
        assertTrue(r.err().contains("tset"), r.err());
        assertFalse(r.err().contains("two.csv:5"), r.err());
    }

    @Test
    void evalStrictStillNamesAFieldCountErrorWhenTheRowsBeforeItAreGood() throws Exception {
        var r = eval("one.csv", THREE_BAD.replace("CCN,abc,test", "CCN,0.5,test").replace("tset", "test"), "--strict");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("one.csv:5:"), r.err());
        assertFalse(r.out().contains("mse"), r.out());
    }

    /**
     * a random split: the test split's first and last rows (in file order, as SeededSplit gives them) have labels that
     * are not numbers; the earlier line is the one named, whatever order the shuffle drew them in.
     */
    @Test
    void evalStrictRandomSplitNamesTheEarlierOfTwoBadLabels() throws Exception {
        String[] smiles = {"CCO", "CCN", "CCC", "CCCC", "CCCN", "CCCO", "CCCCC", "CCCCN", "CCCCO", "CCCCCC"};
        List<Integer> test = new SeededSplit(0.5, 0, 0.5, 7).split(java.util.stream.IntStream.range(0, smiles.length).boxed().toList())
                .get(Split.TEST);
        int first = test.get(0), last = test.get(test.size() - 1);
        assertTrue(last > first, "two test rows: " + test);
        StringBuilder csv = new StringBuilder("smiles,qed\n");
        for (int i = 0; i < smiles.length; i++) csv.append(smiles[i]).append(',').append(i == first ? "abc" : i == last ? "xyz" : "0.5").append('\n');
        var r = eval("random.csv", csv.toString(), "--strict", "--split-by", "random", "--split-fractions", "0.5,0,0.5", "--split-seed", "7");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("random.csv:" + (first + 2) + ": column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("xyz"), r.err());
    }

    /**
     * a scaffold split: the SMILES of line 5 has no scaffold (the split's pass finds it), the labels of lines 3 and 4 are
     * not numbers (the task's pass, after the split): line 3 is named.
     */
    @Test
    void evalStrictScaffoldSplitNamesTheBadLabelBeforeTheLaterBadSmiles() throws Exception {
        var r = eval("scaffold.csv", "smiles,qed\nc1ccccc1O,0.4\nc1ccccc1N,abc\nC1CCCCC1,xyz\nnotasmiles((,0.3\nc1ccccc1C,0.2\n",
                "--strict", "--split-by", "scaffold", "--split-fractions", "0,0,1");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("scaffold.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("scaffold.csv:4"), r.err());
        assertFalse(r.err().contains("scaffold.csv:5"), r.err());
    }

    /** without --strict every bad row is told, with its line, in file order, and the good ones are scored. */
    @Test
    void evalWithoutStrictReportsEveryBadRowInFileOrder() throws Exception {
        var r = eval("all.csv", THREE_BAD, "--json");
        assertEquals(0, r.exit(), r.err());
        String err = r.err();
        int l3 = err.indexOf("all.csv:3:"), l4 = err.indexOf("all.csv:4:"), l5 = err.indexOf("all.csv:5:");
        assertTrue(l3 >= 0 && l4 >= 0 && l5 >= 0, err);
        assertEquals(2, new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("n").asInt(), r.out());
    }

    private static CliRun train(String name, String csv) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("d.csv"), csv);
        Files.writeString(d.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: QED, max_length: 100, data: d.csv}
                stages:
                  - {name: s, stage: 2, tasks: [qed], lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        return CliRun.of("train", d.resolve("exp.yaml").toString(), "--quiet", "--strict", "-o", d.resolve("run").toString());
    }

    @Test
    void trainStrictNamesTheBadLabelBeforeTheLaterSplitAndFieldCountErrors() throws Exception {
        var r = train("train3", THREE_BAD.replace(",test", ",train"));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("d.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("d.csv:5"), r.err());
    }

    /** the bad label is in a valid row, read after the training rows: it still comes first in the file. */
    @Test
    void trainStrictNamesABadValidRowBeforeALaterFieldCountError() throws Exception {
        var r = train("valid3", THREE_BAD.replace(",test", ",train").replace("CCN,abc,train", "CCN,abc,valid").replace("tset", "train"));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("d.csv:3: column 'qed': expected a number, got 'abc'"), r.err());
        assertFalse(r.err().contains("d.csv:5"), r.err());
    }

    private static CliRun trainClassification(String name, String csv) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("d.csv"), csv);
        Files.writeString(d.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  cls:
                    type: classification
                    template: "Molecule <SMILES> {smiles} is <Kind>"
                    tags: {Kind: function}
                    label: kind
                    max_length: 100
                    data: d.csv
                stages:
                  - {name: s, stage: 2, tasks: [cls], lr: 0.01, batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        return CliRun.of("train", d.resolve("exp.yaml").toString(), "--quiet", "--strict", "-o", d.resolve("run").toString());
    }

    /**
     * the classes are found in the training rows before the stage renders them: that read stopped at the field-count
     * error of line 5 before the empty label of line 3 was checked.
     */
    @Test
    void trainStrictClassificationNamesTheEmptyLabelBeforeALaterFieldCountError() throws Exception {
        var r = trainClassification("cls3", "smiles,kind,split\nCCO,a,train\nCCN,,train\nCCC,b,train\nCCCC,a\nCCCCC,b,train\n");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("d.csv:3:"), r.err());
        assertTrue(r.err().contains("kind"), r.err());
        assertFalse(r.err().contains("d.csv:5"), r.err());
    }

    /** no row before the field-count error shows two classes: the field-count error is the one to report. */
    @Test
    void trainStrictClassificationNamesTheFieldCountErrorWhenTheRowsBeforeItShowNoClasses() throws Exception {
        var r = trainClassification("cls1", "smiles,kind,split\nCCO,a,train\nCCCC,a\nCCCCC,b,train\n");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("d.csv:3:"), r.err());
        assertFalse(r.err().contains("at least two classes"), r.err());
    }

    /** predict checks the field count while reading and the SMILES when a chunk is rendered: line 3 comes first. */
    @Test
    void predictStrictNamesTheInvalidSmilesBeforeTheLaterFieldCountError() throws Exception {
        Path f = Files.writeString(dir.resolve("p.csv"), "smiles\nCCO\nnotasmiles((\nCCC\nCCCC,extra\nCCCCC\n");
        Path out = dir.resolve("p.out.csv");
        var r = CliRun.of("predict", "--model", Shared.model("stories260K").toString(), "--tags", tags.toString(), "--task", "qed",
                "--input", f.toString(), "--output", out.toString(), "--quiet", "--strict");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("p.csv:3: smiles: invalid SMILES 'notasmiles(('"), r.err());
        assertFalse(r.err().contains("p.csv:5"), r.err());
        assertFalse(Files.exists(out));
    }
}
