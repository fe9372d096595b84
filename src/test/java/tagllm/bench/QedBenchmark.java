package tagllm.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import tagllm.chem.Qed;
import tagllm.data.Dataset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * QED throughput: one pass over all 20,000 SMILES of ../shared/data/smiles/zinc20k.csv (parse, RDKit-style
 * preparation, eight properties, score) on {@code threads} worker threads. Run with
 * {@code java -cp target/test-classes:target/classes:DEPS tagllm.bench.QedBenchmark} (see docs/benchmarks.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class QedBenchmark {
    @Param({"1", "2"})
    int threads;

    @Param({"../shared/data/smiles/zinc20k.csv"})
    String file;

    List<String> smiles;
    ForkJoinPool pool;

    @Setup(Level.Trial)
    public void load() {
        Path p = Path.of(file);
        if (!Files.exists(p)) throw new IllegalStateException("benchmark data not found: " + p.toAbsolutePath());
        smiles = Dataset.read(p).rows().stream().map(r -> r.get("smiles")).toList();
        pool = new ForkJoinPool(threads);
    }

    @TearDown(Level.Trial)
    public void close() {
        pool.shutdown();
    }

    /** Seconds for the whole file; the sum keeps the work from being optimised away. */
    @Benchmark
    public double qedWholeFile() throws Exception {
        return pool.submit(() -> smiles.parallelStream().mapToDouble(s -> Qed.qed(s).qed()).sum()).get();
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(QedBenchmark.class.getSimpleName()).build()).run();
    }
}
