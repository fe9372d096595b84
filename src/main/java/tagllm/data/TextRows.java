package tagllm.data;

import java.util.List;
import java.util.function.Consumer;

/** Plain text: every non-blank line is one example in column {@code text}, kept exactly as written. */
final class TextRows {
    private TextRows() {}

    static final String COLUMN = "text";
    private static final Columns SHARED = new Columns(List.of(COLUMN));

    static List<String> read(TextInput.NamedReader in, RowIssues issues, Consumer<Row> sink) {
        boolean any = TextInput.forEachNonBlankLine(in, (origin, line, tooLong) -> {
            // read past without being held, as an over-long CSV record is: that row's error, the rest of the file read
            if (tooLong) issues.reject(origin, "text line longer than " + TextInput.lineLimit + " characters");
            else sink.accept(new Row(origin, SHARED, new String[]{line}));
        });
        if (!any) throw DatasetException.of(in.source, 0, "empty file: expected one example per line");
        return SHARED.names();
    }
}
