package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.*;

/**
 * demo.yaml is read back by a machine (tagllm compare): its numbers are written in ASCII digits whatever the user's
 * locale. Arabic (Saudi Arabia) formats %d with Arabic-Indic digits (٤٢), which YAML reads as text.
 */
class DemoPresetLocaleTest {
    @Test
    void theExperimentFileHasAsciiNumbersInAnArabicLocale(@TempDir Path data) throws Exception {
        for (String f : DemoPreset.DATA_FILES) {
            Files.createDirectories(data.resolve(f).getParent());
            Files.writeString(data.resolve(f), "x\n");
        }
        DemoPreset.Sizes s = DemoPreset.Sizes.standard();
        Locale before = Locale.getDefault();
        String yaml;
        try {
            Locale.setDefault(Locale.forLanguageTag("ar-SA"));
            yaml = DemoPreset.yaml("m", data, null, s, 42);
        } finally {
            Locale.setDefault(before);
        }
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        assertTrue(root.path("seed").isIntegralNumber(), "seed: " + root.path("seed"));
        assertEquals(42, root.path("seed").asInt());
        JsonNode qedData = root.path("tasks").path("qed").path("data");
        assertTrue(qedData.path("max_train").isIntegralNumber(), "max_train: " + qedData.path("max_train"));
        assertEquals(s.trainRows(), qedData.path("max_train").asInt());
        assertEquals(s.evalRows(), qedData.path("max_eval").asInt());
        assertEquals(s.domainSteps(), root.path("stages").path(0).path("max_steps").asInt(-1));
        assertEquals(s.batchSize(), root.path("stages").path(2).path("batch_size").asInt(-1));
        assertTrue(yaml.chars().allMatch(c -> c < 128 || !Character.isDigit(c)), "only ASCII digits:\n" + yaml);
    }
}
