package tagllm.tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.head.RegressionHead;
import tagllm.model.ModelFormatException;
import tagllm.model.SafeTensors;
import tagllm.model.SafeTensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * *.tags.safetensors: tensor "tag.NAME" (p×d) per tag, "head.NAME.weight" (k×d) and optional
 * "head.NAME.bias" (k) per head, and __metadata__ {"format": "tagllm.tags", "tagllm": JSON} with tag
 * names, kinds, p, heads, task templates, the base model's name and fingerprint, the tokenizer's identity
 * ({@link tagllm.tokenizer.TokenizerIdentity}; absent in older files), and provenance.
 */
public final class TagFile {
    public static final String FORMAT = "tagllm.tags";
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private TagFile() {}

    /** The tensors and metadata of a tag set, ready for further entries (checkpoints add optimizer state). */
    public static SafeTensorsWriter writer(TagSet set) {
        SafeTensorsWriter w = new SafeTensorsWriter();
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", FORMAT);
        meta.put("version", VERSION);
        // which tagllm wrote the file (docs/reliability.md, "Files across versions"): files from before it was
        // recorded lack it and are read as before
        meta.put("tagllm_version", tagllm.util.Version.current());
        ObjectNode model = meta.putObject("model");
        model.put("name", set.modelName());
        model.put("fingerprint", set.modelFingerprint());
        if (set.hubSnapshot() != null) {
            model.putObject("hub").put("repo", set.hubSnapshot().repo()).put("revision", set.hubSnapshot().revision());
        }
        if (set.tokenizer() != null) {
            ObjectNode tok = model.putObject("tokenizer");
            tok.put("sha256", set.tokenizer().sha256());
            ObjectNode parts = tok.putObject("parts");
            new java.util.TreeMap<>(set.tokenizer().parts()).forEach(parts::put);
        }
        ArrayNode tags = meta.putArray("tags");
        // each tensor's CRC-32C: a byte damaged in a copy otherwise reads as another finite value, silently moving predictions
        ObjectNode crc = JSON.createObjectNode();
        for (Tag t : set.tags()) {
            ObjectNode o = tags.addObject();
            o.put("name", t.name());
            o.put("kind", t.kind().label());
            o.put("p", t.length());
            o.put("hidden", t.hidden());
            w.addF32("tag." + t.bareName(), t.values(), t.length(), t.hidden());
            crc.put("tag." + t.bareName(), crc32c(t.values()));
        }
        ArrayNode heads = meta.putArray("heads");
        for (RegressionHead h : set.heads().values()) {
            ObjectNode o = heads.addObject();
            String bare = Tag.bareName(h.tag());
            o.put("tag", Tag.canonicalName(h.tag()));
            o.put("outputs", h.outputs());
            o.put("bias", h.bias() != null);
            ArrayNode sh = o.putArray("label_shift");
            for (double v : h.shift()) sh.add(v);
            ArrayNode sc = o.putArray("label_scale");
            for (double v : h.scale()) sc.add(v);
            w.addF32("head." + bare + ".weight", h.weight(), h.outputs(), h.hidden());
            crc.put("head." + bare + ".weight", crc32c(h.weight()));
            if (h.bias() != null) {
                w.addF32("head." + bare + ".bias", h.bias(), h.outputs());
                crc.put("head." + bare + ".bias", crc32c(h.bias()));
            }
        }
        ObjectNode tasks = meta.putObject("tasks");
        set.tasks().forEach(tasks::set);
        ArrayNode prov = meta.putArray("provenance");
        set.provenance().forEach(prov::add);
        meta.set("crc32c", crc);
        try {
            w.metadata("format", FORMAT);
            w.metadata("tagllm", JSON.writeValueAsString(meta));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w;
    }

    public static void write(TagSet set, Path file) throws IOException {
        writer(set).write(file);
    }

    public static TagSet read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            // a run's folder given for its tag file: it exists, so "not found" would send the user looking elsewhere
            Path last = file.resolve("final.tags.safetensors");
            throw new java.nio.file.FileSystemException(file.toString(), null, "a folder, not a tag file"
                    + (Files.isRegularFile(last) ? " (the run's tag file is " + last + ")" : " (give a .tags.safetensors file)"));
        }
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file + " (tag file not found)");
        try (SafeTensors st = SafeTensors.open(file)) {
            TagSet set = read(st);
            set.addSource(file.toString());
            return set;
        }
    }

    /**
     * The tagllm version that wrote a tag file or checkpoint (metadata tagllm_version), or null when the file predates
     * that field (written before 7 Dec 2026) or its metadata is not readable JSON.
     */
    public static String writtenBy(SafeTensors st) {
        String json = st.metadata().get("tagllm");
        if (json == null) return null;
        try {
            JsonNode v = JSON.readTree(json).get("tagllm_version");
            return v != null && v.isTextual() ? v.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads the tag set held in an open safetensors file (a tag file or a checkpoint). */
    public static TagSet read(SafeTensors st) {
        Path file = st.file();
        String json = st.metadata().get("tagllm");
        if (!FORMAT.equals(st.metadata().get("format")) || json == null) {
            throw new ModelFormatException(file + ": not a tagllm tag file (no '" + FORMAT + "' metadata)");
        }
        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (IOException e) {
            // Jackson's message goes on with a second line (" at [Source: ...]"): the error is one line
            String m = String.valueOf(e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage());
            throw new ModelFormatException(file + ": tag metadata is not valid JSON: " + m.lines().findFirst().orElse(m));
        }
        int version = meta.path("version").asInt(-1);
        if (version != VERSION) {
            // a later tagllm's file: say which wrote it and what to do, not only that the number differs
            String by = meta.path("tagllm_version").isTextual() ? "tagllm " + meta.path("tagllm_version").asText() : "another tagllm";
            throw new ModelFormatException(file + ": tag file format version " + (version < 0 ? "(none)" : version) + " is not one this tagllm ("
                    + tagllm.util.Version.current() + ") reads (it reads version " + VERSION + "); it was written by " + by
                    + (version > VERSION ? ": upgrade tagllm to load it" : ": retrain the tags, or give a file written by tagllm"));
        }
        // without the fingerprint a tag file could be used with any model, silently giving nonsense
        JsonNode fp = meta.path("model").get("fingerprint");
        if (fp == null || !fp.isTextual() || fp.asText().isBlank()) {
            throw new ModelFormatException(file + ": model.fingerprint is missing from the tag metadata: the base model the tags "
                    + "were trained on cannot be checked, so the file is refused (retrain, or restore the field)");
        }
        TagSet set = new TagSet(text(meta.path("model"), "name"), fp.asText());
        set.bindTokenizer(tokenizerIdentity(meta.path("model").get("tokenizer"), file));
        JsonNode hub = meta.path("model").get("hub"); // absent in files of a local model and in files written before it was recorded
        if (hub != null && !hub.isNull()) {
            if (!hub.path("repo").isTextual() || !hub.path("revision").isTextual()) {
                throw new ModelFormatException(file + ": model.hub in the tag metadata must be {\"repo\": \"org/name\", \"revision\": commit}, got " + hub);
            }
            set.bindHubSnapshot(new tagllm.model.HubDownloader.Snapshot(hub.get("repo").asText(), hub.get("revision").asText()));
        }
        int hidden = 0; // the tags' hidden size, which every tag and head of the file must share
        for (JsonNode t : meta.path("tags")) {
            String name = tagName(require(t, "name", file), file);
            if (set.has(name)) {
                // both entries name one tensor: the second was read over the first, or refused as of the wrong shape
                throw new ModelFormatException(file + ": tag " + name + " is listed twice in the tag metadata; a tag file holds one version of each tag");
            }
            TagKind kind = TagKind.parse(require(t, "kind", file), file + ": tag " + name);
            int p = intField(t, "p", 1, 100_000, file, "tag " + name), d = intField(t, "hidden", 1, 1_000_000, file, "tag " + name);
            String tensor = "tag." + Tag.bareName(name);
            long[] shape = st.entry(tensor).shape();
            if (shape.length != 2 || shape[0] != p || shape[1] != d) {
                throw new ModelFormatException(file + ": tensor '" + tensor + "' has shape " + Arrays.toString(shape)
                        + ", the metadata says [" + p + ", " + d + "]");
            }
            if (hidden > 0 && d != hidden) {
                throw new ModelFormatException(file + ": tag " + name + " has hidden size " + d + " but the tags before it " + hidden
                        + ": one tag file holds the vectors of one base model");
            }
            hidden = d;
            try {
                set.put(new Tag(name, kind, p, d, checked(st, tensor, meta)));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file + ": " + e.getMessage()); // a tag listed twice as two kinds
            }
        }
        for (JsonNode h : meta.path("heads")) {
            String tag = tagName(require(h, "tag", file), file);
            String bare = Tag.bareName(tag);
            if (set.head(tag) != null) {
                // both entries name one tensor: the later label shift and scale were kept silently
                throw new ModelFormatException(file + ": the head of " + tag + " is listed twice in the tag metadata; a tag file holds one head per function tag");
            }
            int k = intField(h, "outputs", 1, 100_000, file, "head " + tag);
            JsonNode biasFlag = h.get("bias");
            if (biasFlag != null && !biasFlag.isBoolean()) {
                throw new ModelFormatException(file + ": head " + tag + ": 'bias' must be true or false, got " + biasFlag);
            }
            long[] shape = st.entry("head." + bare + ".weight").shape();
            if (shape.length != 2 || shape[0] != k) {
                throw new ModelFormatException(file + ": tensor 'head." + bare + ".weight' has shape " + Arrays.toString(shape)
                        + ", expected [" + k + ", hidden]");
            }
            if (hidden > 0 && shape[1] != hidden) {
                // the head reads a hidden state of the tags' size: another width would predict from part of it, or fail
                throw new ModelFormatException(file + ": tensor 'head." + bare + ".weight' has shape " + Arrays.toString(shape)
                        + ", expected [" + k + ", " + hidden + "] (the tags' hidden size)");
            }
            float[] bias = biasFlag != null && biasFlag.booleanValue() ? checked(st, "head." + bare + ".bias", meta) : null;
            set.putHead(new RegressionHead(tag, k, (int) shape[1], checked(st, "head." + bare + ".weight", meta), bias,
                    labelNumbers(h, "label_shift", k, false, file, tag), labelNumbers(h, "label_scale", k, true, file, tag)));
        }
        meta.path("tasks").properties().forEach(e -> {
            if (e.getValue().isObject()) set.tasks().put(e.getKey(), (ObjectNode) e.getValue());
        });
        for (JsonNode p : meta.path("provenance")) if (p.isObject()) set.provenance().add((ObjectNode) p);
        return set;
    }

    /** model.tokenizer: absent in files written by earlier versions (null: not checked), else {"sha256", "parts"}. */
    private static tagllm.tokenizer.TokenizerIdentity tokenizerIdentity(JsonNode t, Path file) {
        if (t == null || t.isNull()) return null;
        if (!t.isObject() || !t.path("sha256").isTextual() || t.get("sha256").asText().isBlank()) {
            throw new ModelFormatException(file + ": model.tokenizer must be an object with a \"sha256\" text, got " + t);
        }
        java.util.Map<String, String> parts = new java.util.TreeMap<>();
        t.path("parts").properties().forEach(e -> parts.put(e.getKey(), e.getValue().asText()));
        return new tagllm.tokenizer.TokenizerIdentity(t.get("sha256").asText(), parts);
    }

    /** A tag name of the metadata, refused naming the file when a template could not mark it. */
    private static String tagName(String name, Path file) {
        try {
            return Tag.canonicalName(name);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    /** A metadata integer in [min, max], named with the field and the range when it is not one. */
    private static int intField(JsonNode n, String field, int min, int max, Path file, String what) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new ModelFormatException(file + ": " + what + ": '" + field + "' must be an integer " + min + ".." + max + ", got "
                    + (v == null ? "nothing" : v.toString()));
        }
        return v.intValue();
    }

    /** label_shift / label_scale: absent, or k finite numbers (scales positive, as a head's standardisation makes them). */
    private static double[] labelNumbers(JsonNode h, String field, int k, boolean scale, Path file, String tag) {
        JsonNode a = h.get(field);
        if (a == null || a.isNull()) return null;
        if (!a.isArray() || a.size() != k) {
            throw new ModelFormatException(file + ": head " + tag + ": '" + field + "' must be an array of " + k + " numbers, got " + a);
        }
        for (JsonNode v : a) {
            // a scale is a label's standard deviation: RegressionHead refuses one of 0 or below, without the file's name
            if (!v.isNumber() || !Double.isFinite(v.doubleValue()) || scale && !(v.doubleValue() > 0)) {
                throw new ModelFormatException(file + ": head " + tag + ": '" + field + "' must hold finite numbers"
                        + (scale ? " above 0" : "") + ", got " + a);
            }
        }
        return doubles(a, k);
    }

    /**
     * A tensor's values, refused naming the file and tensor when they do not match the CRC-32C the metadata records for
     * it (files written by earlier versions record none and are read as before), or when one is NaN or infinite.
     */
    private static float[] checked(SafeTensors st, String tensor, JsonNode meta) {
        float[] v = st.readF32(tensor);
        JsonNode want = meta.path("crc32c").get(tensor);
        if (want != null && !want.asText().equals(crc32c(v))) {
            throw new ModelFormatException(st.file() + ": tensor '" + tensor + "' does not match the checksum recorded when it was written"
                    + " (CRC-32C " + want.asText() + ", its bytes give " + crc32c(v) + "): the file was damaged after it was written; "
                    + "copy it again from where it was trained");
        }
        return finite(v, tensor, st.file());
    }

    /** CRC-32C of the values as little-endian F32, the bytes the file stores them as. */
    static String crc32c(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return String.format(java.util.Locale.ROOT, "%08x", c.getValue());
    }

    /** The values, refused naming the tensor and the first bad index when one is NaN or infinite. */
    static float[] finite(float[] v, String tensor, Path file) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new ModelFormatException(file + ": tensor '" + tensor + "' holds " + v[i] + " at index " + i
                        + ": the file is damaged (or training diverged); refusing it rather than predicting NaN");
            }
        }
        return v;
    }

    private static double[] doubles(JsonNode a, int k) {
        if (a == null || !a.isArray() || a.size() != k) return null;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String require(JsonNode n, String f, Path file) {
        String v = text(n, f);
        if (v == null) throw new ModelFormatException(file + ": tag metadata entry " + n + " lacks '" + f + "'");
        return v;
    }
}
