package tagllm.cli;

import org.junit.jupiter.api.Test;
import tagllm.testutil.CliRun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's exit codes: 2 when the command line cannot run as given. {@code tagllm} without a command (or a group such
 * as {@code tagllm data build} without its command) is such a line: it printed the usage and exited 0, so a script
 * that lost its command looked successful. {@code --help} and {@code help} are asked for, and stay 0 on stdout.
 */
class MissingCommandCliTest {
    @Test
    void noCommandIsAUsageErrorWithTheUsageOnStderr() {
        CliRun r = CliRun.of();
        assertEquals(2, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("Missing command: give one of help, model, "), r.err());
        assertTrue(r.err().contains(" (tagllm --help says what each does)"), r.err());
        assertTrue(r.err().contains("Usage: tagllm "), r.err());
    }

    @Test
    void aGroupWithoutItsCommandIsOneToo() {
        CliRun r = CliRun.of("data", "build");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("Missing command: give one of qed, descriptor (tagllm data build --help says what each does)"), r.err());
        // the hint is a command line that runs: 'build --help' alone is no command
        assertTrue(CliRun.of("data").err().startsWith("Missing command: give one of build (tagllm data --help says"), CliRun.of("data").err());
        assertTrue(r.err().contains("Usage: tagllm data build "), r.err());
        assertEquals(2, CliRun.of("data").exit());
    }

    @Test
    void helpAndVersionStayZero() {
        for (String[] args : new String[][]{{"--help"}, {"-h"}, {"help"}, {"data", "--help"}, {"data", "build", "--help"}, {"help", "data"}}) {
            CliRun r = CliRun.of(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().contains("Usage: tagllm"), String.join(" ", args) + ": " + r.out());
        }
        CliRun v = CliRun.of("--version");
        assertEquals(0, v.exit(), v.err());
        assertTrue(v.out().startsWith("tagllm "), v.out());
    }
}
