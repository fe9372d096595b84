package tagllm.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * This build's version (BuildVersion): pom.xml's version and the git commit the build was made from, which Maven
 * writes into the class path resource tagllm/version.properties (the commit through the profile git-commit).
 */
public final class Version {
    static final String RESOURCE = "/tagllm/version.properties";
    private static final BuildVersion CURRENT = load();

    private Version() {}

    /** The recorded form, as tag files, checkpoints and run.json store it: {@code 0.1.0-SNAPSHOT+g1a2b3c4}. */
    public static String current() { return CURRENT.toString(); }

    public static BuildVersion build() { return CURRENT; }

    private static BuildVersion load() {
        try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("tagllm/version.properties is missing from the class path: build with Maven");
            Properties p = new Properties();
            p.load(in);
            return fromProperties(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The build's version from version.properties' keys. A commit left unfilled (the build found no git history, so
     * Maven left the placeholder) or empty is an unknown commit, not an error: a source tarball builds and runs.
     */
    static BuildVersion fromProperties(Properties p) {
        String v = p.getProperty("version");
        if (unfilled(v)) throw new IllegalStateException("tagllm/version.properties holds no version (got '" + v + "'): build with Maven");
        String commit = p.getProperty("commit");
        if (unfilled(commit)) return new BuildVersion(v, null, false);
        try {
            return new BuildVersion(v, commit.strip(), "true".equals(p.getProperty("dirty", "").strip()));
        } catch (IllegalArgumentException e) {
            // not a commit id (a repository without commits, a build tool's odd value): unknown rather than no tagllm
            return new BuildVersion(v, null, false);
        }
    }

    private static boolean unfilled(String value) { return value == null || value.isBlank() || value.startsWith("${"); }
}
