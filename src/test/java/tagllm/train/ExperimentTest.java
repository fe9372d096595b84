package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tag.FunctionInit;
import tagllm.tag.TagKind;
import tagllm.config.ConfigException;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ExperimentTest {
    private static Path write(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsPresetsStagesAndHyperParameters(@TempDir Path dir) throws Exception {
        Experiment e = Experiment.load(write(dir, """
                model: models/tiny
                seed: 7
                tag_length: 4
                defaults: {lr: 0.001, batch_size: 2, grad_accum: 1}
                tasks:
                  smiles: {preset: SMILES, data: data/s.csv}
                  qed:
                    preset: QED
                    data: {path: data/s.csv, split: {random: [0.8, 0.1, 0.1], seed: 3}, max_train: 100}
                    head: {standardize: true}
                  mine:
                    type: regression
                    template: "Value of <SMILES> {smiles} is <Score>"
                    tags: {Score: function}
                    label: logp
                    data: data/x.csv
                stages:
                  - {name: s1, stage: 1, tasks: [smiles], max_steps: 5}
                  - {name: s2, stage: 2, tasks: [qed, mine], enrich: true, lr: 0.01}
                """));
        assertEquals(7, e.seed());
        assertEquals(4, e.tagLength());
        assertEquals(FunctionInit.MEAN, e.functionInit(), "the paper's init unless asked");
        assertEquals(dir.resolve("runs/exp"), e.output());
        TaskSpec qed = e.tasks().get("qed");
        assertEquals(TaskType.REGRESSION, qed.type());
        assertEquals("qed", qed.labelColumn());
        assertTrue(qed.isolateDomains());
        assertTrue(qed.head().standardize());
        assertEquals(TagKind.FUNCTION, qed.kindOf("QED"));
        assertEquals(List.of(0.8, 0.1, 0.1), e.data().get("qed").randomFractions());
        assertEquals(100, e.data().get("qed").maxTrain());
        assertEquals(dir.resolve("data/s.csv"), e.data().get("smiles").path());
        assertEquals(TaskType.LANGUAGE_MODEL, e.tasks().get("smiles").type());
        assertFalse(e.tasks().get("smiles").bos());
        assertEquals("<Score>", e.tasks().get("mine").functionTag());
        assertEquals(2, e.stages().size());
        assertEquals(0.001, e.stages().get(0).hyper().lr());
        assertEquals(5, e.stages().get(0).hyper().maxSteps());
        assertEquals(0.01, e.stages().get(1).hyper().lr());
        assertEquals(2, e.stages().get(1).hyper().batchSize());
        assertTrue(e.stages().get(1).enrich());
        // paper defaults where not overridden
        assertEquals("cosine", e.stages().get(1).hyper().schedule());
        assertEquals(0.03, e.stages().get(1).hyper().warmupRatio());
        assertEquals(100, e.stages().get(1).hyper().mseScale());
    }

    @Test
    void errorsNameTheFieldAndWhatWasExpected(@TempDir Path dir) throws Exception {
        String base = "model: m\ntasks:\n  q: {preset: QED, data: d.csv}\nstages:\n";
        assertMessage(dir, base + "  - {stage: 2, tasks: [q], lr: fast}", "stages[0].lr: expected a number, got 'fast'");
        assertMessage(dir, base + "  - {stage: 2, tasks: [q], lerning_rate: 1}", "stages[0].lerning_rate: unknown key");
        assertMessage(dir, base + "  - {stage: 1, tasks: [q]}", "stage 1 trains domain tags on domain text");
        assertMessage(dir, base + "  - {stage: 4, tasks: [q]}", "must be 1, 2 or 3");
        assertMessage(dir, base + "  - {stage: 2, tasks: [z]}", "unknown task 'z'");
        assertMessage(dir, base + "  - {stage: 2, tasks: [q, q]}", "stages[0].tasks: task 'q' is listed twice"); // it doubled q's rows
        assertMessage(dir, "model: m\ntasks:\n  q: {type: regression, template: 'x <Foo> {a}', label: a}\nstages:\n  - {stage: 2, tasks: [q]}",
                "uses tag <Foo> whose kind is not declared");
        assertMessage(dir, "model: m\ntasks:\n  q: {preset: Nope}\nstages: []", "preset 'Nope' is not known");
        assertMessage(dir, "model: [unclosed", "not valid YAML");
        assertMessage(dir, "function_init: words\n" + base + "  - {stage: 2, tasks: [q]}", "function_init: must be mean or prompt, got 'words'");
    }

    /** The errors give the field's line after the file, as the YAML parser's own errors do (they named the field alone). */
    @Test
    void errorsGiveTheLineOfTheField(@TempDir Path dir) throws Exception {
        String yaml = """
                model: m
                defaults: {lr: 0.1,
                  batch_size: four}
                tasks:
                  q:
                    preset: QED
                    data: {path: d.csv, max_train: -5}
                stages:
                  - {stage: 2, tasks: [q]}
                  - {stage: 2, tasks: [q], lerning_rate: 1}
                """;
        Path f = write(dir, yaml);
        assertEquals(f + ":3: defaults.batch_size: expected an integer, got 'four'",
                assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage());
        write(dir, yaml.replace("batch_size: four", "batch_size: 4"));
        assertEquals(f + ":7: tasks.q.data.max_train: must be >= 0 (0 = all rows), got -5",
                assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage());
        write(dir, yaml.replace("batch_size: four", "batch_size: 4").replace("max_train: -5", "max_train: 5"));
        assertTrue(assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage()
                .startsWith(f + ":10: stages[1].lerning_rate: unknown key"));
    }

    /**
     * A stage 3 whose train: lists a domain tag used to be refused only when that stage started, after the stages
     * before it had trained (hours on a real model); the experiment reader now refuses it, naming the line.
     */
    @Test
    void aStageThreeTrainingADomainTagIsRefusedWhenTheFileIsRead(@TempDir Path dir) throws Exception {
        String yaml = """
                model: m
                tasks:
                  smiles: {preset: SMILES, data: s.csv}
                  ba: {preset: BA, data: d.csv}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles]}
                  - {name: s3, stage: 3, tasks: [ba], train: [BA, Protein]}
                """;
        assertMessage(dir, yaml, "exp.yaml:7: stages[1].train: stage 3 keeps domain tags frozen, but train: lists <Protein>"
                + " (a domain tag of task 'ba')");
        // the function tag alone is what stage 3 trains, and is accepted
        Experiment e = Experiment.load(write(dir, yaml.replace("train: [BA, Protein]", "train: [BA]")));
        assertEquals(List.of("<BA>"), e.stages().get(1).train());
    }

    private static void assertMessage(Path dir, String yaml, String expected) throws Exception {
        Path f = write(dir, yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }
}
