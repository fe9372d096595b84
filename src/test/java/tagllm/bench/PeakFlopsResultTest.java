package tagllm.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Two measurements of one peak: the higher of each field is kept, and the drop between them is 1 − lower/higher. */
class PeakFlopsResultTest {
    @Test
    void higherKeepsTheFasterMeasurementOfEachField() {
        PeakFlops.Result slowStart = new PeakFlops.Result(2, 663.4, 451.3, 512);
        PeakFlops.Result later = new PeakFlops.Result(2, 884.0, 447.0, 512);
        assertEquals(new PeakFlops.Result(2, 884.0, 451.3, 512), slowStart.higher(later));
        assertEquals(new PeakFlops.Result(2, 884.0, 451.3, 512), later.higher(slowStart));
        assertEquals(1 - 663.4 / 884.0, slowStart.dropFrom(later), 1e-15);
        assertEquals(1 - 663.4 / 884.0, later.dropFrom(slowStart), 1e-15);
        assertEquals(0.0, later.dropFrom(later), 0.0);
    }

    @Test
    void peaksOfDifferentLoopsDoNotCombine() {
        PeakFlops.Result twoThreads = new PeakFlops.Result(2, 400, 220, 512);
        assertThrows(IllegalArgumentException.class, () -> twoThreads.higher(new PeakFlops.Result(1, 220, 220, 512)));
        assertThrows(IllegalArgumentException.class, () -> twoThreads.higher(new PeakFlops.Result(2, 200, 110, 256)));
    }
}
