package tagllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of tokenizer.json: a word is split into characters (each looked up in the vocabulary,
 * else its UTF-8 bytes as {@code <0xNN>} pieces when byte_fallback is on, else the unknown token, runs of
 * which fuse when fuse_unk is on), then merged by rank. Results for short words are cached.
 */
final class BpeModel {
    private static final int CACHE_CAPACITY = 50_000;
    /** Longer words are rarely repeated; caching them would only hold memory. */
    private static final int CACHE_MAX_WORD = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeTable merges;
    private final int unkId;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final int[] byteIds = new int[256];
    /** Ids of single BMP characters, -1 when absent: the common case without a vocabulary lookup. */
    private final int[] charIds = new int[65536];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /** Set when unk_token names no vocabulary entry: the error to raise when a text needs the unknown token. */
    private final String missingUnkMessage;

    BpeModel(Map<String, Integer> vocab, MergeTable merges, String unkToken, String missingUnkMessage, String continuingSubwordPrefix,
             String endOfWordSuffix, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkToken == null ? -1 : vocab.getOrDefault(unkToken, -1);
        this.missingUnkMessage = missingUnkMessage;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        idToToken = new String[maxId + 1];
        vocab.forEach((t, id) -> idToToken[id] = t);
        java.util.Arrays.fill(charIds, -1);
        vocab.forEach((t, id) -> { if (t.length() == 1) charIds[t.charAt(0)] = id; });
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
    }

    /** Tokenizes one pre-tokenized word, appending its ids. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        boolean cacheable = word.length() < CACHE_MAX_WORD;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        IntList ids = new IntList(word.length() + 4);
        mergeWord(word, ids);
        int[] result = ids.toArray();
        if (cacheable) {
            // a full cache starts over rather than freezing on the first words it saw
            if (cache.size() >= CACHE_CAPACITY) cache.clear();
            cache.put(word, result);
        }
        out.addAll(result);
    }

    private void mergeWord(String w, IntList out) {
        int[] symbols = new int[w.length() * 4 + 4];
        int count = 0;
        boolean hasPendingUnk = false;  // an unknown token waiting to be emitted (runs of them fuse when fuse_unk)
        boolean plain = continuingSubwordPrefix == null && endOfWordSuffix == null;
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            int end = i + Character.charCount(cp);
            int id;
            String s = null;
            if (plain && cp < 0x10000) {
                id = charIds[cp];
            } else {
                s = w.substring(i, end);
                if (i > 0 && continuingSubwordPrefix != null) s = continuingSubwordPrefix + s;
                if (end == w.length() && endOfWordSuffix != null) s = s + endOfWordSuffix;
                id = vocab.getOrDefault(s, -1);
            }
            i = end;
            if (id >= 0) {
                if (hasPendingUnk) {
                    symbols[count++] = unkId;
                    hasPendingUnk = false;
                }
                symbols[count++] = id;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = (s != null ? s : new String(Character.toChars(cp))).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) all &= byteIds[b & 0xFF] >= 0;
                if (all) {
                    // tokenizers emits these before a pending unknown token; kept for identical ids
                    if (count + bytes.length > symbols.length) symbols = java.util.Arrays.copyOf(symbols, (count + bytes.length) * 2);
                    for (byte b : bytes) symbols[count++] = byteIds[b & 0xFF];
                    continue;
                }
            }
            if (missingUnkMessage != null) throw new tagllm.tokenizer.TokenizerFormatException(missingUnkMessage);
            if (unkId >= 0) {
                if (hasPendingUnk && !fuseUnk) symbols[count++] = unkId;
                hasPendingUnk = true;
            }
        }
        if (hasPendingUnk) symbols[count++] = unkId;
        new BpeWord(symbols, count).mergeInto(merges, out);
    }

    Integer id(String token) { return vocab.get(token); }

    String token(int id) { return id >= 0 && id < idToToken.length ? idToToken[id] : null; }

    /** One more than the largest id. */
    int idBound() { return idToToken.length; }

    int size() { return vocab.size(); }
}
