package tagllm.data;

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
import org.openjdk.jmh.infra.Blackhole;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Splitting JSON Lines and plain text into lines: {@link TextInput.BoundedLines} as it is, the character-at-a-time loop
 * it replaced (copied here as the baseline) and {@link BufferedReader#readLine()} (no limit on a line), from memory
 * (the splitting alone) and from a file through {@link TextInput#open} (strict UTF-8 decoding included, as the readers
 * run). Data: "jsonl" is ../shared/data/smiles/zinc20k.csv as 20,000 JSON objects (2.9 MB), "text" is
 * ../shared/data/language/en.txt eight times (3.1 MB of English sentences).
 * Run: java -cp target/test-classes:target/classes:$(deps) org.openjdk.jmh.Main LineReadingBenchmark (needs ../shared).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LineReadingBenchmark {
    @Param({"jsonl", "text"})
    public String set;

    @Param({"memory", "file"})
    public String from;

    private String text;
    private Path file;

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path data = Path.of(System.getProperty("tagllm.shared", "../shared")).resolve("data");
        StringBuilder sb = new StringBuilder();
        if (set.equals("jsonl")) {
            List<String> csv = Files.readAllLines(data.resolve("smiles/zinc20k.csv"));
            for (String row : csv.subList(1, csv.size())) {
                String[] f = row.split(",");
                sb.append("{\"smiles\":\"").append(f[0].replace("\\", "\\\\")).append("\",\"qed\":").append(f[1])
                        .append(",\"logP\":").append(f[3]).append(",\"split\":\"").append(f[5]).append("\"}\n");
            }
        } else {
            String en = Files.readString(data.resolve("language/en.txt"));
            sb.append(en.repeat(8));
        }
        text = sb.toString();
        file = Files.createTempFile("lines", "." + set);
        Files.writeString(file, text, StandardCharsets.UTF_8);
        System.out.println("# " + set + ": " + text.lines().count() + " lines, " + text.length() + " characters");
    }

    @TearDown(Level.Trial)
    public void remove() throws IOException {
        Files.deleteIfExists(file);
    }

    private Reader reader() {
        return from.equals("memory") ? new StringReader(text) : TextInput.open(file);
    }

    @Benchmark
    public void boundedLines(Blackhole bh) throws IOException {
        try (Reader in = reader()) {
            TextInput.BoundedLines lines = new TextInput.BoundedLines(in);
            for (String s; (s = lines.next()) != null; ) bh.consume(s);
        }
    }

    @Benchmark
    public void charAtATime(Blackhole bh) throws IOException {
        try (Reader in = reader()) {
            CharAtATime lines = new CharAtATime(in);
            for (String s; (s = lines.next()) != null; ) bh.consume(s);
        }
    }

    @Benchmark
    public void bufferedReader(Blackhole bh) throws IOException {
        try (BufferedReader in = new BufferedReader(reader(), 1 << 16)) {
            for (String s; (s = in.readLine()) != null; ) bh.consume(s);
        }
    }

    /** BoundedLines.next() as it was at eab8e38, verbatim: the baseline. */
    static final class CharAtATime {
        private final Reader in;
        private final char[] buf = new char[1 << 16];
        private int pos, end;
        private boolean tooLong;

        CharAtATime(Reader in) {
            this.in = in;
        }

        String next() throws IOException {
            StringBuilder line = new StringBuilder();
            int limit = TextInput.lineLimit;
            tooLong = false;
            boolean any = false;
            while (true) {
                if (pos == end && !fill()) return any ? line.toString() : null;
                char c = buf[pos++];
                any = true;
                if (c == '\n') return line.toString();
                if (c == '\r') {
                    if ((pos < end || fill()) && buf[pos] == '\n') pos++;
                    return line.toString();
                }
                if (line.length() < limit) line.append(c);
                else tooLong = true;
            }
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buf, 0, buf.length);
            } while (n == 0);
            pos = 0;
            end = Math.max(n, 0);
            return n > 0;
        }
    }
}
