package tagllm.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class RelaunchTest {
    private static String filtered(String childStderr) throws Exception {
        var out = new ByteArrayOutputStream();
        Relaunch.copyFilteringWarning(new ByteArrayInputStream(childStderr.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dropsOnlyTheJdksIncubatorWarningAndPassesTheRestUnchanged() throws Exception {
        assertEquals("train [==>  ] 1/4\rtrain [====] 4/4\nerror: x\n",
                filtered("WARNING: Using incubator modules: jdk.incubator.vector\ntrain [==>  ] 1/4\rtrain [====] 4/4\nerror: x\n"));
        assertEquals("error: first line\nWARNING: Using incubator modules: later lines stay\n",
                filtered("error: first line\nWARNING: Using incubator modules: later lines stay\n"), "only a first line is the JVM's");
        assertEquals("", filtered(""));
        assertEquals("no newline", filtered("no newline"));
    }

    @Test
    void theTestJvmHasTheVectorApiSoMainRunsInProcess() {
        assertFalse(Relaunch.needed(), "surefire passes --add-modules, as the JDK demands");
    }
}
