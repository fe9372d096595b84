package tagllm.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;
import tagllm.train.Experiment;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A regression or classification task whose input placeholder reads its label column hands the answer to the prompt:
 * compare's tag-free prompts (probe, prompt tuning, LoRA) end with it. The case without output: makes that placeholder
 * the output (TagFreePromptLabelTest); with output: naming another placeholder, or {label} in the template beside it,
 * the label column was read as an input and the probe scored on the answer. Such an experiment is refused when read.
 */
class LabelAsInputRefusedTest {

    private static Path experiment(Path dir, String task) throws Exception {
        Path yaml = dir.resolve("exp.yaml");
        Files.writeString(dir.resolve("mols.csv"), "smiles,sol,other,split\nCCO,high,x,train\nCCN,low,y,test\n");
        Files.writeString(yaml, """
                model: m
                tasks:
                  sol: %s
                stages:
                  - {name: s2, stage: 2, tasks: [sol], max_steps: 1}
                """.formatted(task));
        return yaml;
    }

    private static String refusal(Path dir, String task) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(experiment(dir, task)));
        return e.getMessage();
    }

    @Test
    void labelTextBesideAPlaceholderOfTheLabelColumnIsRefused(@TempDir Path dir) throws Exception {
        String m = refusal(dir, "{type: classification, template: 'The molecule <SMILES> {smiles} <Sol> {label} {sol}', "
                + "tags: {SMILES: domain, Sol: function}, label: sol, data: mols.csv}");
        assertTrue(m.contains("task sol") && m.contains("{sol}") && m.contains("label column sol"), m);
        assertTrue(m.contains("tasks.sol.template"), m);
    }

    @Test
    void outputNamingAnotherPlaceholderIsRefused(@TempDir Path dir) throws Exception {
        String m = refusal(dir, "{type: regression, template: '<SMILES> {smiles} {sol} <Sol> {other}', tags: {SMILES: domain, Sol: function}, "
                + "label: sol, output: other, data: mols.csv}");
        assertTrue(m.contains("task sol") && m.contains("{sol}") && m.contains("label column sol") && m.contains("{other}"), m);
    }

    @Test
    void aPlaceholderMappedOntoTheLabelColumnIsRefused(@TempDir Path dir) throws Exception {
        String m = refusal(dir, "{type: regression, template: '<SMILES> {smiles} {y} <Sol> {label}', tags: {SMILES: domain, Sol: function}, "
                + "label: sol, columns: {y: sol}, data: mols.csv}");
        assertTrue(m.contains("{y}") && m.contains("label column sol") && m.contains("columns: y: sol"), m);
    }

    @Test
    void theLabelWrittenOnceIsAccepted(@TempDir Path dir) throws Exception {
        // {sol} alone is the output (no output: given), and {label} with output: label reads no input from sol
        Experiment a = Experiment.load(experiment(dir, "{type: classification, template: '<SMILES> {smiles} <Sol> {sol}', "
                + "tags: {SMILES: domain, Sol: function}, label: sol, data: mols.csv}"));
        assertEquals("sol", a.tasks().get("sol").outputPlaceholder());
        Experiment b = Experiment.load(experiment(dir, "{type: regression, template: '<SMILES> {smiles} {other} <Sol> {label}', "
                + "tags: {SMILES: domain, Sol: function}, label: sol, output: label, data: mols.csv}"));
        assertEquals(java.util.List.of("smiles", "other"), b.tasks().get("sol").promptColumns());
    }
}
