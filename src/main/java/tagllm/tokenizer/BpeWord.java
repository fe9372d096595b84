package tagllm.tokenizer;

/**
 * One word during BPE merging: a doubly linked list of symbols (token ids) and a min-heap of candidate
 * merges keyed by (rank, position). The lowest-ranked adjacent pair is merged first, the leftmost among
 * equals; stale heap entries are recognised by re-checking the pair. O(n log n) in the word length,
 * which matters for inputs without pre-tokenization (a 1,000-residue protein is one word).
 */
final class BpeWord {
    private final int[] ids;
    private final int[] prev;
    private final int[] next;
    private final boolean[] removed;
    private final int n;
    private long[] heap;
    private int heapSize;

    BpeWord(int[] symbols, int count) {
        n = count;
        ids = symbols;
        prev = new int[n];
        next = new int[n];
        removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        heap = new long[Math.max(4, n)];
    }

    /** Applies the merges and appends the resulting ids to {@code out}. */
    void mergeInto(MergeTable merges, IntList out) {
        for (int i = 0; i + 1 < n; i++) pushPair(merges, i, i + 1);
        while (heapSize > 0) {
            long top = pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) continue;
            int right = next[pos];
            int slot = merges.find(ids[pos], ids[right]);
            // an entry is stale when the pair at pos changed since it was queued
            if (slot < 0 || merges.rankAt(slot) != rank) continue;
            ids[pos] = merges.mergedAt(slot);
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) pushPair(merges, prev[pos], pos);
            if (next[pos] >= 0) pushPair(merges, pos, next[pos]);
        }
        for (int i = 0; i >= 0 && i < n; i = next[i]) out.add(ids[i]);
    }

    private void pushPair(MergeTable merges, int left, int right) {
        int slot = merges.find(ids[left], ids[right]);
        if (slot < 0) return;
        push(((long) merges.rankAt(slot) << 32) | left);
    }

    private void push(long v) {
        if (heapSize == heap.length) heap = java.util.Arrays.copyOf(heap, heap.length * 2);
        int i = heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    private long pop() {
        long top = heap[0];
        long last = heap[--heapSize];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) break;
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) child++;
            if (heap[child] >= last) break;
            heap[i] = heap[child];
            i = child;
        }
        if (heapSize > 0) heap[i] = last;
        return top;
    }
}
