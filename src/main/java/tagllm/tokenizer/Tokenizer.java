package tagllm.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face tokenizer.json BPE tokenizer (SentencePiece-style with metaspace and byte fallback:
 * Llama 2, TinyLlama, Mistral; byte-level: GPT-2, Llama 3, Qwen2, SmolLM), giving the same ids as the
 * tokenizers library. Encoding follows its pipeline: added tokens are cut out of the raw text first;
 * each remaining part is normalized on its own, searched for normalized added tokens, pre-tokenized
 * into words, and each word is BPE-encoded; the post-processor then adds special tokens.
 * Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {
    private final Path source;
    private final BpeModel model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final Map<Integer, AddedToken> addedById = new HashMap<>();
    private final Map<String, Integer> addedByContent = new HashMap<>();
    /** How decode spells an added token: a normalized token is decoded in its normalized form (tokenizers ≥ 0.23). */
    private final Map<Integer, String> addedDecodeForm = new HashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    private final AddedTokenMatcher rawMatcher;
    private final AddedTokenMatcher normalizedMatcher;
    private final int bosId;
    private final int eosId;
    private final int vocabSize;

    Tokenizer(Path source, BpeModel model, Normalizer normalizer, PreTokenizer preTokenizer,
              PostProcessor postProcessor, Decoder decoder, List<AddedToken> addedTokens, int bosId, int eosId) {
        this.source = source;
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.bosId = bosId;
        this.eosId = eosId;
        int bound = model.idBound();
        List<AddedToken> raw = new ArrayList<>(), normalized = new ArrayList<>();
        for (AddedToken t : addedTokens) {
            if (t.content().isEmpty()) continue;
            addedById.put(t.id(), t);
            addedByContent.putIfAbsent(t.content(), t.id());
            if (t.special()) specialContents.add(t.content());
            String form = t.normalized() && normalizer != null ? normalizer.normalize(t.content()) : t.content();
            addedDecodeForm.put(t.id(), form);
            (t.normalized() ? normalized : raw).add(t);
            bound = Math.max(bound, t.id() + 1);
        }
        this.vocabSize = bound;
        this.rawMatcher = new AddedTokenMatcher(raw, AddedToken::content);
        // normalized tokens are searched for in normalized text, so in their normalized spelling
        this.normalizedMatcher = new AddedTokenMatcher(normalized, t -> addedDecodeForm.get(t.id()));
    }

    /** Loads {@code tokenizer.json}, or {@code dir/tokenizer.json} for a directory, with tokenizer_config.json beside it if present. */
    public static Tokenizer load(Path tokenizerJsonOrModelDir) throws IOException {
        return TokenizerLoader.load(tokenizerJsonOrModelDir);
    }

    /** The ids of {@code text} with the special tokens the tokenizer adds (e.g. BOS first for Llama). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    public int[] encode(String text, boolean addSpecialTokens) {
        IntList ids = new IntList(text.length() / 2 + 8);
        for (AddedTokenMatcher.Segment seg : rawMatcher.split(text)) {
            if (seg.token() != null) {
                ids.add(seg.token().id());
                continue;
            }
            // empty parts are dropped before pre-tokenization, so "" gets no prefix space or "▁"
            if (seg.end() == seg.start()) continue;
            String part = text.substring(seg.start(), seg.end());
            String norm = normalizer == null ? part : normalizer.normalize(part);
            for (AddedTokenMatcher.Segment sub : normalizedMatcher.split(norm)) {
                if (sub.token() != null) {
                    ids.add(sub.token().id());
                    continue;
                }
                if (sub.end() == sub.start()) continue;
                Piece piece = new Piece(norm.substring(sub.start(), sub.end()), seg.start() == 0 && sub.start() == 0);
                if (preTokenizer == null) {
                    model.tokenize(piece.text(), ids);
                } else {
                    for (Piece word : preTokenizer.apply(List.of(piece))) model.tokenize(word.text(), ids);
                }
            }
        }
        int[] out = ids.toArray();
        return postProcessor == null ? out : postProcessor.process(out, addSpecialTokens);
    }

    /** The text of {@code ids}, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of {@code ids}; ids that belong to no token are skipped, as in tokenizers. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = addedDecodeForm.get(id);
            if (t == null) t = model.token(id);
            if (t == null) continue;
            if (skipSpecialTokens && specialContents.contains(t)) continue;
            tokens.add(t);
        }
        if (decoder == null) return String.join(" ", tokens);
        return String.join("", decoder.decodeChain(tokens));
    }

    /** One more than the largest token id (model vocabulary and added tokens): the rows an embedding needs. */
    public int vocabSize() {
        return vocabSize;
    }

    /** The beginning-of-sequence id (tokenizer_config.json, else the post-processor's leading token), -1 when none. */
    public int bosId() {
        return bosId;
    }

    /** The end-of-sequence id (tokenizer_config.json, else the post-processor's trailing token or a usual name), -1 when none. */
    public int eosId() {
        return eosId;
    }

    /** The piece string of {@code id}, or null when no token has this id. */
    public String token(int id) {
        AddedToken t = addedById.get(id);
        return t != null ? t.content() : model.token(id);
    }

    /** The id of a piece string, or -1 when absent. */
    public int tokenId(String token) {
        Integer id = addedByContent.get(token);
        if (id == null) id = model.id(token);
        return id == null ? -1 : id;
    }

    /** Whether {@code id} is a byte-fallback piece ({@code <0xNN>}): its text depends on the byte pieces around it. */
    public boolean isBytePiece(int id) {
        String t = token(id);
        return t != null && Decoder.ByteFallback.byteOf(t) >= 0;
    }

    /** Whether {@code id} is a special added token (those that skipSpecialTokens drops). */
    public boolean isSpecial(int id) {
        AddedToken t = addedById.get(id);
        return t != null && t.special();
    }

    /** Incremental decoding for streaming generation. */
    public StreamDecoder streamDecoder(boolean skipSpecialTokens) {
        return new StreamDecoder(this, skipSpecialTokens);
    }

    /** The tokenizer.json this was loaded from. */
    public Path source() {
        return source;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + vocabSize + " ids]";
    }
}
