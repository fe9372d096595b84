package tagllm.cli;

import picocli.CommandLine.Option;
import tagllm.data.Format;

/** Input format and worker threads of the commands that label a data file in parallel (chem, data build). */
final class LabellingOptions {
    @Option(names = "--format", paramLabel = "FORMAT", description = "input format: csv, tsv, jsonl, fasta (default: from the extension)")
    String format;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: all processors)")
    Integer threads;

    /** null to choose by the file's extension */
    Format format() { return format == null ? null : Format.parse(format); }

    int threads() {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1) throw new UsageError("--threads must be at least 1, got " + t);
        return t;
    }
}
