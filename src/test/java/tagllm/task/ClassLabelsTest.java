package tagllm.task;

import tagllm.config.ConfigNode;
import tagllm.config.ConfigException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import tagllm.data.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Classification task definitions: classes given, inferred from rows, mixed labels refused by row; balanced weights. */
class ClassLabelsTest {
    private static TaskSpec task(String yaml) throws Exception {
        var node = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        return TaskSpec.fromConfig("t", new ConfigNode(node, "exp.yaml: tasks.t: "), Map.of());
    }

    private static List<Row> rows(String... labels) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) out.add(Row.of("d.csv", i + 2, Map.of("smiles", "C", "y", labels[i])));
        return out;
    }

    private static final String BASE = "{type: classification, template: 'Molecule <SMILES> {smiles} is <F>', tags: {F: function}, label: y";

    @Test
    void numericClassesAreInferredInNumericOrderAndMatchByValue() throws Exception {
        TaskSpec t = ClassLabels.resolve(task(BASE + "}"), rows("10", "2", "2.0", "1", "10"));
        assertEquals(List.of("1", "2", "10"), t.classes().classes());
        assertEquals(ClassSpec.Kind.MULTICLASS, t.classes().kind());
        assertEquals(3, t.classes().outputs());
        assertEquals(1, t.classes().indexOf("2.0"));
        assertEquals(-1, t.classes().indexOf("3"));
        TaskSpec b = ClassLabels.resolve(task(BASE + "}"), rows("1", "0", "1"));
        assertEquals(ClassSpec.Kind.BINARY, b.classes().kind());
        assertEquals(1, b.classes().outputs());
    }

    @Test
    void wordClassesAreSorted() throws Exception {
        assertEquals(List.of("high", "low", "mid"), ClassLabels.resolve(task(BASE + "}"), rows("mid", "low", "high", "low")).classes().classes());
    }

    @Test
    void mixedLabelsAreRefusedNamingRows() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ClassLabels.resolve(task(BASE + "}"), rows("1", "0", "yes", "1")));
        assertTrue(e.getMessage().contains("mixes numbers") && e.getMessage().contains("d.csv:4 'yes'") && e.getMessage().contains("d.csv:2 '1'"),
                e.getMessage());
        String[] many = new String[60];
        for (int i = 0; i < many.length; i++) many[i] = Double.toString(i * 0.37);
        ConfigException reg = assertThrows(ConfigException.class, () -> ClassLabels.resolve(task(BASE + "}"), rows(many)));
        assertTrue(reg.getMessage().contains("regression"), reg.getMessage());
    }

    @Test
    void balancedWeightsAsScikitLearn() throws Exception {
        // n / (k · count): 4 rows, classes 0 (3 rows) and 1 (1 row) → 4/6 and 4/2
        TaskSpec t = ClassLabels.resolve(task(BASE + ", class_weights: balanced}"), rows("0", "0", "1", "0"));
        assertEquals(List.of(4.0 / 6, 2.0), t.classes().weights());
    }

    @Test
    void givenClassesAndWeightsAreChecked() throws Exception {
        TaskSpec t = task(BASE + ", classes: [neg, pos], class_weights: [1, 3]}");
        assertTrue(t.classes().resolved());
        assertEquals(3.0, t.classes().weight(1));
        ConfigException e = assertThrows(ConfigException.class, () -> task(BASE + ", classes: [a, b, c], class_weights: [1, 3]}"));
        assertTrue(e.getMessage().contains("class_weights"), e.getMessage());
        assertThrows(ConfigException.class, () -> task(BASE + ", classes: [a, a]}"));
        // the stored form reads back the same
        TaskSpec back = TaskSpec.fromJson("t", t.toJson(), "tag file");
        assertEquals(t.classes(), back.classes());
    }

    @Test
    void multiLabelTasksReadOneColumnPerLabel() throws Exception {
        TaskSpec t = task("{type: classification, template: 'Molecule <SMILES> {smiles} is <F>', tags: {F: function}, labels: [a, b, c]}");
        assertEquals(ClassSpec.Kind.MULTILABEL, t.classes().kind());
        assertEquals(List.of("a", "b", "c"), t.classes().classes());
        assertEquals(3, t.classes().outputs());
        assertEquals(t.classes(), TaskSpec.fromJson("t", t.toJson(), "tag file").classes());
    }

    @Test
    void presetsOfTheSuite() {
        TaskSpec bbbp = Presets.get("BBBP", "test");
        assertEquals(TaskType.CLASSIFICATION, bbbp.type());
        assertEquals("p_np", bbbp.labelColumn());
        assertEquals(List.of("0", "1"), bbbp.classes().classes());
        assertEquals("solubility", Presets.get("Solubility", "test").labelColumn());
        assertEquals("measured_log_solubility", Presets.get("ESOL", "test").labelColumn());
        assertEquals("hydration_free_energy_expt", Presets.get("FreeSolv", "test").labelColumn());
        assertEquals("logd", Presets.get("Lipophilicity", "test").labelColumn());
    }
}
