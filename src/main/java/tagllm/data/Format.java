package tagllm.data;

import java.nio.file.Path;
import java.util.Locale;

/** Dataset file formats, detected from the file name unless given explicitly. */
public enum Format {
    /** Comma-separated, header line, RFC 4180 quoting. */
    CSV,
    /** Tab-separated, header line, no quoting (tabs and newlines cannot occur inside fields). */
    TSV,
    /** JSON Lines: one JSON object per line. */
    JSONL,
    /** FASTA: {@code >id description} header lines, each followed by sequence lines. Columns id, description, sequence. */
    FASTA,
    /** Plain text: one example per line (column {@code text}), blank lines skipped. */
    TEXT;

    /**
     * The format for {@code file}'s extension (.csv, .tsv, .jsonl/.json, .fasta/.fa/.faa, .txt); of a gzip-compressed
     * file, the extension before .gz (mols.csv.gz is CSV). A directory is refused as one.
     */
    public static Format detect(Path file) {
        // a folder's name has no data extension as a rule: said as a folder, not as "cannot tell the format"
        if (java.nio.file.Files.isDirectory(file)) throw DatasetException.of(file.toString(), 0, "is a directory, expected a data file");
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - 3);
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return switch (ext) {
            case "csv" -> CSV;
            case "tsv", "tab" -> TSV;
            case "jsonl", "json", "ndjson" -> JSONL;
            case "fasta", "fa", "faa", "fas" -> FASTA;
            case "txt", "text" -> TEXT;
            default -> throw DatasetException.of(file.toString(), 0, "cannot tell the format from the extension '"
                    + (ext.isEmpty() ? "(none)" : "." + ext)
                    + "': expected .csv, .tsv, .jsonl/.json, .fasta/.fa/.faa or .txt (each also .gz), or give the format "
                    + "explicitly (--format on the command line, data: {format: ...} in an experiment file)");
        };
    }

    /** The format {@code file}'s extension names, or {@code fallback} when the extension is not a known one. */
    public static Format detectOr(Path file, Format fallback) {
        try {
            return detect(file);
        } catch (DatasetException e) {
            return fallback;
        }
    }

    /** The format named {@code name} (case-insensitive: csv, tsv, jsonl, json, fasta, text, txt). */
    public static Format parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "csv" -> CSV;
            case "tsv" -> TSV;
            case "jsonl", "json" -> JSONL;
            case "fasta", "fa" -> FASTA;
            case "text", "txt" -> TEXT;
            default -> throw new IllegalArgumentException("unknown data format '" + name + "': expected csv, tsv, jsonl, fasta or text");
        };
    }
}
