package tagllm.model;

import tagllm.tokenizer.Tokenizer;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A loaded Hugging Face model: config, frozen weights (in memory), tokenizer and generation defaults.
 * A model is a folder with config.json, model.safetensors (or shards with model.safetensors.index.json) and
 * tokenizer.json; a Hub id "org/name" is resolved in the Hugging Face cache, and downloaded when allowed.
 */
public final class Model {
    private final Path dir;
    private final String name;
    private final ModelConfig config;
    private final Weights weights;
    private final Tokenizer tokenizer;
    private final GenerationConfig generation;
    private final String fingerprint;

    private Model(Path dir, String name, ModelConfig config, Weights weights, Tokenizer tokenizer,
                  GenerationConfig generation, String fingerprint) {
        this.dir = dir;
        this.name = name;
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.generation = generation;
        this.fingerprint = fingerprint;
    }

    /**
     * Loads a model computing in F32: a folder, or a Hub id "org/name" (optionally "@revision") resolved through the
     * environment's Hugging Face settings ({@link ModelLocator#fromEnvironment()}: HF_HOME's cache, downloaded when
     * missing unless HF_HUB_OFFLINE is set, download progress on stderr).
     *
     * @param folderOrHubId a model folder (config.json, model.safetensors or its shards, tokenizer.json) or a Hub id
     * @return the model, its weights in memory
     * @throws IOException a file of the model could not be read, or downloading it failed (the Hub's answer or the
     *         network, named in the message)
     * @throws ModelFormatException naming the file and what is wrong: no such folder and not a Hub id, 
     *         config.json, tokenizer.json or the safetensors file(s) unusable, or a tokenizer with more tokens than
     *         the model's vocabulary; a Hub id
     *         neither cached nor downloadable (HF_HUB_OFFLINE, the Hub unreachable) says where it looked
     * @throws IllegalStateException the JVM was started without {@code --add-modules jdk.incubator.vector}
     *         (the message names the flag)
     */
    public static Model load(String folderOrHubId) throws IOException {
        return load(folderOrHubId, ModelLocator.fromEnvironment());
    }

    /**
     * Loads a model computing in F32, a Hub id resolved through the given locator (its cache folder, endpoint, token,
     * offline setting and progress stream) instead of the environment's.
     *
     * @param folderOrHubId a model folder or a Hub id "org/name" (optionally "@revision")
     * @param locator where a Hub id is looked up and downloaded to
     * @return the model, its weights in memory
     * @throws IOException a file of the model could not be read, or downloading it failed (the Hub's answer or the
     *         network, named in the message)
     * @throws ModelFormatException naming the file and what is wrong: no such folder and not a Hub id, 
     *         config.json, tokenizer.json or the safetensors file(s) unusable, or a tokenizer with more tokens than
     *         the model's vocabulary; a Hub id
     *         neither cached nor downloadable (HF_HUB_OFFLINE, the Hub unreachable) says where it looked
     * @throws IllegalStateException the JVM was started without {@code --add-modules jdk.incubator.vector}
     *         (the message names the flag)
     */
    public static Model load(String folderOrHubId, ModelLocator locator) throws IOException {
        return load(folderOrHubId, locator, ComputePrecision.F32);
    }

    /**
     * A folder or Hub id, computing in the given precision. With {@link ComputePrecision#BF16} F32 weights are
     * rounded to BF16 as they are read, so the F32 weights are never held (unlike {@link #withBf16Compute()} on a
     * loaded model, which holds both until the F32 model is dropped). A Hub id is resolved as by {@link #load(String)}.
     *
     * @param folderOrHubId a model folder or a Hub id "org/name" (optionally "@revision")
     * @param precision {@link ComputePrecision#F32}, or {@link ComputePrecision#BF16} for the native BF16 kernels
     * @return the model, its weights in memory in the precision's form
     * @throws IOException a file of the model could not be read, or downloading it failed (the Hub's answer or the
     *         network, named in the message)
     * @throws ModelFormatException naming the file and what is wrong: no such folder and not a Hub id, 
     *         config.json, tokenizer.json or the safetensors file(s) unusable, or a tokenizer with more tokens than
     *         the model's vocabulary; a Hub id
     *         neither cached nor downloadable (HF_HUB_OFFLINE, the Hub unreachable) says where it looked
     * @throws IllegalStateException the JVM was started without {@code --add-modules jdk.incubator.vector}
     *         (the message names the flag); or, for {@link ComputePrecision#BF16}, the native
     *         BF16 kernels cannot run here (the reason named, before anything is read)
     */
    public static Model load(String folderOrHubId, ComputePrecision precision) throws IOException {
        return load(folderOrHubId, ModelLocator.fromEnvironment(), precision);
    }

    /**
     * Loads a model computing in the given precision, a Hub id resolved through the given locator: the overload the
     * others call. The model's {@link #name()} is the folder's name, or the Hub id as given.
     *
     * @param folderOrHubId a model folder or a Hub id "org/name" (optionally "@revision")
     * @param locator where a Hub id is looked up and downloaded to
     * @param precision {@link ComputePrecision#F32}, or {@link ComputePrecision#BF16} for the native BF16 kernels
     * @return the model, its weights in memory in the precision's form
     * @throws IOException a file of the model could not be read, or downloading it failed (the Hub's answer or the
     *         network, named in the message)
     * @throws ModelFormatException naming the file and what is wrong: no such folder and not a Hub id, 
     *         config.json, tokenizer.json or the safetensors file(s) unusable, or a tokenizer with more tokens than
     *         the model's vocabulary; a Hub id
     *         neither cached nor downloadable (HF_HUB_OFFLINE, the Hub unreachable) says where it looked
     * @throws IllegalStateException the JVM was started without {@code --add-modules jdk.incubator.vector}
     *         (the message names the flag); or, for {@link ComputePrecision#BF16}, the native
     *         BF16 kernels cannot run here (the reason named, before anything is read)
     */
    public static Model load(String folderOrHubId, ModelLocator locator, ComputePrecision precision) throws IOException {
        if (precision == ComputePrecision.BF16) tagllm.tensor.NativeBf16.requireBf16Compute();
        Path dir = locator.resolve(folderOrHubId);
        boolean isFolder = Files.isDirectory(Path.of(folderOrHubId));
        return load(dir, isFolder ? folderName(dir) : HubId.parse(folderOrHubId).map(HubId::toString).orElse(folderOrHubId),
                precision);
    }

    /**
     * Loads the model in a folder, computing in F32; never a Hub lookup or download (a path that is not a folder is
     * refused, even one that reads as a Hub id). {@code tagllm.embedded.EmbeddedSamples.model()} gives such a folder.
     *
     * @param folder a model folder: config.json, model.safetensors (or shards with model.safetensors.index.json),
     *        tokenizer.json, and optionally generation_config.json
     * @return the model, its weights in memory, named after the folder
     * @throws IOException a file of the model could not be read
     * @throws ModelFormatException naming the file and what is wrong: the folder missing or not a folder, 
     *         config.json, tokenizer.json or the safetensors file(s) unusable, or a tokenizer with more tokens than
     *         the model's vocabulary
     * @throws IllegalStateException the JVM was started without {@code --add-modules jdk.incubator.vector}
     *         (the message names the flag)
     */
    public static Model load(Path folder) throws IOException {
        return load(folder, folderName(folder), ComputePrecision.F32);
    }

    /** The name a model loaded from {@code folder} is given: the folder's own name (its path's, for a root). */
    public static String folderName(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        return abs.getFileName() != null ? abs.getFileName().toString() : abs.toString();
    }

    private static Model load(Path dir, String name, ComputePrecision precision) throws IOException {
        tagllm.util.JdkModules.requireVectorApi(); // the weights are Vector API matrices: say which flag is missing, up front
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + ": " + (Files.exists(dir) ? "not a folder" : "no such model folder"));
        }
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        Tokenizer tokenizer = loadTokenizer(dir);
        requireTokenizerFits(dir, tokenizer, config);
        GenerationConfig generation = GenerationConfig.load(dir, config);
        if (generation.eosTokenIds().length == 0 && tokenizer.eosId() >= 0) {
            generation = new GenerationConfig(generation.bosTokenId(), new int[]{tokenizer.eosId()}, generation.padTokenId(),
                    generation.doSample(), generation.temperature(), generation.topK(), generation.topP(), generation.maxNewTokens());
        }
        try (TensorSource src = TensorSource.open(dir, config)) {
            Weights weights = Weights.from(config, src, precision);
            return new Model(dir, name, config, weights, tokenizer, generation, fingerprint(config, src));
        }
    }

    /** A tokenizer with more tokens than the embedding has rows would index past it: refused (also by `model inspect`). */
    static void requireTokenizerFits(Path dir, Tokenizer tokenizer, ModelConfig config) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ModelFormatException(dir.resolve("tokenizer.json") + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but config.json's vocab_size is " + config.vocabSize() + " (tokenizer of another model?)");
        }
    }

    /**
     * No tokenizer.json: tagllm reads only the fast tokenizer. A folder holding the slow tokenizer's files (a
     * converted or hand-assembled model) is told which it has and how transformers writes tokenizer.json from them.
     */
    static ModelFormatException tokenizerJsonMissing(Path dir) {
        List<String> slow = new ArrayList<>();
        for (String f : List.of("tokenizer.model", "vocab.json", "merges.txt", "vocab.txt")) {
            if (Files.isRegularFile(dir.resolve(f))) slow.add(f);
        }
        String hint = slow.isEmpty() ? "" : "; this folder has only the slow tokenizer's " + String.join(", ", slow)
                + ": write tokenizer.json with transformers, AutoTokenizer.from_pretrained(FOLDER).save_pretrained(FOLDER)";
        return new ModelFormatException(dir.resolve("tokenizer.json") + ": file not found (tagllm needs the fast tokenizer's tokenizer.json"
                + hint + ")");
    }

    private static Tokenizer loadTokenizer(Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) throw tokenizerJsonMissing(dir);
        try {
            return Tokenizer.load(dir);
        } catch (ModelFormatException e) {
            throw e;
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            // a message that already names a file of the folder (tokenizer.json, tokenizer_config.json) is kept as it is
            boolean named = m.contains(file.getFileName().toString()) || m.startsWith(dir.toString());
            throw new ModelFormatException(named ? m : file + ": " + m, e);
        }
    }

    /**
     * The fingerprint {@link #load} would give the model in this folder, without reading its weights beyond the token
     * embedding: lets a caller that only ships a model's path (Spark's driver) refuse tags of another model up front.
     */
    public static String fingerprintOf(Path folder) throws IOException {
        ModelConfig config = ModelConfig.load(folder.resolve("config.json"));
        try (TensorSource src = TensorSource.open(folder, config)) {
            return fingerprint(config, src);
        }
    }

    /**
     * SHA-256 over what makes two models the same for tags: the architecture fields the engine uses, every stored
     * tensor's name, dtype and shape, and the bytes of the token embedding (which differs between any two
     * trained or differently seeded models). Reading one matrix keeps it cheap; re-sharding does not change it.
     */
    static String fingerprint(ModelConfig c, TensorSource src) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder s = new StringBuilder("tagllm-model-v1\n");
        s.append(c.architecture()).append('|').append(c.hiddenSize()).append('|').append(c.intermediateSize()).append('|')
                .append(c.numLayers()).append('|').append(c.numHeads()).append('|').append(c.numKvHeads()).append('|')
                .append(c.headDim()).append('|').append(c.vocabSize()).append('|').append(c.rmsNormEps()).append('|')
                .append(c.ropeTheta()).append('|').append(c.ropeScaling()).append('|').append(c.attentionBias()).append('|')
                .append(c.tieWordEmbeddings()).append('|').append(c.slidingWindow()).append('\n');
        // the names as loading sees them (TensorSource.open(dir, config)), so a re-saved layout is the same model
        Map<String, SafeTensors.Entry> sorted = new TreeMap<>();
        for (String n : src.tensors().keySet()) sorted.put(n, src.entry(n));
        sorted.forEach((n, e) -> s.append(n).append(' ').append(e.dtype()).append(' ').append(Arrays.toString(e.shape())).append('\n'));
        md.update(s.toString().getBytes(StandardCharsets.UTF_8));
        MemorySegment embed = src.bytes("model.embed_tokens.weight");
        long chunk = 1L << 28;
        for (long off = 0; off < embed.byteSize(); off += chunk) {
            md.update(embed.asSlice(off, Math.min(chunk, embed.byteSize() - off)).asByteBuffer());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * This model with its projections and LM head multiplied in BF16 (FP32 sums) by the native kernels: about twice
     * the FLOP rate on CPUs with AVX512_BF16, at BF16's 8-bit mantissa for the inputs of each product. The
     * fingerprint is unchanged (same base model), so tags trained either way load in both.
     *
     * @throws IllegalStateException naming the reason when the native BF16 kernels cannot run here
     */
    public Model withBf16Compute() {
        if (weights.bf16Compute()) return this;
        return new Model(dir, name, config, weights.withBf16Compute(), tokenizer, generation, fingerprint);
    }

    public Path dir() { return dir; }

    public ModelConfig config() { return config; }

    public Weights weights() { return weights; }

    public Tokenizer tokenizer() { return tokenizer; }

    public GenerationConfig generation() { return generation; }

    /** A stable id of the base model: the same model gives the same string, a different one a different string. */
    public String fingerprint() { return fingerprint; }

    /** Hub id or folder name. */
    public String name() { return name; }

    @Override
    public String toString() { return "Model{" + name + ", " + config.architecture() + ", " + dir + "}"; }
}
