package tagllm.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Hugging Face Hub model id "org/name", optionally "org/name@revision" (a branch, tag or commit hash). */
public record HubId(String org, String name, String revision) {
    private static final String PART = "[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?";
    private static final Pattern ID = Pattern.compile("(" + PART + ")/(" + PART + ")(?:@([A-Za-z0-9][A-Za-z0-9._/-]{0,199}))?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public HubId {
        if (revision == null || revision.isEmpty()) revision = "main";
    }

    /** Parses "org/name" or "org/name@rev"; empty for anything else (a path, a bare name, "a/../b"). */
    public static Optional<HubId> parse(String s) {
        Matcher m = ID.matcher(s);
        if (!m.matches()) return Optional.empty();
        String org = m.group(1), name = m.group(2), rev = m.group(3);
        if (org.contains("..") || name.contains("..") || org.contains("--") || name.contains("--")) return Optional.empty();
        if (rev != null && (rev.contains("..") || rev.endsWith("/"))) return Optional.empty();
        return Optional.of(new HubId(org, name, rev));
    }

    public String repo() { return org + "/" + name; }

    /**
     * The huggingface_hub CLI command that fetches this revision: `hf download` alone takes main, so a branch, tag or
     * commit must be passed with --revision or the user would cache a different snapshot than the one asked for.
     */
    public String downloadCommand() {
        return "hf download " + repo() + (revision.equals("main") ? "" : " --revision " + revision);
    }

    /** The cache folder name: models--org--name. */
    public String cacheFolder() { return "models--" + org + "--" + name; }

    /** Whether the revision is a full commit hash (then it names a snapshot folder directly). */
    public boolean revisionIsCommit() { return COMMIT.matcher(revision).matches(); }

    @Override
    public String toString() { return revision.equals("main") ? repo() : repo() + "@" + revision; }
}
