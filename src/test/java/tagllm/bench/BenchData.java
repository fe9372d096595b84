package tagllm.bench;

import tagllm.model.SafeTensorsWriter;
import tagllm.tensor.Matrix;

import java.util.SplittableRandom;

/** Random operands for the JMH benchmarks. */
final class BenchData {
    private BenchData() {}

    static float[] array(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static Matrix matrix(int rows, int cols, boolean bf16, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        if (!bf16) return Matrix.f32(rows, cols, (row, dst) -> {
            for (int c = 0; c < cols; c++) dst[c] = (float) r.nextGaussian() * 0.05f;
        });
        return Matrix.bf16(rows, cols, (row, dst) -> {
            for (int c = 0; c < cols; c++) dst[c] = SafeTensorsWriter.toBf16((float) r.nextGaussian() * 0.05f);
        });
    }
}
