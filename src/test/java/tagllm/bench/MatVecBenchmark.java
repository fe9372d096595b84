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
import tagllm.tensor.Gemm;
import tagllm.tensor.Matrix;

import java.util.concurrent.TimeUnit;

/**
 * Decoding's matrix-vector products: one row through a whole decoder layer's weights of SmolLM2-135M (q, k, v, o,
 * gate, up, down: 3.5 M weights, 14 MB in F32; cycling through 16 such layers so the weights come from memory, as in decode, not
 * from cache) and through its 49152 × 576 LM head. Memory-bound: GB/s = weight bytes / time. BF16 reads Java's BF16
 * panels (tl_matvec_bf16 for one row), BF16_COMPUTE the same weights as BF16 compute holds them, Wᵀ packed for the
 * native kernels (tl_matvec_wt; needs the native library).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatVecBenchmark {
    @Param({"F32", "BF16", "BF16_COMPUTE"})
    public String dtype;

    static final int D = 576, Q = 576, KV = 192, F = 1536, VOCAB = 49152, LAYERS = 16;
    Matrix[][] layers;
    Matrix head;
    float[] x, xf, q, k, v, o, gate, up, logits;
    int next;

    @Setup
    public void setup() {
        boolean bf16 = !dtype.equals("F32"), compute = dtype.equals("BF16_COMPUTE");
        layers = new Matrix[LAYERS][];
        for (int l = 0; l < LAYERS; l++) {
            layers[l] = new Matrix[]{BenchData.matrix(Q, D, bf16, 10 * l + 1), BenchData.matrix(KV, D, bf16, 10 * l + 2),
                    BenchData.matrix(KV, D, bf16, 10 * l + 3), BenchData.matrix(D, Q, bf16, 10 * l + 4),
                    BenchData.matrix(F, D, bf16, 10 * l + 5), BenchData.matrix(F, D, bf16, 10 * l + 6),
                    BenchData.matrix(D, F, bf16, 10 * l + 7)};
            if (compute) for (int i = 0; i < 7; i++) layers[l][i] = layers[l][i].withBf16Compute();
        }
        head = BenchData.matrix(VOCAB, D, bf16, 99);
        if (compute) head = head.withBf16Compute();
        x = BenchData.array(D, 1);
        xf = BenchData.array(F, 2);
        q = new float[Q];
        k = new float[KV];
        v = new float[KV];
        o = new float[D];
        gate = new float[F];
        up = new float[F];
        logits = new float[VOCAB];
    }

    /** One decoder layer's seven products for one row (q/k/v and gate/up fused as the engine runs them). */
    @Benchmark
    public float[] layer() {
        Matrix[] w = layers[next++ % LAYERS];
        Gemm.xwT(x, 0, 1, new Matrix[]{w[0], w[1], w[2]}, new float[][]{q, k, v}, new int[]{0, 0, 0});
        Gemm.xwT(q, 0, 1, w[3], o, 0, false);
        Gemm.xwT(x, 0, 1, new Matrix[]{w[4], w[5]}, new float[][]{gate, up}, new int[]{0, 0});
        Gemm.xwT(xf, 0, 1, w[6], o, 0, true);
        return o;
    }

    @Benchmark
    public float[] lmHead() {
        Gemm.xwT(x, 0, 1, head, logits, 0, false);
        return logits;
    }
}
