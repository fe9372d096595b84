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
 * The engine's matrix products at the shapes of a SmolLM2-135M training step (m = 8 × 128 rows; and TinyLlama's
 * gate projection at 4 × 128 rows, whose 2048-float rows are 8 KB apart): a linear layer's
 * forward Y = X·Wᵀ and its backward dX = dY·W, F32 and BF16 weights, computed in F32 (the Vector API kernels) or
 * BF16 (the native kernels, {@code compute=BF16}; where they are unavailable that setup fails with the reason).
 * GFLOP/s = 2·m·n·k / time.
 * Run (see docs/benchmarks.md): java ... org.openjdk.jmh.Main GemmBenchmark
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {
    /** m x n x k: rows, output features (W rows), input features (W columns). */
    @Param({"1024x576x576", "1024x1536x576", "1024x576x1536", "512x5632x2048"})
    public String shape;
    @Param({"F32", "BF16"})
    public String dtype;
    @Param({"F32", "BF16"})
    public String compute;

    int m, n, k;
    Matrix w;
    float[] x, y, dy, dx;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        w = BenchData.matrix(n, k, dtype.equals("BF16"), 1);
        if (compute.equals("BF16")) w = w.withBf16Compute();
        x = BenchData.array(m * k, 2);
        dy = BenchData.array(m * n, 3);
        y = new float[m * n];
        dx = new float[m * k];
    }

    @Benchmark
    public float[] forwardXWt() {
        Gemm.xwT(x, 0, m, w, y, 0, false);
        return y;
    }

    @Benchmark
    public float[] backwardXW() {
        Gemm.xw(dy, 0, m, w, dx, 0, false);
        return dx;
    }
}
