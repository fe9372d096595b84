package tagllm.train;

import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DataSpec;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.TaskSpec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A task's rows of one split rendered into examples; rows that do not fit are reported and skipped (or stop the run with --strict). */
final class SplitExamples {
    private final ExperimentRunner.RowLoader rows;
    private final int maxPositions;
    private final boolean strict;
    private final Progress progress;
    /** The skipped-rows reports printed so far: a split is rendered again (head init, eval_every, the stage's scores), its report is not. */
    private final Set<String> reported = new HashSet<>();

    /** Every row skipped so far, listed in the run folder (SkippedRows). */
    final SkippedRows skipped = new SkippedRows();
    /** The rows the reader itself refused in a data file (every split's), when the loader says; none otherwise. */
    private java.util.function.Function<DataSpec, List<tagllm.data.DatasetException>> readSkipped = ds -> List.of();

    void readSkipped(java.util.function.Function<DataSpec, List<tagllm.data.DatasetException>> f) { readSkipped = f; }

    SplitExamples(ExperimentRunner.RowLoader rows, int maxPositions, boolean strict, Progress progress) {
        this.rows = rows;
        this.maxPositions = maxPositions;
        this.strict = strict;
        this.progress = progress;
    }

    /** Told (task, split) as {@link #of} and {@link #classCount} render a row (package-private: a test counts them). */
    java.util.function.BiConsumer<String, String> onRendering = (task, split) -> {};

    /** The split's examples, at most cap (0: all) of them. */
    List<Example> of(TaskSpec t, DataSpec ds, String split, int cap, TagSet tags, TokenizerEncoder enc) throws IOException {
        ExampleRenderer renderer = new ExampleRenderer(t, tags, enc, maxPositions);
        java.util.function.Function<Row, Example> r = row -> {
            onRendering.accept(t.name(), split);
            return renderer.example(row);
        };
        // --strict: the reader, the split column and the rendering check the rows in separate passes; the first bad row
        // in file order is the one reported, whichever pass finds it
        RowIssues issues = strict ? RowIssues.firstInFileOrder() : RowIssues.skipping(5).listingAll();
        List<Example> out = new ArrayList<>();
        List<Row> loaded = strict ? rows.load(ds, split, issues) : rows.load(ds, split);
        if (strict && issues.count() > 0) {
            // the run stops at the read's or the split's bad row: a row of any split before it may be the first bad one
            for (String s : List.of("train", "valid", "test")) {
                for (Row row : rows.load(ds, s, issues)) issues.convert(row, r);
            }
            issues.throwFirst();
        }
        boolean newRows = skipped.add(readSkipped.apply(ds), null, null);
        for (Row row : loaded) {
            if (cap > 0 && out.size() >= cap) break;
            issues.convert(row, r).ifPresent(out::add);
        }
        if (strict) issues.throwFirst(); // after every row: the one thrown is the first by place, not relying on a split keeping file order (SeededSplit and ScaffoldSplit do)
        newRows |= skipped.add(issues.all(), t.name(), split);
        String report = "task " + t.name() + " (" + split + "): " + issues.summary();
        if (issues.count() > 0 && reported.add(report)) progress.message(report);
        if (newRows && skipped.file() != null) {
            progress.message("every skipped row (" + skipped.size() + " so far: file, line, reason) is listed in " + skipped.file());
        }
        return out;
    }

    /**
     * The classes of a single-label classification task's split as {@link #of} takes its rows (the first cap that fit), read
     * only until two classes are seen, which is all that a check before training needs: the rows are rendered to tell
     * whether they fit (the same rendering as the stage's), kept nowhere, and the rows after the second class not read.
     * Returns the count per class and the rows read, or null when two classes were seen. Rows that do not fit are not
     * reported here: the stage that reads them lists them.
     */
    ClassCount classCount(TaskSpec t, DataSpec ds, String split, int cap, TagSet tags, TokenizerEncoder enc) throws IOException {
        ExampleRenderer r = new ExampleRenderer(t, tags, enc, maxPositions);
        long[] count = new long[t.classes().size()];
        int rowsUsed = 0, present = 0;
        for (Row row : rows.load(ds, split)) {
            if (cap > 0 && rowsUsed >= cap) break;
            Example e;
            try {
                onRendering.accept(t.name(), split);
                e = r.example(row);
            } catch (tagllm.data.DatasetException skipped) {
                continue;
            }
            rowsUsed++;
            if (count[(int) e.label()]++ == 0 && ++present == 2) return null;
        }
        return new ClassCount(count, rowsUsed);
    }

    /** The rows of each class among those a split's check read, and how many it read. */
    record ClassCount(long[] count, int rows) {}

    /** The valid split, capped by the data's max_eval. */
    List<Example> valid(TaskSpec t, DataSpec ds, TagSet tags, TokenizerEncoder enc) throws IOException {
        return of(t, ds, "valid", ds.maxEval(), tags, enc);
    }
}
