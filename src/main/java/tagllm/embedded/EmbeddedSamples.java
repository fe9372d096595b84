package tagllm.embedded;

import tagllm.util.FileTrees;
import tagllm.util.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small real model (stories260K) and the data samples the jar carries, so that the demo and the Java example
 * run with nothing downloaded. Resources cannot be memory-mapped or listed like a folder, so the first call extracts
 * them once into a cache folder named after their content (a new jar with other samples gets a new folder) and later
 * calls return that folder (extracting it again if it has been removed meanwhile). Extraction goes to a temporary folder that is renamed into place: a run never sees half
 * a model, and two processes extracting at once both end with the same complete folder.
 *
 * <p>The cache is {@code $TAGLLM_CACHE} (or the system property {@code tagllm.cache}), else
 * {@code $XDG_CACHE_HOME/tagllm}, else {@code ~/.cache/tagllm}; the temporary directory where none is writable.
 * What the samples are, and their licences: {@code data/README.md} in the folder and the NOTICE file.
 */
public final class EmbeddedSamples {
    private static final String ROOT = "/tagllm/embedded/";
    /** davis_sample.csv is stored as these three tables (its inline sequences repeat) and joined when extracted. */
    private static final String DAVIS = "data/binding_affinity/davis_sample";
    private static volatile Path extracted;

    private EmbeddedSamples() {}

    /** The stories260K model folder (config.json, model.safetensors, tokenizer.json, ...), extracted on first use. */
    public static Path model() { return root().resolve("models/stories260K"); }

    /** The data folder in the shared layout: smiles/zinc20k.csv, protein/deepsol.csv, binding_affinity/davis_sample.csv. */
    public static Path data() { return root().resolve("data"); }

    /**
     * The extracted folder (models/ and data/), extracted again when the one an earlier call returned is gone: a
     * long-lived service must not be handed, until it restarts, a folder that a cleaner of old temporary files (the
     * cache's last fallback is the temporary directory) or a user clearing ~/.cache has removed meanwhile.
     */
    public static synchronized Path root() {
        if (extracted == null || !Files.isRegularFile(extracted.resolve(".complete"))) {
            try {
                extracted = extract(cacheDir());
            } catch (IOException e) {
                throw new UncheckedIOException("could not extract tagllm's embedded model and data: " + e.getMessage(), e);
            }
        }
        return extracted;
    }

    /** Extracts into {@code cache} (unless a complete copy is there) and returns the folder. */
    static Path extract(Path cache) throws IOException {
        String listing = new String(resource("files.txt"), StandardCharsets.UTF_8);
        Path target = cache.resolve("embedded-" + Sha256.hex(listing.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        if (Files.isRegularFile(target.resolve(".complete"))) return target;
        Path tmp;
        try {
            Files.createDirectories(cache);
            tmp = Files.createTempDirectory(cache, ".embedded-");
        } catch (IOException e) { // the JDK's message was the bare path where /proc or a read-only mount refused it
            throw new tagllm.util.AtomicFiles.WriteFailedException("cannot create the cache folder " + cache + ": "
                    + tagllm.util.AtomicFiles.reason(e, cache) + " (set TAGLLM_CACHE to a writable folder)", e);
        }
        try {
            for (String line : listing.split("\n")) {
                if (line.isBlank()) continue;
                String[] f = line.split(" ", 3); // sha256, size, path
                byte[] bytes = resource(f[2]);
                if (bytes.length != Long.parseLong(f[1]) || !Sha256.hex(bytes).equals(f[0])) {
                    throw new IOException("embedded file " + f[2] + " is damaged (its size or SHA-256 differs from files.txt)");
                }
                if (f[2].startsWith(DAVIS + ".")) continue; // joined below
                Path p = tmp.resolve(f[2]);
                Files.createDirectories(p.getParent());
                Files.write(p, bytes);
            }
            Path davis = tmp.resolve(DAVIS + ".csv");
            Files.createDirectories(davis.getParent());
            Files.writeString(davis, joinDavis());
            Files.writeString(tmp.resolve(".complete"), listing);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                // another process finished first (or the file system cannot rename folders atomically): use theirs if whole
                if (!Files.isRegularFile(target.resolve(".complete"))) throw new IOException("cannot move " + tmp + " to " + target, e);
            }
        } catch (IOException e) { // e.g. a full disk: the JDK's message names no file
            throw new tagllm.util.AtomicFiles.WriteFailedException("cannot extract the embedded samples into " + target + ": "
                    + tagllm.util.AtomicFiles.reason(e, null) + " (nothing was left there)", e);
        } finally {
            FileTrees.delete(tmp);
        }
        return target;
    }

    /** davis_sample.csv rebuilt from its pairs, protein and ligand tables: the columns and bytes of the original. */
    static String joinDavis() throws IOException {
        Map<String, String> proteins = table(DAVIS + ".proteins.csv"), ligands = table(DAVIS + ".ligands.csv");
        StringBuilder b = new StringBuilder("protein_seq,smiles,affinity,split,drug_id,protein_id\n");
        List<String[]> pairs = rows(DAVIS + ".pairs.csv"); // affinity, split, drug_id, protein_id
        for (String[] p : pairs.subList(1, pairs.size())) {
            b.append(proteins.get(p[3])).append(',').append(ligands.get(p[2])).append(',')
                    .append(String.join(",", p)).append('\n');
        }
        return b.toString();
    }

    private static Map<String, String> table(String name) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        List<String[]> rows = rows(name);
        for (String[] r : rows.subList(1, rows.size())) m.put(r[0], r[1]);
        return m;
    }

    /** The tables hold no quoted field (make_samples.py checks), so a line splits at its commas. */
    private static List<String[]> rows(String name) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : new String(resource(name), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) out.add(line.split(",", -1));
        }
        return out;
    }

    static Path cacheDir() {
        String explicit = System.getProperty("tagllm.cache", System.getenv("TAGLLM_CACHE"));
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path home = xdg != null && !xdg.isBlank() ? Path.of(xdg, "tagllm") : Path.of(System.getProperty("user.home"), ".cache", "tagllm");
        if (writable(home)) return home;
        return Path.of(System.getProperty("java.io.tmpdir"), "tagllm-" + System.getProperty("user.name", "user"));
    }

    private static boolean writable(Path dir) {
        try {
            Files.createDirectories(dir);
            return Files.isWritable(dir);
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = EmbeddedSamples.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IOException("resource " + ROOT + name + " is missing from the class path (a jar built without src/main/resources?)");
            return in.readAllBytes();
        }
    }
}
