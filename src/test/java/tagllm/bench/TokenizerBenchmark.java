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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Encoding throughput of the shared tok512 tokenizer (SentencePiece-style: each line is one BPE word)
 * on real data: English sentences, Russian sentences (byte fallback), SMILES and protein sequences
 * (long words). "cold" builds a fresh tokenizer per iteration so the word cache starts empty, as on a
 * dataset seen once; "warm" re-encodes the same lines (cache hits for lines under 256 characters).
 * Run: java -cp target/test-classes:target/classes:$(deps) org.openjdk.jmh.Main TokenizerBenchmark
 * (needs ../shared; chars/s = characters of the set / time).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {
    @Param({"en", "ru", "smiles", "protein"})
    public String set;

    private List<String> lines;
    private Path tokenizerJson;
    private Tokenizer warm;
    private Tokenizer cold;

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path shared = Path.of(System.getProperty("tagllm.shared", "../shared"));
        tokenizerJson = shared.resolve("models/stories260K/tokenizer.json");
        Path data = shared.resolve("data");
        lines = switch (set) {
            case "en", "ru" -> Files.readAllLines(data.resolve("language/" + set + ".txt")).subList(0, 2000);
            case "smiles" -> column(data.resolve("smiles/zinc20k.csv"), 0, 5000);
            case "protein" -> column(data.resolve("protein/deepsol.csv"), 1, 500);
            default -> throw new IllegalArgumentException(set);
        };
        warm = Tokenizer.load(tokenizerJson);
        long chars = lines.stream().mapToLong(String::length).sum();
        System.out.println("# " + set + ": " + lines.size() + " lines, " + chars + " characters");
    }

    @Setup(Level.Iteration)
    public void fresh() throws IOException {
        cold = Tokenizer.load(tokenizerJson);
    }

    private static List<String> column(Path csv, int index, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        for (String row : Files.readAllLines(csv).subList(1, limit + 1)) out.add(row.split(",")[index]);
        return out;
    }

    @Benchmark
    public void encodeWarm(Blackhole bh) {
        for (String s : lines) bh.consume(warm.encode(s));
    }

    @Benchmark
    @Measurement(iterations = 5, batchSize = 1)
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5, batchSize = 1)
    public void encodeCold(Blackhole bh) {
        for (String s : lines) bh.consume(cold.encode(s));
    }
}
