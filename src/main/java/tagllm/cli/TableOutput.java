package tagllm.cli;

import tagllm.data.Format;
import tagllm.data.RowSink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The format of a results table a command writes: from --output-format, else the output file's extension (.csv,
 * .tsv, .jsonl), else CSV on standard output. Values listed as numeric are written as JSON numbers in JSONL, and
 * an empty one (a row without a prediction) as null, as is an empty error (a row with its prediction).
 */
enum TableOutput {
    CSV, TSV, JSONL;

    static TableOutput of(String option, Path output) {
        if (option != null) {
            return switch (option.toLowerCase(Locale.ROOT)) {
                case "csv" -> CSV;
                case "tsv" -> TSV;
                case "jsonl", "ndjson" -> JSONL;
                default -> throw new UsageError("--output-format must be csv, tsv or jsonl, got '" + option + "'");
            };
        }
        if (output == null || output.equals(Path.of("/dev/stdout"))) return CSV; // absent or -: CSV on standard output
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return CSV;
        if (name.endsWith(".tsv") || name.endsWith(".tab")) return TSV;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return JSONL;
        throw new UsageError(output + ": the extension does not say the format (.csv, .tsv, .jsonl); add --output-format");
    }

    /** A writer of rows in this format onto {@code out} (data.RowSink, as chem and data build write their files); predict streams its rows through it. */
    RowSink sink(java.io.OutputStream out, Set<String> numeric, Set<String> emptyIsNull) throws IOException {
        return RowSink.of(out, switch (this) {
            case CSV -> Format.CSV;
            case TSV -> Format.TSV;
            case JSONL -> Format.JSONL;
        }, numeric, emptyIsNull);
    }
}
