package tagllm.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Strict: the rows before the reader's first problem are handed over (and checked) before that problem is thrown. */
class ChunkedRowsStrictTest {
    private static final String CSV = "y\n1.0\nx\n2.0\n3.0,extra\n4.0\n";

    /** A handler that checks each row's number strictly, as predict's rendering does. */
    private static ChunkedRows.Handler numbers(List<Double> seen) {
        RowIssues strict = RowIssues.strict();
        return new ChunkedRows.Handler() {
            @Override
            public void columns(List<String> columns) {}

            @Override
            public void chunk(List<Row> rows) {
                for (Row r : rows) strict.convert(r, x -> x.getDouble("y")).ifPresent(seen::add);
            }
        };
    }

    @Test
    void aBadValueBeforeTheReadersProblemIsTheOneThrown(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.csv"), CSV);
        for (int chunk : new int[] {1, 2, 4096}) {
            var e = assertThrows(DatasetException.class, () -> ChunkedRows.scan(f, Format.CSV, RowIssues.strict(), chunk, numbers(new ArrayList<>())));
            assertEquals(3, e.origin().line(), chunk + ": " + e.getMessage());
        }
    }

    @Test
    void theReadersProblemIsThrownAfterTheGoodRowsBeforeIt(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("d.csv"), CSV.replace("x\n", "1.5\n"));
        List<Double> seen = new ArrayList<>();
        var e = assertThrows(DatasetException.class, () -> ChunkedRows.scan(f, Format.CSV, RowIssues.strict(), numbers(seen)));
        assertEquals(5, e.origin().line(), e.getMessage());
        assertEquals(List.of(1.0, 1.5, 2.0), seen); // and none after it
    }
}
