package tagllm.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static tagllm.serve.ServeFixture.*;

/** PredictorService through the Java API: refusals name what is wrong, and a closed service refuses everything alike. */
class PredictorServiceTest {
    @Test
    void nullInputsAreRefusedByName(@TempDir Path dir) throws Exception {
        try (PredictorService s = service(List.of(qedTags(dir)))) {
            TaskInfo qed = s.task("QED");
            ApiException none = assertThrows(ApiException.class, () -> s.predict(qed, null));
            assertEquals(400, none.status());
            assertTrue(none.getMessage().startsWith("inputs: null"), none.getMessage());
            ApiException second = assertThrows(ApiException.class, () -> s.predict(qed, Arrays.asList(Map.of("smiles", "CCO"), null)));
            assertEquals(400, second.status());
            assertTrue(second.getMessage().startsWith("inputs[1]: null"), second.getMessage());
        }
    }

    @Test
    void aClosedServiceRefusesPredictGenerateAndClassifyAlike(@TempDir Path dir) throws Exception {
        PredictorService s = service(List.of(qedTags(dir), translateTags(dir)));
        TaskInfo qed = s.task("QED"), translate = s.task("Translate:en-fr");
        assertEquals(1, s.generate(translate, List.of(Map.of("src", "The sun")), TagService.Decoding.greedy(2), null).texts().size(),
                "open, it generates");
        s.close();
        List<org.junit.jupiter.api.function.Executable> calls = List.of(
                () -> s.predict(qed, List.of(Map.of("smiles", "CCO"))),
                () -> s.generate(translate, List.of(Map.of("src", "The sun")), TagService.Decoding.greedy(2), null),
                () -> s.classify(qed, List.of(Map.of("smiles", "CCO"))));
        for (var call : calls) {
            ApiException e = assertThrows(ApiException.class, call);
            assertEquals(503, e.status());
            assertEquals("the server is shutting down", e.getMessage());
        }
    }
}
