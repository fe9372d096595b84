package tagllm.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineInfoTest {
    /** OperatingSystemMXBean.getSystemLoadAverage's "not available" is any negative value (−1 on Windows). */
    @Test
    void aNegativeLoadIsNoFigure() {
        assertTrue(Double.isNaN(MachineInfo.loadOrNaN(-1.0)));
        assertTrue(Double.isNaN(MachineInfo.loadOrNaN(-0.5)));
        assertEquals(0.0, MachineInfo.loadOrNaN(0.0));
        assertEquals(2.25, MachineInfo.loadOrNaN(2.25));
    }
}
