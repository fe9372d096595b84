package tagllm.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One tag set a server offers: its name (what a request's {@code tag_set} says) and the tag file(s) it reads.
 * Each {@code --tags} value is one or more tag sets:
 * <ul>
 *   <li>{@code FILE}: one set named after the file: {@code qed.tags.safetensors} is "qed"; a file named
 *       {@code final.tags.safetensors} (what {@code tagllm train -o RUN} writes) takes its folder's name, "RUN";</li>
 *   <li>{@code FOLDER}: every {@code *.tags.safetensors} directly in it, each its own set named as above;</li>
 *   <li>{@code NAME=FILE[,FILE...]}: one set with that name; several files are composed in order (domain tags of
 *       one run with a function tag of another, as {@code tagllm tags merge} does).</li>
 * </ul>
 * Two sets of the same name are refused (naming both sources): rename one with {@code NAME=FILE}. Names are
 * letters, digits, '.', '_' and '-' (other characters of a file name become '-').
 */
public record TagSetFiles(String name, List<Path> files) {
    static final String SUFFIX = ".tags.safetensors";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public TagSetFiles {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tag set name '" + name + "': expected 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)");
        }
        if (files.isEmpty()) throw new IllegalArgumentException("tag set " + name + ": no tag file");
        files = List.copyOf(files);
    }

    /**
     * The tag sets that {@code --tags} values name, in order; refuses bad names and repeated names
     * (IllegalArgumentException: the command line is wrong) and folders without a tag file (IOException: what was read).
     */
    public static List<TagSetFiles> resolve(List<String> values) throws IOException {
        if (values.isEmpty()) throw new IllegalArgumentException("give at least one tag file");
        List<TagSetFiles> out = new ArrayList<>();
        Map<String, String> from = new LinkedHashMap<>();
        for (String v : values) {
            for (TagSetFiles s : resolve(v)) {
                String earlier = from.putIfAbsent(s.name(), v);
                if (earlier != null) {
                    throw new IllegalArgumentException("--tags " + v + ": a tag set named '" + s.name() + "' is already loaded (from "
                            + earlier + "); name one with --tags NAME=FILE");
                }
                out.add(s);
            }
        }
        return out;
    }

    private static List<TagSetFiles> resolve(String value) throws IOException {
        int eq = value.indexOf('=');
        if (eq > 0 && !Files.exists(Path.of(value))) {
            String name = value.substring(0, eq);
            List<Path> files = new ArrayList<>();
            for (String f : value.substring(eq + 1).split(",")) {
                if (f.isBlank()) throw new IllegalArgumentException("--tags " + value + ": an empty file name (expected NAME=FILE[,FILE...])");
                Path p = Path.of(f.trim());
                if (Files.isDirectory(p)) throw new IllegalArgumentException("--tags " + value + ": " + p + " is a folder; NAME=... takes tag files");
                files.add(p);
            }
            try {
                return List.of(new TagSetFiles(name, files));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--tags " + value + ": " + e.getMessage());
            }
        }
        Path p = Path.of(value);
        if (Files.isDirectory(p)) {
            List<Path> found;
            try (var s = Files.list(p)) {
                found = s.filter(f -> f.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(f)).sorted().toList();
            }
            // a failure on what was read (exit 1), as a missing file is, not a command line that cannot run (exit 2)
            if (found.isEmpty()) {
                throw new IOException("--tags " + value + ": the folder holds no *" + SUFFIX + " file (expected at least one directly in it, "
                        + "each served as a tag set; a run's file is RUN/final" + SUFFIX + ")");
            }
            return found.stream().map(f -> new TagSetFiles(nameOf(f), List.of(f))).toList();
        }
        return List.of(new TagSetFiles(nameOf(p), List.of(p))); // a missing file is named when it is read
    }

    /** The file's name without .tags.safetensors (or .safetensors); "final" becomes the run folder's name. */
    static String nameOf(Path file) {
        String f = file.getFileName().toString();
        String stem = f.endsWith(SUFFIX) ? f.substring(0, f.length() - SUFFIX.length())
                : f.endsWith(".safetensors") ? f.substring(0, f.length() - ".safetensors".length()) : f;
        Path dir = file.toAbsolutePath().normalize().getParent();
        if (stem.equals("final") && dir != null && dir.getFileName() != null) stem = dir.getFileName().toString();
        String name = stem.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[._-]+", "");
        if (name.length() > 64) name = name.substring(0, 64);
        return name.isEmpty() ? "tags" : name;
    }
}
