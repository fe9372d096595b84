package tagllm.util;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The build fills tagllm/version.properties (the jar's copy is target/classes'): the pom's version always, the git
 * commit when it ran in a git clone. A resource without the commit keys is a broken build and fails here; a build
 * from a source tarball (no .git) has no commit to record and skips the commit checks.
 */
class VersionResourceTest {
    private static Properties resource() throws Exception {
        try (InputStream in = Version.class.getResourceAsStream(Version.RESOURCE)) {
            assertNotNull(in, Version.RESOURCE + " is not on the class path");
            Properties p = new Properties();
            p.load(in);
            return p;
        }
    }

    @Test
    void theResourceHasTheVersionAndTheCommitKeys() throws Exception {
        Properties p = resource();
        assertTrue(p.getProperty("version", "").matches("\\d+\\.\\d+\\.\\d+.*"), p.toString());
        assertTrue(p.containsKey("commit") && p.containsKey("dirty"), "the build no longer writes the commit: " + p);
    }

    @Test
    void builtInAGitWorkTreeTheCommitIsRecordedAndIsHeads() throws Exception {
        // surefire runs in the project folder; pom.xml's profile git-commit records the commit where this file is
        assumeTrue(Files.exists(Path.of(".git/logs/HEAD")), "no .git/logs/HEAD here (a source tarball, a worktree): the build has no commit to record");
        Properties p = resource();
        String commit = p.getProperty("commit");
        assertNotNull(commit, "no commit in " + p);
        assertTrue(commit.matches("[0-9a-f]{7,40}"), "commit is not an abbreviated git id: " + commit);
        assertTrue(p.getProperty("dirty").matches("true|false"), p.toString());
        BuildVersion b = Version.build();
        assertEquals(commit, b.commit());
        assertEquals(p.getProperty("version") + "+g" + commit + ("true".equals(p.getProperty("dirty")) ? ".dirty" : ""), Version.current());
        // the commit is HEAD's as git itself names it (where git is installed)
        String head = gitHead();
        if (head != null) assertTrue(head.startsWith(commit), "recorded " + commit + ", git says HEAD is " + head);
    }

    private static String gitHead() {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : null;
        } catch (Exception e) {
            return null; // no git program: the plugin reads the repository itself, so the build still knew the commit
        }
    }
}
