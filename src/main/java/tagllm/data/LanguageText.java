package tagllm.data;

import java.nio.file.Path;
import java.util.List;

/** Monolingual text for stage-1 tags: one sentence per line, blank lines skipped. */
public final class LanguageText {
    private LanguageText() {}

    public static List<TextExample> read(Path file) {
        Dataset ds = Dataset.read(file, Format.TEXT);
        return ds.rows().stream().map(r -> new TextExample(r.get(TextRows.COLUMN), r.origin())).toList();
    }
}
