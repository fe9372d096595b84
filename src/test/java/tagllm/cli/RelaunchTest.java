package tagllm.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import tagllm.testutil.CliRun;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
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
    void dropsTheWarningAlsoAfterTheJvmsPickedUpOptionNotes() throws Exception {
        // what a child JVM printed first with JDK_JAVA_OPTIONS and JAVA_TOOL_OPTIONS set (java 25, by hand)
        String notes = "NOTE: Picked up JDK_JAVA_OPTIONS: -Dx=1\nPicked up JAVA_TOOL_OPTIONS: -Duser.language=tr\n";
        assertEquals(notes + "error: x\n", filtered(notes + "WARNING: Using incubator modules: jdk.incubator.vector\nerror: x\n"));
        assertEquals(notes + "error: x\nWARNING: Using incubator modules: later\n",
                filtered(notes + "error: x\nWARNING: Using incubator modules: later\n"), "only the JVM's preamble is looked at");
        assertEquals("Picked up JAVA_TOOL_OPTIONS: -Dx=1", filtered("Picked up JAVA_TOOL_OPTIONS: -Dx=1"));
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

    /**
     * Stopping the parent (SIGTERM) stops the child, and what the child writes to stderr while it stops still comes
     * through: serve logs the requests it answers during its grace period. The child here is a shell that writes a
     * line 300 ms after its SIGTERM. Before, the parent's Process.destroy() closed the pipe and the line was lost.
     */
    @Test
    void whatTheChildWritesWhileStoppingComesThrough() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), RelaunchParentMain.class.getName(),
                "bash", "-c", "trap 'sleep 0.3; echo \"GET /late 200\" >&2; exit 0' TERM; echo ready >&2; while :; do sleep 0.05; done"));
        Process parent = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            var err = new BufferedReader(new InputStreamReader(parent.getErrorStream(), StandardCharsets.UTF_8));
            assertEquals("ready", err.readLine());
            parent.toHandle().destroy(); // SIGTERM, as `kill PID` sends (Process.destroy would close our pipe too)
            assertTrue(parent.waitFor(20, TimeUnit.SECONDS), "the parent stops");
            List<String> rest = err.lines().toList();
            assertEquals(List.of("GET /late 200"), rest, "the child's line written after its SIGTERM");
        } finally {
            parent.destroyForcibly();
        }
    }

    /** bash's <(...) passes /dev/fd/N; the child gets only descriptors 0-2, so it must open the pipe through /proc/PARENT. */
    @Test
    void anInheritedDescriptorPathIsPassedThroughTheParentsProcEntry() {
        assertEquals(List.of("chem", "--input", "/proc/1234/fd/63", "--output=/proc/1234/fd/5", "/proc/1234/fd/7",
                        "/dev/fd/0", "/dev/fd/2", "--prompt", "a /dev/fd/9 b", "/dev/fd/x", "/dev/fd/12345678901"),
                Relaunch.inheritedDescriptors(List.of("chem", "--input", "/dev/fd/63", "--output=/dev/fd/5", "/proc/self/fd/7",
                        "/dev/fd/0", "/dev/fd/2", "--prompt", "a /dev/fd/9 b", "/dev/fd/x", "/dev/fd/12345678901"), 1234, p -> true));
        assertEquals(List.of("--input", "/dev/fd/63"),
                Relaunch.inheritedDescriptors(List.of("--input", "/dev/fd/63"), 1234, p -> false), "no /proc: unchanged");
    }

    /**
     * docs/data-and-metrics.md: {@code --input <(zcat ...)} works. The CLI ran in the relaunched child, which could not
     * open the parent's /dev/fd/63 ("error: /dev/fd/63: no such file"). Here bash starts the CLI as ./tagllm does (a
     * JVM without the Vector API, so it relaunches) with a process substitution as the input; the output must equal
     * that of the same rows read from a regular file.
     */
    @Test
    void aProcessSubstitutionReachesTheRelaunchedChild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(Path.of("/proc/self/fd")), "no /proc here");
        String rows = "smiles,name\nCCO,ethanol\nc1ccccc1O,phenol\n";
        Path file = java.nio.file.Files.writeString(dir.resolve("mols.csv"), rows);
        Path expected = dir.resolve("expected.csv"), got = dir.resolve("got.csv");
        CliRun reference = CliRun.of("chem", "qed", "-q", "--input", file.toString(), "--output", expected.toString());
        assertEquals(0, reference.exit(), reference.err());
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("bash", "-c", "exec \"$0\" -Xmx64m -cp \"$1\" tagllm.cli.Main chem qed -q --input <(cat \"$2\") "
                + "--format csv --output \"$3\"", javaBin, System.getProperty("java.class.path"), file.toString(), got.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(java.nio.file.Files.readString(expected), java.nio.file.Files.readString(got));
    }

    /**
     * kill -9 of the process ./tagllm started (the parent JVM: the launcher execs it) cannot be passed on to the child,
     * which went on alone: a killed `train` kept training into its folder in the background, under a `train --resume`
     * started after it. The child now stops when its parent is gone. Here the child is the CLI's tokenize, blocked
     * reading a standard input that stays open.
     */
    @Test
    void theChildStopsWhenItsParentIsKilled() throws Exception {
        Path model = tagllm.testutil.Shared.model("stories260K");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(model), "no ../shared model");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // sleep holds the standard input open (a Process's own stdin pipe is closed by the JDK once that process dies)
        Process shell = new ProcessBuilder("bash", "-c", "sleep 120 | \"$0\" -Xmx64m -D" + Relaunch.CHILD_OPTIONS
                + "=-Xmx128m -cp \"$1\" " + Main.class.getName() + " tokenize --json \"$2\"",
                javaBin, System.getProperty("java.class.path"), model.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle parent = null, child = null;
        try {
            long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (child == null && System.nanoTime() < started) {
                parent = shell.toHandle().children().filter(h -> h.info().command().orElse("").endsWith("java"))
                        .findFirst().orElse(null);
                if (parent != null) child = parent.children().findFirst().orElse(null);
                Thread.sleep(50);
            }
            assertNotNull(child, "the parent started a child");
            Thread.sleep(3000); // the child is up, reading its standard input
            assertTrue(child.isAlive());
            parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (child.isAlive() && System.nanoTime() < deadline) Thread.sleep(50);
            assertFalse(child.isAlive(), "the child still runs after its parent was killed");
        } finally {
            if (child != null) child.destroyForcibly();
            shell.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
    }
}
