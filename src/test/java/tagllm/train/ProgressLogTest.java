package tagllm.train;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** Training's progress in a log: the row commands' rhythm and wording (util.LogRhythm), on a fake clock. */
class ProgressLogTest {
    private final long[] now = {0};

    private void at(double seconds) { now[0] = Math.round(seconds * 1e9); }

    @Test
    void aStageShorterThanTenSecondsLogsNoProgress() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), false, false, false, () -> now[0]);
        p.start("stage s1", 0, 100);
        for (int step = 1; step <= 100; step++) {
            at(step * 0.09);
            p.update(step, 0.5, 1000);
        }
        assertEquals("", w.toString());
    }

    /** ETAs by hand: 20 steps in 10 s leave 80 at 0.5 s each (40 s); 80 in 40 s leave 20 (10 s). */
    @Test
    void aLogGetsALineAfterTenSecondsThenAtMostOneEveryThirtyAndTheEnd() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), false, false, false, () -> now[0]);
        p.start("stage s1", 0, 100);
        at(5);
        p.update(10, 0.9, 12_345);
        at(10);
        p.update(20, 0.5, 12_345);
        at(20);
        p.update(40, 0.4, 12_345);
        at(40);
        p.update(80, 0.3, 12_345);
        at(45);
        p.update(100, 0.25, 12_345);
        assertEquals("""
                stage s1: step 20/100 (20.0%), loss 0.5000, 12.3k tok/s, ETA 40 s
                stage s1: step 80/100 (80.0%), loss 0.3000, 12.3k tok/s, ETA 10 s
                stage s1: step 100/100 (100.0%), loss 0.2500, 12.3k tok/s, 45 s in all
                """, w.toString().replace(System.lineSeparator(), "\n"));
    }
}
