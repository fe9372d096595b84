package tagllm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tagllm.tensor.Attention;
import tagllm.tensor.BlockAttention;

import java.util.concurrent.TimeUnit;

/**
 * Attention of one 128-position sequence with SmolLM2-135M's heads (9 query heads, 3 kv heads, head_dim 64), one
 * kv group of {@code blockRows} rows at a time (the engine's tasks take up to 128): the block forward and backward
 * (matrix products; {@code precision} BF16: all but the scores through the native BF16 tiles, as under BF16
 * compute), and one decode row over 128 cached keys per head.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    static final int N = 128, HEADS = 9, KV = 3, HD = 64, G = HEADS / KV, QD = HEADS * HD, KVD = KV * HD;
    static final Attention.Heads SHAPE = new Attention.Heads(HEADS, KV, HD);
    float[] q, k, v, att, lse, dOut, dq, dk, dv, scores;
    int[] lo, hi, compact;

    @Param({"F32", "BF16"})
    public String precision;

    @Param({"64", "128"})
    public int blockRows;

    boolean bf16;

    @Setup
    public void setup() {
        bf16 = precision.equals("BF16");
        if (bf16 && !tagllm.tensor.NativeBf16.available()) throw new IllegalStateException(tagllm.tensor.NativeBf16.status());
        q = BenchData.array(N * QD, 1);
        k = BenchData.array(N * KVD, 2);
        v = BenchData.array(N * KVD, 3);
        dOut = BenchData.array(N * QD, 4);
        att = new float[N * QD];
        lse = new float[N * HEADS];
        dq = new float[N * QD];
        dk = new float[N * KVD];
        dv = new float[N * KVD];
        scores = new float[N];
        lo = new int[N];
        hi = new int[N];
        compact = new int[N];
        for (int r = 0; r < N; r++) {
            hi[r] = r;
            compact[r] = r;
        }
        for (int g = 0; g < KV; g++) {
            for (int r0 = 0; r0 < N; r0 += blockRows) blockForwardGroup(g, r0);
        }
    }

    private void blockForwardGroup(int g, int r0) {
        BlockAttention.forward(SHAPE, new Attention.Qkv(q, k, v), new Attention.KeyRanges(lo, hi), g, r0, r0 + blockRows, lse,
                att, bf16);
    }

    /** All heads of the sequence, forward: blocks of blockRows rows × 3 kv groups. */
    @Benchmark
    public float[] blockForward() {
        for (int g = 0; g < KV; g++) {
            for (int r0 = 0; r0 < N; r0 += blockRows) blockForwardGroup(g, r0);
        }
        return att;
    }

    /** All heads of the sequence, backward (every row trainable). */
    @Benchmark
    public float[] blockBackward() {
        java.util.Arrays.fill(dk, 0f);
        java.util.Arrays.fill(dv, 0f);
        for (int g = 0; g < KV; g++) {
            for (int r0 = 0; r0 < N; r0 += blockRows) {
                BlockAttention.backward(SHAPE, new Attention.Qkv(q, k, v), new Attention.KeyRanges(lo, hi), lse, g, r0,
                        r0 + blockRows, dOut, new Attention.Qkv(dq, dk, dv), new Attention.GradientRows(compact, compact), bf16);
            }
        }
        return dq;
    }

    /** One decode row (the last position) over all 128 keys, every head. */
    @Benchmark
    public float[] decodeRow() {
        int r = N - 1;
        for (int h = 0; h < HEADS; h++) {
            Attention.forward(SHAPE, new Attention.Qkv(q, k, v), new Attention.KeyRanges(lo, hi), r, h, lse, att, scores);
        }
        return att;
    }
}
