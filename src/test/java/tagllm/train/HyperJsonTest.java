package tagllm.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * run.json and the tag files' provenance record a stage's hyper-parameters through Hyper.toJson, which names each one
 * by hand; --resume compares what it writes, so a component it left out would be a setting a resume never checks.
 */
class HyperJsonTest {
    @Test
    void everyComponentIsWrittenUnderItsExperimentFileNameWithItsValue() {
        Hyper h = Hyper.paper();
        var json = h.toJson();
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        List<String> components = Arrays.stream(Hyper.class.getRecordComponents()).map(c -> Hyper.snakeCase(c.getName())).toList();
        assertEquals(components, names, "one key per record component, in the record's order");
        assertEquals(List.of(Hyper.KEYS), names, "the experiment file's names (Hyper.KEYS)");
        for (var c : Hyper.class.getRecordComponents()) {
            try {
                Object v = c.getAccessor().invoke(h);
                assertEquals(String.valueOf(v), json.get(Hyper.snakeCase(c.getName())).asText(), c.getName());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }
    }
}
