package tagllm.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

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

    /** ./tagllm's child options, as its bash array joins them with U+001F: every option whole, in order, spaces kept. */
    @Test
    void theLaunchersChildOptionsComeBackAsGiven() {
        String joined = String.join("\u001f", "-XX:+UseSerialGC", "-Xmx2g", "-Dtagllm.note=two words", "--add-opens=java.base/java.nio=ALL-UNNAMED");
        assertEquals(List.of("-XX:+UseSerialGC", "-Xmx2g", "-Dtagllm.note=two words", "--add-opens=java.base/java.nio=ALL-UNNAMED"),
                Relaunch.childOptions(joined));
        assertEquals(List.of("-Xmx2g"), Relaunch.childOptions("\u001f-Xmx2g\u001f"), "no empty option from an empty TAGLLM_JAVA_OPTS");
        assertEquals(List.of(), Relaunch.childOptions(""));
        // without the property (java -jar), this JVM's own options are passed on: surefire's include the module flag
        assertTrue(Relaunch.childOptions(null).stream().anyMatch(o -> o.contains("jdk.incubator.vector")), Relaunch.childOptions(null).toString());
    }

    /** With the launcher's property this JVM runs on the parent's small options, so it relaunches even with the module present. */
    @Test
    void theLaunchersPropertyAlwaysRelaunches() {
        try {
            System.setProperty(Relaunch.CHILD_OPTIONS, "-Xmx2g");
            assertTrue(Relaunch.needed());
            System.setProperty(Relaunch.MARKER, "true");
            assertFalse(Relaunch.needed(), "never from the child itself");
        } finally {
            System.clearProperty(Relaunch.CHILD_OPTIONS);
            System.clearProperty(Relaunch.MARKER);
        }
    }
}
