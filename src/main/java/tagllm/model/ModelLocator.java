package tagllm.model;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns what a user passes as --model into a model folder: an existing folder as it is, or a Hub id resolved in
 * the standard Hugging Face cache ({@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 * {@code ~/.cache/huggingface/hub}), {@code models--ORG--NAME/snapshots/COMMIT/} with COMMIT read from
 * {@code refs/REVISION}. A model not in the cache is downloaded into that same layout unless
 * {@code HF_HUB_OFFLINE} is set. A complete cached snapshot is used without asking the network, so a
 * cached model works offline and loads without delay.
 */
public final class ModelLocator {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private final Map<String, String> env;
    private final PrintStream progress;
    /** Changes to the downloader's timeouts and waits; tests shorten them. */
    java.util.function.UnaryOperator<HubDownloader> downloaderSettings = d -> d;

    /** @param env environment variables to honour (System.getenv() in production); progress: where the download bar goes, or null */
    public ModelLocator(Map<String, String> env, PrintStream progress) {
        this.env = Map.copyOf(env);
        this.progress = progress;
    }

    public static ModelLocator fromEnvironment() { return new ModelLocator(System.getenv(), System.err); }

    public Path cacheDir() {
        String hub = env.get("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) return Path.of(hub);
        String home = env.get("HF_HOME");
        if (home != null && !home.isBlank()) return Path.of(home, "hub");
        return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
    }

    /** Which setting chose cacheDir(), for messages. */
    String cacheDirSource() {
        if (env.get("HF_HUB_CACHE") != null && !env.get("HF_HUB_CACHE").isBlank()) return "set by HF_HUB_CACHE";
        if (env.get("HF_HOME") != null && !env.get("HF_HOME").isBlank()) return "$HF_HOME/hub, HF_HOME being " + env.get("HF_HOME");
        return "the default, neither HF_HUB_CACHE nor HF_HOME being set";
    }

    /**
     * The cache folder, created if needed, before anything is downloaded into it. Without this check a bad setting
     * surfaced as the JDK's bare error on some folder inside it ("/proc/nope: no such file or folder",
     * ".../models--o--m: Not a directory"), naming neither the cache nor the variable that chose it.
     */
    Path usableCacheDir() throws IOException {
        Path dir = cacheDir();
        String problem = null;
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            problem = "it is a file, not a folder";
        } else {
            try {
                Files.createDirectories(dir);
                if (!Files.isWritable(dir)) problem = "it cannot be written (permission denied)";
            } catch (java.nio.file.FileAlreadyExistsException e) {
                problem = "it cannot be created: " + (e.getFile() == null || Path.of(e.getFile()).equals(dir)
                        ? "a file of that name is in the way" : e.getFile() + " is a file, not a folder");
            } catch (IOException e) {
                problem = "it cannot be created (" + tagllm.util.FileErrors.describe(e) + ")";
            }
        }
        if (problem == null) return dir;
        throw new IOException("the Hugging Face cache folder " + dir + " (" + cacheDirSource() + ") cannot be used: " + problem
                + "; set HF_HUB_CACHE (or HF_HOME) to a folder you can write");
    }

    public boolean offline() {
        String v = env.getOrDefault("HF_HUB_OFFLINE", "");
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    public URI endpoint() {
        String e = env.getOrDefault("HF_ENDPOINT", "https://huggingface.co");
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        try {
            URI u = URI.create(e);
            if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException("no scheme or host");
            return u;
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException("HF_ENDPOINT '" + e + "' is not a URL: " + ex.getMessage());
        }
    }

    /** HF_TOKEN, else the token `hf auth login` saved ($HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token). */
    public String token() {
        String t = env.get("HF_TOKEN");
        if (t != null && !t.isBlank()) return t.trim();
        String path = env.get("HF_TOKEN_PATH");
        Path file;
        if (path != null && !path.isBlank()) file = Path.of(path);
        else if (env.get("HF_HOME") != null && !env.get("HF_HOME").isBlank()) file = Path.of(env.get("HF_HOME"), "token");
        else file = Path.of(System.getProperty("user.home"), ".cache", "huggingface", "token");
        try {
            if (Files.isRegularFile(file)) {
                String saved = Files.readString(file).trim();
                return saved.isEmpty() ? null : saved;
            }
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read the saved Hugging Face token: " + e.getMessage());
        }
        return null;
    }

    /** A folder or a Hub id → a model folder (downloading when needed and allowed). */
    public Path resolve(String folderOrHubId) throws IOException {
        if (folderOrHubId == null || folderOrHubId.isBlank()) throw new ModelFormatException("no model given (a folder or a Hub id org/name)");
        Path asPath = Path.of(folderOrHubId);
        if (Files.isDirectory(asPath)) return asPath;
        Optional<HubId> id = HubId.parse(folderOrHubId);
        if (id.isEmpty() || folderOrHubId.startsWith(".") || folderOrHubId.startsWith("/")) {
            if (Files.exists(asPath)) throw new ModelFormatException(folderOrHubId + ": not a folder (a model is a folder with config.json)");
            throw new ModelFormatException(folderOrHubId + ": no such model folder, and not a Hub id (org/name)");
        }
        return resolve(id.get());
    }

    public Path resolve(HubId id) throws IOException {
        Optional<Path> cached = cached(id);
        if (cached.isPresent()) return cached.get();
        if (offline()) {
            throw new ModelFormatException("model '" + id + "' is not (completely) in the Hugging Face cache "
                    + cacheDir().resolve(id.cacheFolder()) + ", and HF_HUB_OFFLINE forbids downloading it");
        }
        try {
            return downloaderSettings.apply(new HubDownloader(endpoint(), token(), usableCacheDir(), progress)).download(id);
        } catch (java.net.ConnectException | java.net.UnknownHostException | java.net.NoRouteToHostException
                 | java.net.SocketTimeoutException e) {
            // offline: the JDK's message is only the host name; say what is missing, where we looked, how to get it
            throw new ModelFormatException("model '" + id + "' is not cached (looked in " + cacheDir().resolve(id.cacheFolder())
                    + ") and " + endpoint() + " cannot be reached (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + "). Download it once where there is a network ("
                    + "any tagllm command with this id, or `" + id.downloadCommand() + "`), then copy the cache folder here or set HF_HOME"
                    + " to it; or give a local model folder instead of the id");
        }
    }

    /** The snapshot folder of a fully downloaded model, if the cache has one. */
    public Optional<Path> cached(HubId id) throws IOException {
        Path repo = cacheDir().resolve(id.cacheFolder());
        String commit;
        if (id.revisionIsCommit()) {
            commit = id.revision();
        } else {
            Path ref = repo.resolve("refs").resolve(id.revision());
            if (!Files.isRegularFile(ref)) return Optional.empty();
            commit = Files.readString(ref).trim();
            if (!SAFE_NAME.matcher(commit).matches()) {
                throw new ModelFormatException(ref + ": does not hold a commit hash");
            }
        }
        Path snap = repo.resolve("snapshots").resolve(commit);
        return complete(snap) ? Optional.of(snap) : Optional.empty();
    }

    /** Whether a folder has config, tokenizer and every weight file (following snapshot links to their blobs). */
    static boolean complete(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json")) || !Files.isRegularFile(dir.resolve("tokenizer.json"))) return false;
        if (Files.isRegularFile(dir.resolve(TensorSource.SINGLE))) return true;
        Path index = dir.resolve(TensorSource.INDEX);
        if (!Files.isRegularFile(index)) return false;
        try {
            for (String shard : TensorSource.shardNames(index)) if (!Files.isRegularFile(dir.resolve(shard))) return false;
            return true;
        } catch (ModelFormatException e) {
            return false;
        }
    }
}
