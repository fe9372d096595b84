package tagllm.data;

import java.util.List;
import java.util.function.Consumer;

/** Plain text: every non-blank line is one example in column {@code text}, kept exactly as written. */
final class TextRows {
    private TextRows() {}

    static final String COLUMN = "text";
    private static final Columns SHARED = new Columns(List.of(COLUMN));

    static List<String> read(TextInput.GuardedReader in, Consumer<Row> sink) {
        boolean any = TextInput.forEachNonBlankLine(in,
                (origin, line) -> sink.accept(new Row(origin, SHARED, new String[]{line})));
        if (!any) throw DatasetException.of(in.source, 0, "empty file: expected one example per line");
        return SHARED.names();
    }
}
