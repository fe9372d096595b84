package tagllm.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** Plain text: every non-blank line is one example in column {@code text}, kept exactly as written. */
final class TextRows {
    private TextRows() {}

    static final String COLUMN = "text";
    private static final Columns SHARED = new Columns(List.of(COLUMN));

    static List<String> read(TextInput.GuardedReader in, Consumer<Row> sink) {
        String source = in.source;
        long n = 0;
        boolean any = false;
        try (BufferedReader br = new BufferedReader(in)) {
            String line;
            while ((line = br.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                any = true;
                sink.accept(new Row(new Origin(source, n), SHARED, new String[]{line}));
            }
        } catch (IOException e) {
            throw TextInput.failure(source, n + 1, e);
        }
        if (!any) throw DatasetException.of(source, 0, "empty file: expected one example per line");
        return SHARED.names();
    }
}
