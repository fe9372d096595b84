package tagllm.util;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NameLookupTest {
    @Test
    void exactNameWinsOverCaseInsensitiveOnes() {
        var m = NameLookup.find(List.of("QED", "qed", "BA"), "qed");
        assertEquals("qed", m.name());
        assertFalse(m.isAmbiguous());
    }

    @Test
    void theOneNameEqualIgnoringCaseIsFound() {
        var m = NameLookup.find(List.of("QED", "BA"), "Qed");
        assertEquals("QED", m.name());
        assertTrue(m.found());
    }

    @Test
    void severalNamesEqualOnlyIgnoringCaseAreAmbiguousInTheirGivenOrder() {
        var m = NameLookup.find(List.of("qed", "BA", "QED"), "Qed");
        assertFalse(m.found());
        assertEquals(List.of("qed", "QED"), m.ambiguous());
    }

    @Test
    void noMatchIsNeitherFoundNorAmbiguous() {
        var m = NameLookup.find(List.of("QED"), "BA");
        assertFalse(m.found());
        assertFalse(m.isAmbiguous());
    }
}
