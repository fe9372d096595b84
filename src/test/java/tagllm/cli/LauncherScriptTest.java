package tagllm.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ./tagllm and ./test.sh where Maven is not on the PATH: one error line naming it, exit 1 (it was bash's
 * "mvn: command not found", exit 127). Each runs from a copy of the scripts in a folder with no jar, so ./tagllm
 * would build, under a PATH holding only the tools the scripts use (and no mvn); nothing is built either way.
 */
class LauncherScriptTest {
    private static final String[] TOOLS = {"bash", "dirname", "readlink", "sed", "grep", "find", "head", "env", "cat"};

    private static Path tools(Path dir) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String t : TOOLS) {
            Path found = null;
            for (String d : System.getenv("PATH").split(File.pathSeparator)) {
                Path p = Path.of(d, t);
                if (Files.isExecutable(p)) {
                    found = p;
                    break;
                }
            }
            Assumptions.assumeTrue(found != null, "needs " + t);
            Files.createSymbolicLink(bin.resolve(t), found);
        }
        return bin;
    }

    private static String[] run(Path project, Path bin, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile())
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new String[]{String.valueOf(p.exitValue()), out};
    }

    /** The scripts in a folder of their own, with an empty pom.xml and no jar. */
    private static Path copy(Path repo, Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.createDirectories(project.resolve(".ci"));
        Files.createDirectories(project.resolve("src/main"));
        for (String f : new String[]{"tagllm", "test.sh", ".ci/java-home.sh"}) {
            Files.copy(repo.resolve(f), project.resolve(f));
            project.resolve(f).toFile().setExecutable(true);
        }
        Files.writeString(project.resolve("pom.xml"), "<project/>\n");
        return project;
    }

    @Test
    void withoutMavenTheScriptsSayWhatIsMissing(@TempDir Path dir) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(repo.resolve("tagllm")) && Files.isRegularFile(repo.resolve(".ci/java-home.sh")));
        Assumptions.assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "javac")), "needs a JDK");
        bothSayMavenIsMissing(copy(repo, dir), tools(dir));
    }

    /** sh tagllm (dash on Debian and Ubuntu) stopped at "set: Illegal option -o pipefail", exit 2: it restarts in bash. */
    @Test
    void runThroughShTheScriptsRestartInBash(@TempDir Path dir) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(repo.resolve("tagllm")) && Files.isExecutable(Path.of("/bin/sh")));
        Assumptions.assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "javac")), "needs a JDK");
        bothSayMavenIsMissing(copy(repo, dir), tools(dir), "/bin/sh");
    }

    /**
     * Maven 3.8 prints bare colour resets (ESC [ 0 m) even with -q -B. ./tagllm dropped them from the core's build but
     * not from tagllm-spark's, which the first ./tagllm spark runs: "^[[0m^[[0m..." stood before the command's
     * usage. Here mvn is a stand-in that prints resets and a line of its own, and the launcher must pass the line
     * on without the resets, for both builds (what runs after them fails, as nothing was really built).
     */
    @Test
    void theFirstSparkCommandShowsNoColourResetsFromEitherBuild(@TempDir Path dir) throws Exception {
        Path repo = Path.of("").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(repo.resolve("tagllm")) && Files.isRegularFile(repo.resolve(".ci/java-home.sh")));
        Assumptions.assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "javac")), "needs a JDK");
        Path project = copy(repo, dir);
        Path bin = tools(dir);
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/bash\nprintf '\\033[0m\\033[0mstand-in mvn %s\\n' \"$*\"\n");
        mvn.toFile().setExecutable(true);
        String[] r = run(project, bin, project.resolve("tagllm").toString(), "spark", "--help");
        assertTrue(r[1].contains("stand-in mvn -q -B package"), r[1]);
        assertTrue(r[1].contains("stand-in mvn -q -B install"), r[1]);
        assertTrue(r[1].contains("stand-in mvn -q -B -f tagllm-spark/pom.xml package"), r[1]);
        assertFalse(r[1].contains("\u001b[0m"), r[1].replace("\u001b", "ESC"));
    }

    /** ./tagllm and ./test.sh, run directly or through the given shell, stop with exit 1 saying that Maven is missing. */
    private static void bothSayMavenIsMissing(Path project, Path bin, String... shell) throws Exception {
        for (String script : new String[]{"tagllm", "test.sh"}) {
            String[] command = java.util.stream.Stream.concat(java.util.Arrays.stream(shell), java.util.stream.Stream.of(
                    project.resolve(script).toString())).toArray(String[]::new);
            String[] r = run(project, bin, command);
            assertEquals("1", r[0], String.join(" ", command) + ": " + r[1]);
            assertTrue(r[1].contains("needs Maven (mvn), which is not on the PATH"), String.join(" ", command) + ": " + r[1]);
        }
    }
}
