package tagllm.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face tokenizer.json (and tokenizer_config.json beside it) into a {@link Tokenizer}.
 * Every component is checked: a type this implementation does not support, or a missing or mistyped
 * field, is refused with a message naming the file and the JSON path of the component.
 */
final class TokenizerLoader {
    private static final List<String> BOS_NAMES = List.of("<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>");
    private static final List<String> EOS_NAMES = List.of("</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>");

    private final Path file;
    /** The token an id stands for (added tokens first, as in encoding), null for an id of no token; set by build. */
    private java.util.function.IntFunction<String> tokenOf = id -> null;

    private TokenizerLoader(Path file) { this.file = file; }

    /** Largest model.vocab id taken: ids index a dense table, and real vocabularies stay far below (about 260,000). */
    static final int MAX_VOCAB_ID = (1 << 24) - 1;

    static Tokenizer load(Path tokenizerJsonOrDir) throws IOException {
        Path json = Files.isDirectory(tokenizerJsonOrDir) ? tokenizerJsonOrDir.resolve("tokenizer.json") : tokenizerJsonOrDir;
        if (!Files.isRegularFile(json)) {
            Path dir = Files.isDirectory(tokenizerJsonOrDir) ? tokenizerJsonOrDir : json.getParent();
            String hint = dir != null && Files.isRegularFile(dir.resolve("tokenizer.model"))
                    ? " (there is a tokenizer.model, a SentencePiece file; only the Hugging Face tokenizer.json format is supported)"
                    : "";
            throw new FileNotFoundException("no tokenizer.json at " + json + hint);
        }
        Path parent = json.toAbsolutePath().getParent();
        TokenizerConfig config = parent == null ? TokenizerConfig.NONE : TokenizerConfig.read(parent.resolve("tokenizer_config.json"));
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(json + ": not valid JSON: " + describe(e));
        }
        return new TokenizerLoader(json).build(root, config);
    }

    static String describe(JsonProcessingException e) {
        var loc = e.getLocation();
        return e.getOriginalMessage() + (loc != null ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : "");
    }

    private TokenizerFormatException error(String where, String what) {
        return new TokenizerFormatException(file + ": " + where + " " + what);
    }

    private Tokenizer build(JsonNode root, TokenizerConfig config) {
        if (root == null || !root.isObject()) throw new TokenizerFormatException(file + ": expected a JSON object at the top level");
        BpeModel model = model(root.get("model"));
        Normalizer normalizer = optional(root, "normalizer") ? normalizer(root.get("normalizer"), "normalizer") : null;
        PreTokenizer preTokenizer = optional(root, "pre_tokenizer") ? preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer") : null;
        Decoder decoder = optional(root, "decoder") ? decoder(root.get("decoder"), "decoder") : null;
        List<AddedToken> added = addedTokens(root.get("added_tokens"), model);
        Map<String, Integer> addedIds = new HashMap<>();
        for (AddedToken t : added) addedIds.putIfAbsent(t.content(), t.id());
        java.util.function.Function<String, Integer> idOf = s -> {
            Integer id = addedIds.get(s);
            return id != null ? id : model.id(s);
        };
        Map<Integer, String> addedTokens = new HashMap<>();
        for (AddedToken t : added) addedTokens.putIfAbsent(t.id(), t.content());
        tokenOf = id -> addedTokens.containsKey(id) ? addedTokens.get(id) : model.token(id);
        requireKnown(config.bosToken(), "bos_token", idOf);
        requireKnown(config.eosToken(), "eos_token", idOf);
        PostProcessor post = optional(root, "post_processor")
                ? postProcessor(root.get("post_processor"), "post_processor", idOf)
                : fromConfig(config, idOf);
        int bos = specialId(config.bosToken(), post == null ? -1 : post.leadingSpecialId(), BOS_NAMES, idOf, added);
        int eos = specialId(config.eosToken(), post == null ? -1 : post.trailingSpecialId(), EOS_NAMES, idOf, added);
        return new Tokenizer(file, model, normalizer, preTokenizer, post, decoder, added, bos, eos);
    }

    /**
     * A bos_token/eos_token of tokenizer_config.json must be a token of tokenizer.json. transformers would add a missing one
     * as a new token with an id past the vocabulary, which the model has no embedding row for; tagllm used to make it
     * "no BOS/EOS" (-1) silently. It is refused even when add_bos_token/add_eos_token is false, because bosId()/eosId()
     * are also what task templates (bos: true, the output's end) and generation use (docs/tokenizer.md).
     */
    private void requireKnown(String token, String field, java.util.function.Function<String, Integer> idOf) {
        if (token == null || idOf.apply(token) != null) return;
        Path dir = file.toAbsolutePath().getParent();
        Path config = dir == null ? Path.of("tokenizer_config.json") : dir.resolve("tokenizer_config.json");
        throw new TokenizerFormatException(config + ": " + field + " \"" + token + "\" is not a token of " + file
                + " (expected a string of its model.vocab or added_tokens; transformers would add it as a new token whose id"
                + " is past the vocabulary, with no embedding row in the model)");
    }

    /** A special token id a post-processor adds must be a token of this file, and the token written beside it (if any) that token. */
    private void requireToken(int id, String written, String where) {
        String actual = tokenOf.apply(id);
        if (actual == null) {
            throw error(where, "id " + id + (written == null ? "" : " (\"" + written + "\")")
                    + " is not the id of any token in model.vocab or added_tokens (expected one of their ids)");
        }
        if (written != null && !written.equals(actual)) {
            throw error(where, "says id " + id + " is \"" + written + "\", but in model.vocab/added_tokens it is \"" + actual + "\"");
        }
    }

    private static boolean optional(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n != null && !n.isNull();
    }

    /** BOS/EOS: the config's token, else the one the post-processor adds, else a special token with a usual name. */
    private static int specialId(String configured, int fromPost, List<String> usualNames,
                                 java.util.function.Function<String, Integer> idOf, List<AddedToken> added) {
        if (configured != null) {
            Integer id = idOf.apply(configured);
            return id == null ? -1 : id;
        }
        if (fromPost >= 0) return fromPost;
        for (String name : usualNames) {
            for (AddedToken t : added) if (t.special() && t.content().equals(name)) return t.id();
        }
        return -1;
    }

    private PostProcessor fromConfig(TokenizerConfig config, java.util.function.Function<String, Integer> idOf) {
        List<PostProcessor.Template.Item> items = new ArrayList<>();
        if (config.addBosToken() && config.bosToken() != null && idOf.apply(config.bosToken()) != null) {
            items.add(new PostProcessor.Template.Item(new int[]{idOf.apply(config.bosToken())}));
        }
        items.add(new PostProcessor.Template.Item(null));
        if (config.addEosToken() && config.eosToken() != null && idOf.apply(config.eosToken()) != null) {
            items.add(new PostProcessor.Template.Item(new int[]{idOf.apply(config.eosToken())}));
        }
        return items.size() == 1 ? null : new PostProcessor.Template(List.copyOf(items));
    }

    // ---- model ----

    private BpeModel model(JsonNode m) {
        if (m == null || m.isNull()) throw error("model", "is missing");
        if (!m.isObject()) throw error("model", "must be an object");
        String type = m.path("type").asText(m.has("merges") ? "BPE" : "");
        if (!type.equals("BPE")) {
            throw error("model.type", "\"" + type + "\" is not supported (supported: BPE; WordPiece, Unigram and WordLevel models are not)");
        }
        JsonNode dropout = m.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw error("model.dropout", dropout + " is not supported: BPE dropout makes encoding random");
        }
        JsonNode v = m.get("vocab");
        if (v == null || v.isNull()) throw error("model.vocab", "is missing");
        if (!v.isObject()) throw error("model.vocab", "must be an object mapping tokens to ids");
        Map<String, Integer> vocab = new HashMap<>(v.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw error("model.vocab[\"" + e.getKey() + "\"]", "must be a non-negative integer id, got " + e.getValue());
            }
            if (e.getValue().asInt() > MAX_VOCAB_ID) {
                // the id table is dense (BpeModel.idToToken): one id of 2e9 took 8 GB and most of a minute
                throw error("model.vocab[\"" + e.getKey() + "\"]", "id " + e.getValue() + " is beyond " + MAX_VOCAB_ID
                        + ", far above any real vocabulary (the largest have a few hundred thousand ids)");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        if (vocab.isEmpty()) throw error("model.vocab", "is empty");
        String unk = textOrNull(m, "unk_token", "model");
        // "" means none (GPT-2's file writes it so); null keeps the per-character fast path
        String prefix = emptyToNull(textOrNull(m, "continuing_subword_prefix", "model"));
        String suffix = emptyToNull(textOrNull(m, "end_of_word_suffix", "model"));
        MergeTable merges = merges(m.get("merges"), vocab, prefix == null ? 0 : prefix.length());
        // tokenizers accepts an unk_token missing from the vocabulary and fails only when a text needs it
        String missingUnk = unk != null && !vocab.containsKey(unk)
                ? file + ": model.unk_token \"" + unk + "\" is not in model.vocab, and the text has characters only it could stand for"
                : null;
        return new BpeModel(vocab, merges, unk, missingUnk, prefix, suffix, bool(m, "fuse_unk", false, "model"),
                bool(m, "byte_fallback", false, "model"), bool(m, "ignore_merges", false, "model"));
    }

    private MergeTable merges(JsonNode ms, Map<String, Integer> vocab, int prefixLength) {
        if (ms == null || ms.isNull()) throw error("model.merges", "is missing");
        if (!ms.isArray()) throw error("model.merges", "must be an array");
        MergeTable table = new MergeTable(ms.size());
        int rank = 0;
        for (int i = 0; i < ms.size(); i++) {
            JsonNode e = ms.get(i);
            String a, b;
            String where = "model.merges[" + i + "]";
            if (e.isTextual()) {
                String line = e.asText();
                if (line.startsWith("#version")) continue;
                String[] parts = line.split(" ", -1);
                if (parts.length != 2) throw error(where, "\"" + line + "\" must be two tokens separated by one space");
                a = parts[0];
                b = parts[1];
            } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
                a = e.get(0).asText();
                b = e.get(1).asText();
            } else {
                throw error(where, "must be a string \"a b\" or a pair [\"a\", \"b\"], got " + e);
            }
            Integer ia = vocab.get(a), ib = vocab.get(b);
            if (ia == null) throw error(where, "uses \"" + a + "\", which is not in model.vocab");
            if (ib == null) throw error(where, "uses \"" + b + "\", which is not in model.vocab");
            if (b.length() < prefixLength) throw error(where, "\"" + b + "\" is shorter than the continuing_subword_prefix");
            String mergedToken = a + b.substring(prefixLength);
            Integer merged = vocab.get(mergedToken);
            if (merged == null) throw error(where, "makes \"" + mergedToken + "\", which is not in model.vocab");
            table.put(ia, ib, rank++, merged);
        }
        return table;
    }

    private List<AddedToken> addedTokens(JsonNode at, BpeModel model) {
        List<AddedToken> out = new ArrayList<>();
        if (at == null || at.isNull()) return out;
        if (!at.isArray()) throw error("added_tokens", "must be an array");
        Map<String, Integer> assigned = new HashMap<>();
        int maxAssigned = -1;
        for (int i = 0; i < at.size(); i++) {
            JsonNode t = at.get(i);
            String where = "added_tokens[" + i + "]";
            if (!t.isObject()) throw error(where, "must be an object");
            String content = textOrNull(t, "content", where);
            if (content == null) throw error(where + ".content", "is missing");
            if (!t.path("id").canConvertToInt() || t.get("id").asInt() < 0) throw error(where + ".id", "must be a non-negative integer");
            boolean special = bool(t, "special", false, where);
            if (content.isEmpty()) continue; // tokenizers skips it
            int id = addedTokenId(content, assigned, maxAssigned, model);
            assigned.put(content, id);
            maxAssigned = Math.max(maxAssigned, id);
            out.add(new AddedToken(id, content, bool(t, "single_word", false, where), bool(t, "lstrip", false, where),
                    bool(t, "rstrip", false, where), bool(t, "normalized", !special, where), special));
        }
        return out;
    }

    /**
     * The id tokenizers gives an added token, which is not the "id" written in the file: it adds the tokens one by one
     * in file order; a token already known (an earlier added token, else the model's vocabulary) keeps its id, any
     * other gets the next free id after the vocabulary (its size, or one past the largest id added so far once that
     * reaches it), and a differing "id" only draws a warning. A hand-edited file whose ids disagree therefore gives
     * the ids tokenizers (and a model trained through it) uses, not the written ones.
     */
    private static int addedTokenId(String content, Map<String, Integer> assigned, int maxAssigned, BpeModel model) {
        Integer known = assigned.get(content);
        if (known == null) known = model.id(content);
        if (known != null) return known;
        int base = model.size();
        if (maxAssigned < 0) return base;
        return maxAssigned >= base || base == 0 ? maxAssigned + 1 : base;
    }

    // ---- normalizers ----

    private Normalizer normalizer(JsonNode n, String where) {
        String type = type(n, where);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = array(n, "normalizers", where);
                List<Normalizer> items = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) items.add(normalizer(list.get(i), where + ".normalizers[" + i + "]"));
                yield new Normalizer.Sequence(List.copyOf(items));
            }
            case "Prepend" -> new Normalizer.Prepend(text(n, "prepend", where));
            case "Replace" -> new Normalizer.Replace(pattern(n.get("pattern"), where + ".pattern"), text(n, "content", where));
            case "NFC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Strip" -> new Normalizer.Strip(bool(n, "strip_left", true, where), bool(n, "strip_right", true, where));
            case "StripAccents" -> new Normalizer.StripAccents();
            case "ByteLevel" -> new Normalizer.ByteLevel();
            case "Nmt" -> new Normalizer.Nmt();
            case "Precompiled" -> {
                // an empty charsmap is the identity; a real one is SentencePiece's binary normalization table
                JsonNode map = n.get("precompiled_charsmap");
                if (map == null || map.isNull() || map.asText().isEmpty()) yield new Normalizer.Sequence(List.of());
                throw error(where, "type \"Precompiled\" with a SentencePiece charsmap is not supported");
            }
            default -> throw error(where, "type \"" + type + "\" is not supported (supported normalizers: Sequence, Prepend, Replace, "
                    + "NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, ByteLevel, Nmt)");
        };
    }

    // ---- pre-tokenizers ----

    private PreTokenizer preTokenizer(JsonNode n, String where) {
        String type = type(n, where);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = array(n, "pretokenizers", where);
                List<PreTokenizer> items = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) items.add(preTokenizer(list.get(i), where + ".pretokenizers[" + i + "]"));
                yield new PreTokenizer.Sequence(List.copyOf(items));
            }
            case "ByteLevel" -> new PreTokenizer.ByteLevel(bool(n, "add_prefix_space", true, where), bool(n, "use_regex", true, where));
            case "Split" -> {
                SplitBehavior behavior = behavior(n, where, null);
                yield new PreTokenizer.Split(pattern(n.get("pattern"), where + ".pattern"), behavior, bool(n, "invert", false, where));
            }
            case "Digits" -> new PreTokenizer.Digits(bool(n, "individual_digits", false, where));
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(n, where), prependScheme(n, where), bool(n, "split", true, where));
            case "Whitespace" -> new PreTokenizer.Whitespace();
            case "WhitespaceSplit" -> new PreTokenizer.WhitespaceSplit();
            case "Punctuation" -> new PreTokenizer.Punctuation(behavior(n, where, SplitBehavior.ISOLATED));
            case "CharDelimiterSplit" -> {
                String d = text(n, "delimiter", where);
                if (d.codePointCount(0, d.length()) != 1) throw error(where + ".delimiter", "must be one character");
                yield new PreTokenizer.CharDelimiterSplit(d.codePointAt(0));
            }
            case "BertPreTokenizer" -> new PreTokenizer.Sequence(List.of(
                    new PreTokenizer.WhitespaceSplit(), new PreTokenizer.Punctuation(SplitBehavior.ISOLATED)));
            default -> throw error(where, "type \"" + type + "\" is not supported (supported pre-tokenizers: Sequence, ByteLevel, Split, "
                    + "Digits, Metaspace, Whitespace, WhitespaceSplit, Punctuation, CharDelimiterSplit, BertPreTokenizer)");
        };
    }

    private SplitBehavior behavior(JsonNode n, String where, SplitBehavior dflt) {
        JsonNode b = n.get("behavior");
        if (b == null || b.isNull()) {
            if (dflt != null) return dflt;
            throw error(where + ".behavior", "is missing");
        }
        SplitBehavior sb = SplitBehavior.fromJson(b.asText());
        if (sb == null) throw error(where + ".behavior", "\"" + b.asText() + "\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
        return sb;
    }

    private String replacement(JsonNode n, String where) {
        String r = text(n, "replacement", where);
        if (r.codePointCount(0, r.length()) != 1) throw error(where + ".replacement", "must be one character, got \"" + r + "\"");
        return r;
    }

    private PreTokenizer.Metaspace.PrependScheme prependScheme(JsonNode n, String where) {
        JsonNode legacy = n.get("add_prefix_space");
        JsonNode scheme = n.get("prepend_scheme");
        PreTokenizer.Metaspace.PrependScheme s = PreTokenizer.Metaspace.PrependScheme.ALWAYS;
        if (scheme != null && !scheme.isNull()) {
            s = switch (scheme.asText()) {
                case "always" -> PreTokenizer.Metaspace.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.Metaspace.PrependScheme.FIRST;
                case "never" -> PreTokenizer.Metaspace.PrependScheme.NEVER;
                default -> throw error(where + ".prepend_scheme", "\"" + scheme.asText() + "\" is not one of always, first, never");
            };
        }
        if (legacy != null && legacy.isBoolean() && !legacy.asBoolean()) {
            if (scheme != null && !scheme.isNull() && s != PreTokenizer.Metaspace.PrependScheme.NEVER) {
                throw error(where, "add_prefix_space false contradicts prepend_scheme \"" + scheme.asText() + "\"");
            }
            s = PreTokenizer.Metaspace.PrependScheme.NEVER;
        }
        return s;
    }

    // ---- post-processors ----

    private PostProcessor postProcessor(JsonNode n, String where, java.util.function.Function<String, Integer> idOf) {
        String type = type(n, where);
        return switch (type) {
            case "TemplateProcessing" -> template(n, where, idOf);
            case "ByteLevel" -> new PostProcessor.ByteLevel();
            case "RobertaProcessing", "BertProcessing" -> new PostProcessor.ClsSep(tokenPair(n, "cls", where), tokenPair(n, "sep", where));
            case "Sequence" -> {
                JsonNode list = array(n, "processors", where);
                List<PostProcessor> items = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) items.add(postProcessor(list.get(i), where + ".processors[" + i + "]", idOf));
                yield new PostProcessor.Sequence(List.copyOf(items));
            }
            default -> throw error(where, "type \"" + type + "\" is not supported (supported post-processors: TemplateProcessing, "
                    + "ByteLevel, RobertaProcessing, BertProcessing, Sequence)");
        };
    }

    /** ["<s>", 1] as Roberta/Bert processors write their cls and sep tokens. */
    private int tokenPair(JsonNode n, String field, String where) {
        JsonNode p = n.get(field);
        if (p == null || !p.isArray() || p.size() != 2 || !p.get(1).canConvertToInt()) {
            throw error(where + "." + field, "must be a pair [token, id]");
        }
        requireToken(p.get(1).asInt(), p.get(0).isTextual() ? p.get(0).asText() : null, where + "." + field);
        return p.get(1).asInt();
    }

    private PostProcessor template(JsonNode n, String where, java.util.function.Function<String, Integer> idOf) {
        Map<String, int[]> specials = new HashMap<>();
        Map<String, JsonNode> tokensOf = new HashMap<>();
        JsonNode st = n.get("special_tokens");
        if (st != null && !st.isNull()) {
            if (!st.isObject()) throw error(where + ".special_tokens", "must be an object");
            for (Iterator<Map.Entry<String, JsonNode>> it = st.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode ids = e.getValue().get("ids");
                String w = where + ".special_tokens[\"" + e.getKey() + "\"].ids";
                if (ids == null || !ids.isArray()) throw error(w, "must be an array of ids");
                int[] arr = new int[ids.size()];
                for (int i = 0; i < arr.length; i++) {
                    if (!ids.get(i).canConvertToInt()) throw error(w, "must hold integer ids, got " + ids.get(i));
                    arr[i] = ids.get(i).asInt();
                }
                specials.put(e.getKey(), arr);
                tokensOf.put(e.getKey(), e.getValue().get("tokens"));
            }
        }
        JsonNode single = n.get("single");
        if (single == null || single.isNull()) throw error(where + ".single", "is missing");
        List<PostProcessor.Template.Item> items = new ArrayList<>();
        if (single.isTextual()) {
            for (String part : single.asText().trim().split("\\s+")) {
                if (part.isEmpty()) continue;
                String name = part.replaceFirst(":\\d+$", "");
                if (name.startsWith("$")) {
                    if (!name.equals("$") && !name.equals("$A") && !name.equals("$0")) throw error(where + ".single", "may only hold the sequence $A, got " + part);
                    items.add(new PostProcessor.Template.Item(null));
                } else {
                    items.add(new PostProcessor.Template.Item(specialIds(specials, tokensOf, where, name, where, idOf)));
                }
            }
        } else if (single.isArray()) {
            for (int i = 0; i < single.size(); i++) {
                JsonNode piece = single.get(i);
                String w = where + ".single[" + i + "]";
                if (piece.has("Sequence")) {
                    String id = piece.get("Sequence").path("id").asText("A");
                    if (!id.equals("A")) throw error(w, "may only hold the sequence A, got " + id);
                    items.add(new PostProcessor.Template.Item(null));
                } else if (piece.has("SpecialToken")) {
                    String id = piece.get("SpecialToken").path("id").asText(null);
                    if (id == null) throw error(w + ".SpecialToken.id", "is missing");
                    items.add(new PostProcessor.Template.Item(specialIds(specials, tokensOf, where, id, w, idOf)));
                } else {
                    throw error(w, "must be {\"Sequence\": …} or {\"SpecialToken\": …}, got " + piece);
                }
            }
        } else {
            throw error(where + ".single", "must be an array or a template string");
        }
        return new PostProcessor.Template(List.copyOf(items));
    }

    private int[] specialIds(Map<String, int[]> specials, Map<String, JsonNode> tokensOf, String processor, String name, String where,
                             java.util.function.Function<String, Integer> idOf) {
        int[] ids = specials.get(name);
        if (ids != null) {
            // checked only here, where the single template uses it: the pair template's tokens are never added
            JsonNode tokens = tokensOf.get(name);
            String at = processor + ".special_tokens[\"" + name + "\"]";
            for (int i = 0; i < ids.length; i++) {
                String written = tokens != null && tokens.isArray() && tokens.size() == ids.length && tokens.get(i).isTextual()
                        ? tokens.get(i).asText() : null;
                requireToken(ids[i], written, at + ".ids[" + i + "]");
            }
            return ids;
        }
        throw error(where, "uses special token \"" + name + "\", which is missing from special_tokens"
                + (idOf.apply(name) != null ? "" : " and from the vocabulary"));
    }

    // ---- decoders ----

    private Decoder decoder(JsonNode n, String where) {
        String type = type(n, where);
        return switch (type) {
            case "Sequence" -> {
                JsonNode list = array(n, "decoders", where);
                List<Decoder> items = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) items.add(decoder(list.get(i), where + ".decoders[" + i + "]"));
                yield new Decoder.Sequence(List.copyOf(items));
            }
            case "Replace" -> new Decoder.Replace(pattern(n.get("pattern"), where + ".pattern"), text(n, "content", where));
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> {
                String c = text(n, "content", where);
                if (c.codePointCount(0, c.length()) != 1) throw error(where + ".content", "must be one character");
                yield new Decoder.Strip(c.codePointAt(0), nonNegative(n, "start", where), nonNegative(n, "stop", where));
            }
            case "Metaspace" -> new Decoder.Metaspace(replacement(n, where).codePointAt(0),
                    prependScheme(n, where) != PreTokenizer.Metaspace.PrependScheme.NEVER);
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "BPEDecoder" -> new Decoder.BpeSuffix(n.hasNonNull("suffix") ? n.get("suffix").asText() : "</w>");
            default -> throw error(where, "type \"" + type + "\" is not supported (supported decoders: Sequence, Replace, "
                    + "ByteFallback, Fuse, Strip, Metaspace, ByteLevel, BPEDecoder)");
        };
    }

    // ---- fields ----

    private String type(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw error(where, "must be an object");
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) throw error(where + ".type", "is missing");
        return t.asText();
    }

    private Pattern pattern(JsonNode p, String where) {
        if (p == null || !p.isObject()) throw error(where, "must be {\"String\": …} or {\"Regex\": …}");
        try {
            if (p.path("String").isTextual()) return OnigRegex.literal(p.get("String").asText());
            if (p.path("Regex").isTextual()) return OnigRegex.compile(p.get("Regex").asText());
        } catch (IllegalArgumentException e) {
            throw error(where, e.getMessage());
        }
        throw error(where, "must be {\"String\": …} or {\"Regex\": …}, got " + p);
    }

    private JsonNode array(JsonNode n, String field, String where) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) throw error(where + "." + field, "must be an array");
        return a;
    }

    private String text(JsonNode n, String field, String where) {
        JsonNode t = n.get(field);
        if (t == null || !t.isTextual()) throw error(where + "." + field, t == null ? "is missing" : "must be a string, got " + t);
        return t.asText();
    }

    private String textOrNull(JsonNode n, String field, String where) {
        JsonNode t = n.get(field);
        if (t == null || t.isNull()) return null;
        if (!t.isTextual()) throw error(where + "." + field, "must be a string, got " + t);
        return t.asText();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private boolean bool(JsonNode n, String field, boolean dflt, String where) {
        JsonNode b = n.get(field);
        if (b == null || b.isNull()) return dflt;
        if (!b.isBoolean()) throw error(where + "." + field, "must be true or false, got " + b);
        return b.asBoolean();
    }

    private int nonNegative(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || v.asInt() < 0) throw error(where + "." + field, "must be a non-negative integer");
        return v.asInt();
    }
}
