package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What suite and compare used to find out only after training (or never: an empty table with exit 0) is refused
 * before anything runs, with the reason: a seed given twice, nothing to score, a test split without rows, an earlier
 * suite's seed folder.
 */
class SuiteAndCompareRefusalsTest {
    private static Path experiment(Path dir, String csv, String tasks) throws Exception {
        Files.writeString(dir.resolve("d.csv"), csv);
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  qed: {preset: QED, data: d.csv}
                  smiles: {preset: SMILES, data: d.csv}
                stages:
                  - {name: s, stage: %s, tasks: [%s], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K"), tasks.equals("smiles") ? "1" : "2", tasks));
        return dir.resolve("exp.yaml");
    }

    private static final String WITH_TEST = "smiles,qed,split\nCCO,0.40,train\nCCN,0.30,train\nCCC,0.20,valid\nCCCl,0.10,test\n";
    private static final String NO_TEST = "smiles,qed,split\nCCO,0.40,train\nCCN,0.30,train\nCCC,0.20,valid\n";

    private static void refused(CliRun r, String reason) {
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains(reason), r.err());
    }

    @Test
    void suiteRefusesBeforeTraining(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, WITH_TEST, "qed");
        Path out = dir.resolve("out");
        CliRun twice = CliRun.of("suite", exp.toString(), "--seeds", "3,3", "-q", "-o", out.toString());
        assertEquals(2, twice.exit(), twice.err()); // a usage error, as compare --seeds 0
        assertTrue(twice.err().contains("--seeds: 3 is given twice"), twice.err());
        assertFalse(Files.exists(out.resolve("seed-3")), "nothing ran");
        Files.createDirectories(out.resolve("seed-0"));
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "holds an earlier suite's run seed-0; use --force to start over, or another -o");

        Path noTest = experiment(Files.createDirectories(dir.resolve("b")), NO_TEST, "qed");
        refused(CliRun.of("suite", noTest.toString(), "--seeds", "0", "-q", "-o", dir.resolve("out-b").toString()),
                "task qed: " + dir.resolve("b/d.csv") + " has no test rows");
        Path stageOne = experiment(Files.createDirectories(dir.resolve("c")), WITH_TEST, "smiles");
        refused(CliRun.of("suite", stageOne.toString(), "--seeds", "0", "-q", "-o", dir.resolve("out-c").toString()),
                "trains no regression or classification task");
        assertFalse(Files.exists(dir.resolve("out-b/seed-0")) || Files.exists(dir.resolve("out-c/seed-0")), "nothing ran");
    }

    /**
     * An earlier suite run with other seeds: only the folders of this run's seeds were looked at, so a run of seed 0
     * beside an earlier seed-7 was not refused, and with --force seed-7 stayed beside the new results.json as if it
     * were this run's.
     */
    @Test
    void anEarlierSuitesOtherSeedsAreRefusedThenClearedByForce(@TempDir Path dir) throws Exception {
        Path exp = TinyExperiment.oneStepQed(dir, true);
        Path out = dir.resolve("out");
        Files.writeString(Files.createDirectories(out.resolve("seed-7")).resolve("metrics.jsonl"), "{}\n");
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "holds an earlier suite's run seed-7; use --force to start over, or another -o");
        assertFalse(Files.exists(out.resolve("seed-0")), "nothing ran");
        CliRun forced = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertFalse(Files.exists(out.resolve("seed-7")), "the earlier run's seed is gone with --force");
        assertTrue(Files.isDirectory(out.resolve("seed-0")));
    }

    /**
     * A classification test split of one class (here the first max_eval rows; each seed's own split in general) was
     * found only when the first seed had trained and was scored: the suite stopped there, results lost, its seed
     * folder left behind so that running again needed --force.
     */
    @Test
    void suiteRefusesATestSplitOfOneClassBeforeTraining(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("smiles,p_np,split\n");
        String[] mols = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO"};
        for (int i = 0; i < mols.length; i++) csv.append(mols[i]).append(',').append(i % 2).append(",train\n");
        csv.append("CO,0,valid\nCN,1,valid\nNCCN,1,test\nOCCCO,1,test\nCCOC,0,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  bbbp: {preset: BBBP, data: {path: d.csv, max_eval: 2}}
                stages:
                  - {name: s, stage: 2, tasks: [bbbp], batch_size: 2, max_steps: 1}
                """);
        Path out = dir.resolve("out");
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "task bbbp, seed 0: the 2 test rows of " + dir.resolve("d.csv") + " that are scored (the first 2 of the seed's test split"
                        + " that fit the prompt, max_eval) hold only class '1'");
        assertFalse(Files.exists(out.resolve("seed-0")), "nothing trained");
    }

    /** Eight training rows of both classes, two valid rows, then {@code test}; BBBP with max_eval 2, one training step. */
    private static Path bbbpWithTestRows(Path dir, String test) throws Exception {
        StringBuilder csv = new StringBuilder("smiles,p_np,split\n");
        String[] mols = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO"};
        for (int i = 0; i < mols.length; i++) csv.append(mols[i]).append(',').append(i % 2).append(",train\n");
        csv.append("CO,0,valid\nCN,1,valid\n").append(test);
        Files.writeString(dir.resolve("d.csv"), csv);
        return TinyExperiment.write(dir, """
                tasks:
                  bbbp: {preset: BBBP, data: {path: d.csv, max_eval: 2}}
                stages:
                  - {name: s, stage: 2, tasks: [bbbp], batch_size: 2, max_steps: 1}
                """);
    }

    /** A SMILES of 3,000 atoms: valid, and longer than stories260K's 512 positions, so the row never renders. */
    private static final String TOO_LONG = "C".repeat(3000);

    /**
     * The classes were checked on the first max_eval RAW test rows, while the suite scores the first max_eval rows
     * that fit the prompt. Here the first test row (class 0) is too long, so the scored rows are lines 11 and 12, both
     * class 1: the raw check saw classes 0 and 1 and let the seed train, and the suite stopped only when it scored the
     * trained seed (exit 1, its training lost).
     */
    @Test
    void theClassCheckReadsTheTestRowsThatAreScoredNotTheFirstRawOnes(@TempDir Path dir) throws Exception {
        Path exp = bbbpWithTestRows(dir, TOO_LONG + ",0,test\nNCCN,1,test\nOCCCO,1,test\nCCOC,0,test\n");
        Path out = dir.resolve("out");
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "task bbbp, seed 0: the 2 test rows of " + dir.resolve("d.csv") + " that are scored (the first 2 of the seed's test split"
                        + " that fit the prompt, max_eval; 1 row before them does not fit) hold only class '1'");
        assertFalse(Files.exists(out.resolve("seed-0")), "nothing trained");
    }

    /**
     * The other way round: the first raw test rows (a too-long row and a row, both class 1) were refused as one class,
     * though the rows scored (lines 11 and 12) hold both classes.
     */
    @Test
    void aTooLongRowOfTheOnlyClassDoesNotRefuseTestRowsThatHoldBoth(@TempDir Path dir) throws Exception {
        Path exp = bbbpWithTestRows(dir, TOO_LONG + ",1,test\nNCCN,1,test\nCCOC,0,test\n");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString());
        assertEquals(0, r.exit(), r.err());
        String results = Files.readString(out.resolve("results.json"));
        assertTrue(results.contains("\"test_rows\" : 2"), results);
    }

    /**
     * A test split whose rows are all too long for the prompt passed the raw-row check (it has rows) and was found only
     * when the trained seed was scored ("none of its test rows fit"), its training lost. Refused before training.
     */
    @Test
    void aTestSplitWithNoRowThatFitsIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        StringBuilder csv = TinyExperiment.qedTrainingRows().append("CO,0.2,valid\n").append(TOO_LONG).append(",0.5,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, "tasks:\n  qed: {preset: QED, data: d.csv}\nstages:\n  - {name: s, stage: 2, tasks: [qed], batch_size: 2, max_steps: 1}\n");
        Path out = dir.resolve("out");
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "task qed, seed 0: no test row of " + dir.resolve("d.csv") + " fits the prompt (1 row skipped; " + dir.resolve("d.csv") + ":11: too long");
        assertFalse(Files.exists(out.resolve("seed-0")), "nothing trained");
    }

    /** A multi-label task, which the suite cannot score, trained every stage of the first seed before it was refused. */
    @Test
    void suiteRefusesAMultiLabelTaskBeforeTraining(@TempDir Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("smiles,a,b,split\n");
        String[] mols = {"CCO", "CCN", "CCC", "CCCl", "CCCO", "OCCO"};
        for (int i = 0; i < mols.length; i++) csv.append(mols[i]).append(',').append(i % 2).append(',').append(i / 2 % 2).append(",train\n");
        csv.append("CO,0,1,valid\nCN,1,0,valid\nNCCN,1,1,test\nOCCCO,0,1,test\n");
        Files.writeString(dir.resolve("d.csv"), csv);
        Path exp = TinyExperiment.write(dir, """
                tasks:
                  tox:
                    type: classification
                    labels: [a, b]
                    template: "The molecule <SMILES> {smiles} is <Tox> {label}."
                    tags: {Tox: function, SMILES: domain}
                    data: d.csv
                stages:
                  - {name: s, stage: 2, tasks: [tox], batch_size: 2, max_steps: 1}
                """);
        Path out = dir.resolve("out");
        refused(CliRun.of("suite", exp.toString(), "--seeds", "0", "-q", "-o", out.toString()),
                "task tox is multi-label (labels: [a, b]): the suite scores binary and multi-class tasks only");
        assertFalse(Files.exists(out.resolve("seed-0")), "nothing trained");
    }

    /**
     * compare's own options, refused before any run: LoRA settings no adapter can have (found only when LoRA's runs
     * came, after every other method's), and --report-only where no run has finished (it ran the baseline and wrote a
     * report of it alone).
     */
    @Test
    void compareRefusesItsOptionsBeforeAnyRun(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, WITH_TEST, "qed");
        Path out = dir.resolve("cmp");
        // values given as options: usage errors (exit 2, with the usage)
        CliRun rank = CliRun.of("compare", exp.toString(), "--seeds", "1", "--lora-rank", "0", "-q", "-o", out.toString());
        assertEquals(2, rank.exit(), rank.err());
        assertTrue(rank.err().contains("LoRA rank must be at least 1, got 0") && rank.err().contains("Usage: tagllm compare"), rank.err());
        CliRun dropout = CliRun.of("compare", exp.toString(), "--seeds", "1", "--lora-dropout", "1.5", "-q", "-o", out.toString());
        assertEquals(2, dropout.exit(), dropout.err());
        assertTrue(dropout.err().contains("LoRA dropout must be in [0, 1), got 1.5"), dropout.err());
        assertFalse(Files.exists(out.resolve("runs")), "no method ran");
        refused(CliRun.of("compare", exp.toString(), "--seeds", "1", "--report-only", "-q", "-o", out.toString()),
                "--report-only: " + out + " holds no finished runs");
        assertFalse(Files.exists(out.resolve("report.json")));
    }

    @Test
    void compareRefusesATaskWithoutTestRows(@TempDir Path dir) throws Exception {
        Path exp = experiment(dir, NO_TEST, "qed");
        CliRun r = CliRun.of("compare", exp.toString(), "--methods", "tagllm,probe", "--seeds", "1", "-q", "-o", dir.resolve("cmp").toString());
        refused(r, "task qed: no usable test rows in " + dir.resolve("d.csv"));
        assertFalse(Files.exists(dir.resolve("cmp/runs")), "no method was trained");
    }

    /** Training rows of one class (a file sorted by label, cut by max_train): no method could learn, refused before any run. */
    @Test
    void compareRefusesTrainingRowsOfOneClass(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("d.csv"), "smiles,p_np,split\nCCO,1,train\nCCN,1,train\nCCC,1,train\nCCCl,0,train\n"
                + "CCBr,0,valid\nCCS,1,valid\nCCF,0,test\nCCI,1,test\n");
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                tag_length: 2
                tasks:
                  bbbp: {preset: BBBP, data: {path: d.csv, max_train: 3}}
                stages:
                  - {name: s, stage: 2, tasks: [bbbp], batch_size: 2, grad_accum: 1, max_steps: 1}
                """.formatted(Shared.model("stories260K")));
        CliRun r = CliRun.of("compare", dir.resolve("exp.yaml").toString(), "--methods", "probe", "--seeds", "1", "-q", "-o",
                dir.resolve("cmp").toString());
        refused(r, "compare: task bbbp: all 3 training rows used are of class '1' (classes [0, 1]) in " + dir.resolve("d.csv"));
        assertFalse(Files.exists(dir.resolve("cmp/runs")), "no method was trained");
    }
}
