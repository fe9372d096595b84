package tagllm.util;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version a tagllm build records in what it writes (tagllm_version in tag files, checkpoints, provenance and
 * run.json): the pom's version, then, where the build knew it, "+g" and the abbreviated git commit, and ".dirty" when
 * the work tree had uncommitted changes: {@code 0.1.0-SNAPSHOT+g1a2b3c4}, {@code 0.1.0-SNAPSHOT+g1a2b3c4.dirty}. A
 * build that finds no git history (a source tarball) records the bare pom version, as every build up to ea95926 did.
 * The suffix is SemVer build metadata ("+", dot-separated identifiers), the "g" marks a git commit as in git describe.
 * Only the tag file's format version decides whether a file is read; this string says which code wrote it.
 */
public record BuildVersion(String release, String commit, boolean dirty) {
    private static final Pattern SUFFIXED = Pattern.compile("(.+)\\+g([0-9a-f]{4,40})(\\.dirty)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{4,40}");

    public BuildVersion {
        Objects.requireNonNull(release, "release");
        if (release.isBlank()) throw new IllegalArgumentException("a version cannot be blank");
        // with a commit, a "+" in the release would make the recorded form read back differently
        if (commit != null && release.contains("+")) throw new IllegalArgumentException("not a pom version: '" + release + "'");
        if (commit != null && !COMMIT.matcher(commit).matches()) {
            throw new IllegalArgumentException("not an abbreviated git commit (4 to 40 lower-case hex digits): '" + commit + "'");
        }
        if (commit == null && dirty) throw new IllegalArgumentException("a work tree can only be dirty against a known commit");
    }

    /**
     * Reads a recorded version back (blank: IllegalArgumentException). A string without this format's suffix (a bare pom version, as builds before
     * 7 Dec 2026 and builds without git wrote, or any other build metadata) is all release, with no commit: parsing
     * never refuses a recorded version, so no file is refused for what its writer called itself.
     */
    public static BuildVersion parse(String recorded) {
        Objects.requireNonNull(recorded, "recorded");
        Matcher m = SUFFIXED.matcher(recorded);
        if (m.matches() && !m.group(1).contains("+")) return new BuildVersion(m.group(1), m.group(2), m.group(3) != null);
        return new BuildVersion(recorded, null, false);
    }

    /** Whether the commit the build was made from is known. */
    public boolean commitKnown() { return commit != null; }

    /** The recorded form: {@code 0.1.0-SNAPSHOT+g1a2b3c4[.dirty]}, or the bare pom version when the commit is unknown. */
    @Override
    public String toString() { return commit == null ? release : release + "+g" + commit + (dirty ? ".dirty" : ""); }

    /** For people (tagllm --version): the recorded form and what its suffix, or its lack, means. */
    public String describe() {
        if (commit == null) return release + " (unknown commit: the build found no git history)";
        return toString() + (dirty ? " (commit " + commit + " with uncommitted changes)" : " (commit " + commit + ")");
    }
}
