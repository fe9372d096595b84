package tagllm.tokenizer;

/**
 * The BPE merge rules as an open-addressing hash table from a pair of token ids to the rule's rank
 * (its line in the merges list, lower merges first) and the id of the merged token. Primitive keys
 * keep lookups allocation-free on the encoding hot path (Llama 3 has 280,000 rules).
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2) - 1) << 1;
        keys = new long[cap];
        java.util.Arrays.fill(keys, EMPTY);
        ranks = new int[cap];
        merged = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) { return ((long) left << 32) | (right & 0xFFFFFFFFL); }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        int i = (int) (h >>> 40) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /** Adds a rule; a pair listed twice keeps the later rank, as tokenizers' HashMap collect does. */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int i = slot(k);
        if (keys[i] == EMPTY) size++;
        keys[i] = k;
        ranks[i] = rank;
        merged[i] = mergedId;
    }

    /** The slot holding the pair, or -1 when no rule merges it. */
    int find(int left, int right) {
        long k = key(left, right);
        int i = slot(k);
        return keys[i] == EMPTY ? -1 : i;
    }

    int rankAt(int slot) { return ranks[slot]; }

    int mergedAt(int slot) { return merged[slot]; }

    int size() { return size; }
}
