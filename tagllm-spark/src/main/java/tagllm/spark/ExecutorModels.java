package tagllm.spark;

import tagllm.model.ComputePrecision;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.task.TagPredictor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What one executor JVM keeps between tasks: each base model loaded once (keyed by model id and precision), each
 * tag set once per model (keyed by the tag files' bytes), never per row or partition. Spark runs several tasks
 * of an executor at once; the engine already spreads one forward pass over all the JVM's cores (tagllm.threads),
 * so model computations take {@link #COMPUTE} in turn while the tasks' reading, rendering and writing overlap.
 */
final class ExecutorModels {
    /** One computation at a time per JVM: a Transformer's buffers are not shared between threads. */
    static final ReentrantLock COMPUTE = new ReentrantLock();

    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, TagPredictor> PREDICTORS = new ConcurrentHashMap<>();
    private static final Map<String, Transformer> ENGINES = new ConcurrentHashMap<>();
    /** Model loads in this JVM (tests check that a job loads each model once per executor). */
    static final AtomicInteger MODEL_LOADS = new AtomicInteger();

    private ExecutorModels() {}

    static Model model(String id, ComputePrecision precision) {
        return MODELS.computeIfAbsent(key(id) + "|" + precision, k -> {
            try {
                MODEL_LOADS.incrementAndGet();
                return Model.load(id, precision);
            } catch (IOException e) {
                throw new UncheckedIOException("loading model " + id + " on executor: " + e.getMessage(), e);
            }
        });
    }

    /** The model's one Transformer in this JVM (its activation buffers are reused across tasks, under COMPUTE). */
    static Transformer transformer(String id, ComputePrecision precision) {
        return ENGINES.computeIfAbsent(key(id) + "|" + precision, k -> new Transformer(model(id, precision).weights()));
    }

    /**
     * Tests: the engine this JVM's tasks use for a model folder, in place of one over its weights (an engine whose
     * calls fail, to see what a run does when the model itself fails on its rows). Null removes it.
     */
    static void useEngine(String id, ComputePrecision precision, Transformer engine) {
        String k = key(id) + "|" + precision;
        if (engine == null) ENGINES.remove(k);
        else ENGINES.put(k, engine);
        PREDICTORS.keySet().removeIf(p -> p.startsWith(k + "|"));
    }

    /**
     * The model id to send to the executors: a folder the driver sees as an absolute path, since an executor resolves
     * a relative one against its own working directory (a local-cluster worker's work/app-.../N, a cluster node's
     * container), where "../models/m" names nothing; a Hub id, or a folder only the executors have, as given.
     */
    static String shippable(String id) {
        try {
            Path p = Path.of(id);
            return Files.isDirectory(p) ? p.toAbsolutePath().normalize().toString() : id;
        } catch (java.nio.file.InvalidPathException e) {
            return id;
        }
    }

    /** A folder by its real path (the same model however the path was spelled), a Hub id as it is. */
    private static String key(String id) {
        try {
            Path p = Path.of(id);
            return Files.isDirectory(p) ? p.toRealPath().toString() : id;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return id;
        }
    }

    /** The predictor for a model and tag files (their bytes, merged in order as TagPredictor.open does). */
    static TagPredictor predictor(String id, ComputePrecision precision, List<byte[]> tagFiles, List<String> tagNames) {
        String key = key(id) + "|" + precision + "|" + digest(tagFiles);
        return PREDICTORS.computeIfAbsent(key, k -> {
            Model m = model(id, precision);
            TagSet merged = null;
            tagllm.tokenizer.TokenizerIdentity tokenizer = tagllm.tokenizer.TokenizerIdentity.of(m.tokenizer());
            for (int i = 0; i < tagFiles.size(); i++) {
                TagSet t = readTags(tagFiles.get(i), tagNames.get(i));
                t.requireModel(m.fingerprint(), m.name(), tagNames.get(i));
                t.requireTokenizer(tokenizer, m.name(), tagNames.get(i));
                if (merged == null) merged = t;
                else merged.merge(t, tagNames.get(i));
            }
            return new TagPredictor(transformer(id, precision), m.tokenizer(), merged, m.generation()::isEos);
        });
    }

    /** A tag file's bytes as a TagSet (the reader takes a file: a temporary one, deleted at once). */
    static TagSet readTags(byte[] bytes, String name) {
        try {
            Path tmp = Files.createTempFile("tagllm-spark-", ".tags.safetensors");
            try {
                Files.write(tmp, bytes);
                return TagFile.read(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading tag file " + name + ": " + e.getMessage(), e);
        }
    }

    static String digest(List<byte[]> parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(Integer.toString(p.length).getBytes());
                md.update(p);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
