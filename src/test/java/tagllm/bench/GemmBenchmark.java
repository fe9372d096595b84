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
import tagllm.model.SafeTensorsWriter;
import tagllm.tensor.Gemm;
import tagllm.tensor.Matrix;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * GEMM throughput on a square-ish linear layer shape (prefill/training: many rows; decode: one row).
 * Run: java -cp ... org.openjdk.jmh.Main GemmBenchmark  (GFLOP/s = 2·m·n·k / time).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
    @Param({"256"})
    public int m;
    @Param({"1024"})
    public int n;
    @Param({"1024"})
    public int k;
    @Param({"F32", "BF16"})
    public String dtype;

    private Matrix w;
    private float[] x, y, dy, dx, x1, y1;

    @Setup
    public void setup() {
        Random r = new Random(1);
        float[] a = new float[n * k];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        if (dtype.equals("F32")) {
            w = Matrix.f32(n, k, a);
        } else {
            short[] b = new short[a.length];
            for (int i = 0; i < a.length; i++) b[i] = SafeTensorsWriter.toBf16(a[i]);
            w = Matrix.bf16(n, k, b);
        }
        x = new float[m * k];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        y = new float[m * n];
        dy = y.clone();
        dx = new float[m * k];
        x1 = new float[k];
        y1 = new float[n];
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

    @Benchmark
    public float[] decodeMatVec() {
        Gemm.xwT(x1, 0, 1, w, y1, 0, false);
        return y1;
    }
}
