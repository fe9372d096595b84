package tagllm.task;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What predict and spark score say failed when the model call threw: the message in words, the class only without one. */
class ModelFailureReasonTest {
    @Test
    void theMessageAloneAndTheClassNameOnlyWithoutOne() {
        assertEquals("token id 410 is outside the vocabulary [0, 40)",
                TagPredictor.modelFailureReason(new IllegalArgumentException("token id 410 is outside the vocabulary [0, 40)")));
        assertEquals("java.lang.IllegalStateException", TagPredictor.modelFailureReason(new IllegalStateException()));
        assertEquals("java.lang.IllegalStateException", TagPredictor.modelFailureReason(new IllegalStateException(" ")));
    }
}
