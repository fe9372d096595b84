package tagllm.data;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reading JSON Lines into rows ({@link JsonlRows#read}: the lines split, each parsed, its values taken), from a file
 * through {@link TextInput#open}. Data as {@link LineReadingBenchmark}'s "jsonl": ../shared/data/smiles/zinc20k.csv as
 * 20,000 JSON objects with two strings and two numbers each (2.9 MB).
 * Run: java -cp target/test-classes:target/classes:$(deps) org.openjdk.jmh.Main JsonlRowsBenchmark (needs ../shared).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonlRowsBenchmark {
    private Path file;

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path data = Path.of(System.getProperty("tagllm.shared", "../shared")).resolve("data");
        StringBuilder sb = new StringBuilder();
        List<String> csv = Files.readAllLines(data.resolve("smiles/zinc20k.csv"));
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",");
            sb.append("{\"smiles\":\"").append(f[0].replace("\\", "\\\\")).append("\",\"qed\":").append(f[1])
                    .append(",\"logP\":").append(f[3]).append(",\"split\":\"").append(f[5]).append("\"}\n");
        }
        file = Files.createTempFile("rows", ".jsonl");
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        Files.deleteIfExists(file);
    }

    @Benchmark
    public void jsonlRows(Blackhole bh) {
        bh.consume(JsonlRows.read(TextInput.open(file), RowIssues.strict(), bh::consume));
    }
}
