package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.compare.Report;
import tagllm.data.ChunkedRows;
import tagllm.data.Dataset;
import tagllm.data.DatasetException;
import tagllm.data.Format;
import tagllm.data.Row;
import tagllm.data.RowIssues;
import tagllm.eval.Bleu;
import tagllm.eval.BleuScore;
import tagllm.eval.BleuTokenizer;
import tagllm.eval.ChrF;
import tagllm.eval.RegressionMetrics;
import tagllm.eval.ScoreFormat;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tagllm score}: metrics for predictions that already exist in files (no model needed). */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score existing outputs: BLEU and chrF for translations, MSE/MAE/RMSE/Pearson/Spearman/R² for numbers, "
                + "AUROC/AUPRC/accuracy/F1/log loss/ECE for class probabilities.",
        subcommands = {ScoreCommand.Text.class, ScoreCommand.Regression.class, ScoreClassification.class})
public final class ScoreCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Command(name = "text", mixinStandardHelpOptions = true,
            description = "Corpus BLEU and chrF, computed as sacreBLEU does (same defaults, same numbers). "
                    + "Files hold one segment per line; line i of every file belongs together.")
    static final class Text implements Callable<Integer> {
        @Parameters(converter = StandardStreams.In.class, index = "0", paramLabel = "HYP", description = "system output, one segment per line")
        Path hyp;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "REF", description = "one or more reference files")
        List<Path> refs;

        @Option(names = "--tokenize", defaultValue = "13a", description = "BLEU tokenizer: 13a, intl, char, none (default: ${DEFAULT-VALUE})")
        String tokenize;

        @Option(names = "--lowercase", description = "case-insensitive BLEU")
        boolean lowercase;

        @Option(names = "--chrf-word-order", defaultValue = "0", description = "word n-gram order for chrF; 2 gives chrF++ (default: ${DEFAULT-VALUE})")
        int wordOrder;

        @Option(names = "--json", description = "print JSON instead of text")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            // the command line's own mistakes, before a file is read (they stopped with exit 1, as bad input does)
            BleuTokenizer tokenizer;
            try {
                tokenizer = BleuTokenizer.fromSignature(tokenize);
            } catch (IllegalArgumentException e) {
                throw new UsageError("--tokenize: " + e.getMessage());
            }
            if (wordOrder < 0) throw new UsageError("--chrf-word-order must be at least 0 (0: chrF, 2: chrF++), got " + wordOrder);
            List<String> hyps = lines(hyp);
            List<List<String>> streams = new ArrayList<>();
            for (Path r : refs) {
                List<String> ref = lines(r);
                if (ref.size() != hyps.size()) {
                    throw new IllegalArgumentException(r + " has " + ref.size() + " lines but " + hyp + " has " + hyps.size()
                            + ": each line of a reference must match a line of the hypotheses");
                }
                streams.add(ref);
            }
            BleuScore bleu = Bleu.builder().tokenizer(tokenizer).lowercase(lowercase).build()
                    .corpusScore(hyps, streams);
            double chrf = ChrF.builder().wordOrder(wordOrder).build().corpusScore(hyps, streams);
            String chrfName = "chrF2" + "+".repeat(wordOrder);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                // n, as score regression/classification and eval count what they scored; "segments" (sacreBLEU's
                // word) is kept beside it for scripts written against builds up to 82e45ea
                m.put("n", hyps.size());
                m.put("segments", hyps.size());
                m.put("references", refs.size());
                m.put("bleu", bleu.score());
                m.put("bleu_precisions", bleu.precisions());
                m.put("bleu_bp", bleu.bp());
                m.put("bleu_sys_len", bleu.sysLen());
                m.put("bleu_ref_len", bleu.refLen());
                m.put("bleu_tokenizer", tokenize);
                m.put(chrfName.toLowerCase(Locale.ROOT), chrf);
                out.println(JSON.writeValueAsString(m));
            } else {
                out.println(bleu);
                out.println(chrfName + " = " + ScoreFormat.fixed(chrf, 2));
            }
            return 0;
        }

        /** Every line counts, empty ones included: an empty hypothesis is a valid (bad) translation. */
        private static List<String> lines(Path file) throws IOException {
            try {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (!lines.isEmpty() && lines.getFirst().startsWith("\uFEFF")) lines.set(0, lines.getFirst().substring(1));
                if (lines.isEmpty()) throw new IllegalArgumentException(file + ": empty file");
                return lines;
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException(file + ": no such file");
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(file + ": not valid UTF-8 text");
            }
        }
    }

    @Command(name = "regression", mixinStandardHelpOptions = true,
            description = "MSE, MAE, RMSE, Pearson, Spearman and R² of two numeric columns of a CSV/TSV/JSONL file.")
    static final class Regression implements Callable<Integer> {
        @Parameters(converter = StandardStreams.In.class, index = "0", paramLabel = "FILE", description = "predictions file (.csv, .tsv, .jsonl)")
        Path file;

        @Option(names = "--pred", defaultValue = PredictCommand.PREDICTION, description = "column of predicted values (default: ${DEFAULT-VALUE}, the column tagllm predict writes)")
        String predColumn;

        @Option(names = "--gold", defaultValue = "gold", description = "column of true values (default: ${DEFAULT-VALUE})")
        String goldColumn;

        @Option(names = "--format", description = "csv, tsv or jsonl (default: from the extension)")
        String format;

        @Option(names = "--skip-bad-rows", description = "skip rows without two numbers (and report them) instead of stopping")
        boolean skipBadRows;

        @Option(names = "--json", description = "print JSON instead of text")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (predColumn.equals(goldColumn)) {
                throw new UsageError("--pred and --gold both name the column '" + goldColumn + "': it would be scored against itself"
                        + " (every metric perfect); name the predictions' column with --pred and the true values' with --gold");
            }
            RowIssues issues = skipBadRows ? RowIssues.skipping() : RowIssues.strict();
            Format f = format == null ? Format.detect(file) : Format.parse(format);
            // row by row, keeping only the two numbers: the rows themselves (every column as text) took ~300 bytes
            // each, and a 1,000,000-row predictions file ran out of a 256 MB heap
            java.util.stream.DoubleStream.Builder preds = java.util.stream.DoubleStream.builder(), golds = java.util.stream.DoubleStream.builder();
            int[] n = {0};
            ChunkedRows.scan(file, f, issues, new ChunkedRows.Handler() {
                @Override
                public void columns(List<String> columns) {
                    Dataset.requireColumns(file.toString(), f, columns, predColumn, goldColumn);
                }

                @Override
                public void chunk(List<Row> rows) {
                    for (Row row : rows) {
                        var pair = issues.convert(row, r -> new double[]{r.getDouble(predColumn), r.getDouble(goldColumn)});
                        if (pair.isEmpty()) continue;
                        if (n[0] == Integer.MAX_VALUE - 8) throw new IllegalArgumentException(file + ": more than " + n[0] + " rows to score");
                        preds.add(pair.get()[0]);
                        golds.add(pair.get()[1]);
                        n[0]++;
                    }
                }
            });
            if (n[0] == 0) throw DatasetException.of(file.toString(), 0, "no rows with both '" + predColumn + "' and '" + goldColumn + "'");
            RegressionMetrics m = RegressionMetrics.compute(preds.build().toArray(), golds.build().toArray());
            PrintWriter out = spec.commandLine().getOut();
            if (issues.count() > 0) spec.commandLine().getErr().println(issues.summary());
            if (json) {
                // as compare's report.json: a metric with no value is null (not the string "NaN"), the reason under "undefined"
                com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
                o.put("n", m.n());
                Report.putMetrics(o, m);
                out.println(JSON.writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "n = %d%nMSE = %.6g%nMAE = %.6g%nRMSE = %.6g%nPearson = %.6g%nSpearman = %.6g%nR2 = %.6g%n",
                        m.n(), m.mse(), m.mae(), m.rmse(), m.pearson(), m.spearman(), m.r2());
                for (String why : m.undefined()) out.println("note: " + why);
            }
            return 0;
        }
    }
}
