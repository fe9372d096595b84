package tagllm.data;

import java.nio.file.Path;
import java.util.List;

/**
 * Translation pairs: a TSV with header {@code src<TAB>tgt<TAB>corpus} ({@code corpus} optional), no quoting.
 * In the shared layout the directory name says the direction ({@code en-fr}: src English, tgt French);
 * {@code reverse} swaps the columns for the other direction.
 */
public final class TranslationTsv {
    private TranslationTsv() {}

    public static List<TranslationPair> read(Path file, boolean reverse, RowIssues issues) {
        Dataset ds = Dataset.read(file, Format.TSV, issues).requireColumns("src", "tgt");
        return ds.map(issues, r -> {
            TranslationPair p = new TranslationPair(r.getNonEmpty("src"), r.getNonEmpty("tgt"), TdcCsv.optional(r, "corpus"), r.origin());
            return reverse ? p.reversed() : p;
        });
    }
}
