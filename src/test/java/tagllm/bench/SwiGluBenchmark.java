package tagllm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tagllm.tensor.SwiGlu;

import java.util.concurrent.TimeUnit;

/**
 * The SwiGLU gate over 128 rows of SmolLM2-135M's intermediate width (1536), forward and backward, one thread:
 * per-row elementwise work of the training step. Rows of one 128-token sequence keep the arrays in L2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SwiGluBenchmark {
    static final int ROWS = 128, FFN = 1536;
    float[] gate, up, act, dAct, dGate, dUp;

    @Setup
    public void setup() {
        gate = BenchData.array(ROWS * FFN, 5);
        up = BenchData.array(ROWS * FFN, 6);
        dAct = BenchData.array(ROWS * FFN, 7);
        for (int i = 0; i < gate.length; i++) gate[i] *= 4f; // pre-activations of a trained model spread over a few units
        act = new float[ROWS * FFN];
        dGate = new float[ROWS * FFN];
        dUp = new float[ROWS * FFN];
    }

    @Benchmark
    public float[] forward() {
        for (int r = 0; r < ROWS; r++) SwiGlu.forward(gate, up, r * FFN, act, r * FFN, FFN);
        return act;
    }

    @Benchmark
    public float[] backward() {
        for (int r = 0; r < ROWS; r++) SwiGlu.backward(gate, up, r * FFN, dAct, dGate, dUp, r * FFN, FFN);
        return dGate;
    }
}
