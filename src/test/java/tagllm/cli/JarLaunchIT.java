package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The built jar as a user runs it: {@code java -jar target/tagllm.jar} with no JVM flag, from an empty folder (no
 * ../shared beside it), on the model and data embedded in the jar.
 */
class JarLaunchIT {
    private record Run(int exit, String out, String err) {}

    private static Run java(Path cwd, Path cache, String... args) throws Exception {
        Path jar = Path.of(System.getProperty("tagllm.jar", "target/tagllm.jar")).toAbsolutePath();
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path out = cwd.resolve("stdout.txt"), err = cwd.resolve("stderr.txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("TAGLLM_CACHE", cache.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "java -jar finished");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void quickDemoFromTheJarWithNoFlagsAndNoSharedFolder(@TempDir Path dir) throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("work"));
        Run r = java(cwd, dir.resolve("cache"), "demo", "--quick");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\nqed (") && r.out().contains("\ndc (") && r.out().contains("\nba ("), r.out());
        assertTrue(Files.exists(cwd.resolve("runs/demo/report.json")) && Files.exists(cwd.resolve("runs/demo/report.html")));
        assertFalse(r.err().contains("WARNING"), "no JDK warning (incubator module, native access):\n" + r.err());
    }

    /** ./tagllm called through a symlink elsewhere (e.g. ~/bin/tagllm) finds its project, jar and JDK. */
    @Test
    void theLauncherScriptWorksThroughASymlink(@TempDir Path dir) throws Exception {
        Path script = Path.of("tagllm").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script) && Files.isExecutable(Path.of("/bin/bash")), "needs bash and ./tagllm");
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("bin")).resolve("tagllm"), script);
        Process p = new ProcessBuilder(link.toString(), "--version").directory(dir.toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err.txt")));
        assertTrue(out.startsWith("tagllm "), out);
    }

    /**
     * macOS before 12.3 has a readlink without -f ("readlink: illegal option -- f"): ./tagllm then looked for
     * .ci/java-home.sh in the root folder and stopped, called through a symlink or not. A readlink that refuses -f
     * stands in for it here, first on the PATH.
     */
    @Test
    void theLauncherScriptWorksThroughASymlinkWithoutReadlinkF(@TempDir Path dir) throws Exception {
        Path script = Path.of("tagllm").toAbsolutePath();
        Path readlink = Path.of("/usr/bin/readlink").toRealPath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script) && Files.isExecutable(Path.of("/bin/bash")), "needs bash and ./tagllm");
        Path fake = Files.createDirectories(dir.resolve("fakebin")).resolve("readlink");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -f|-e|-m) echo \"readlink: illegal option -- f\" >&2; exit 1;; esac; done\n"
                + "exec " + readlink + " \"$@\"\n");
        fake.toFile().setExecutable(true);
        // a relative symlink to a symlink: each is resolved against its own folder
        Path bin = Files.createDirectories(dir.resolve("bin")), other = Files.createDirectories(dir.resolve("other"));
        Files.createSymbolicLink(other.resolve("tl"), script);
        Path link = Files.createSymbolicLink(bin.resolve("tagllm"), Path.of("../other/tl"));
        ProcessBuilder pb = new ProcessBuilder(link.toString(), "--version").directory(dir.toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("PATH", fake.getParent() + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err.txt")));
        assertTrue(out.startsWith("tagllm "), out);
    }

    /**
     * In the C locale (a bare container's) Java read the arguments as ASCII: "café" reached the tokenizer as "caf??"
     * (ids 450 450, the piece "?"). tok512 spells it ▁c a f é: 280 412 431 485 (../shared/fixtures' pieces).
     */
    @Test
    void theLauncherScriptReadsNonAsciiArgumentsInTheCLocale(@TempDir Path dir) throws Exception {
        Path script = Path.of("tagllm").toAbsolutePath();
        Path model = Path.of("..", "shared", "models", "stories260K").toAbsolutePath();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(script) && Files.isExecutable(Path.of("/bin/bash")), "needs bash and ./tagllm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(model), "needs ../shared");
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "tokenize", "--json", model.toString(), "café").directory(dir.toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("err.txt")));
        assertEquals("{\"text\":\"café\",\"ids\":[1,280,412,431,485],\"tokens\":[\"<s>\",\"▁c\",\"a\",\"f\",\"é\"]}", out.strip());
    }

    @Test
    void commandsWithoutAModelStartCleanlyToo(@TempDir Path dir) throws Exception {
        Run r = java(dir, dir.resolve("cache"), "score", "text", "--help");
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        Run v = java(dir, dir.resolve("cache"), "--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("tagllm "), v.out());
    }
}
