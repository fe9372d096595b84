package tagllm.data;

import java.util.List;

/**
 * The Mersenne Twister (MT19937) seeded and used exactly as CPython's {@code random.Random(int)} does, for the
 * operations splits need: {@code getrandbits(k ≤ 32)}, {@code _randbelow} and {@code shuffle}. With it a seeded
 * split made here is the same as one made in Python (and the shared datasets' splits can be reproduced).
 */
final class PythonRandom {
    private static final int N = 624, M = 397;
    private static final int MATRIX_A = 0x9908b0df, UPPER = 0x80000000, LOWER = 0x7fffffff;

    private final int[] mt = new int[N];
    private int index;

    /** {@code random.Random(seed)}: the key is |seed| split into 32-bit words, least significant first. */
    PythonRandom(long seed) {
        long magnitude = seed < 0 ? -seed : seed; // Long.MIN_VALUE stays 2^63 read as unsigned, as Python's abs
        int low = (int) magnitude, high = (int) (magnitude >>> 32);
        initByArray(high != 0 ? new int[]{low, high} : new int[]{low});
    }

    /** Seeded by an explicit key of 32-bit words, as {@code init_by_array} (for the reference test vectors). */
    PythonRandom(int[] key) {
        if (key.length == 0) throw new IllegalArgumentException("empty key");
        initByArray(key.clone());
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        index = N;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = UPPER; // MSB is 1, assuring a non-zero initial array
    }

    /** The next 32-bit output, as an unsigned value. */
    long nextUnsigned32() {
        if (index >= N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    private void twist() {
        for (int k = 0; k < N; k++) {
            int y = (mt[k] & UPPER) | (mt[(k + 1) % N] & LOWER);
            mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        index = 0;
    }

    /** {@code random.getrandbits(k)} for 0 ≤ k ≤ 32. */
    long getrandbits(int k) {
        if (k < 0 || k > 32) throw new IllegalArgumentException("k must be in 0..32, got " + k);
        if (k == 0) return 0;
        return nextUnsigned32() >>> (32 - k);
    }

    /** {@code random._randbelow(n)}: uniform in [0, n) by rejection sampling on bit_length(n) bits. */
    int randbelow(int n) {
        if (n <= 0) throw new IllegalArgumentException("n must be positive, got " + n);
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return (int) r;
    }

    /** {@code random.random()}: 53-bit float in [0, 1). */
    double random() {
        long a = nextUnsigned32() >>> 5, b = nextUnsigned32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code random.shuffle(x)} in place (Fisher-Yates from the end). */
    <T> void shuffle(List<T> x) {
        for (int i = x.size() - 1; i > 0; i--) {
            int j = randbelow(i + 1);
            T t = x.get(i);
            x.set(i, x.get(j));
            x.set(j, t);
        }
    }
}
