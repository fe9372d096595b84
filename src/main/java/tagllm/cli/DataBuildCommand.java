package tagllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.chem.ProteinDescriptors;
import tagllm.chem.Qed;
import tagllm.chem.SmilesReader;
import tagllm.chem.TrainingSetBuilder;
import tagllm.data.RowIssues;
import tagllm.util.AtomicFiles;
import tagllm.util.Plural;
import tagllm.util.RowProgress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * {@code tagllm data build}: the paper's regression training CSVs (input, label, label_text[, split]) from
 * raw SMILES or protein sequences, with labels computed as the Tag-LLM code computes them.
 */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = "Build a training CSV (input,label,label_text[,split]) for the paper's QED or Descriptor task.",
        subcommands = {DataBuildCommand.QedBuild.class, DataBuildCommand.DescriptorBuild.class})
public final class DataBuildCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    static final class BuildOptions {
        @Option(converter = StandardStreams.In.class, names = "--input", required = true, paramLabel = "FILE", description = "CSV, TSV, JSONL or FASTA file (also gzip-compressed)")
        Path input;

        @Option(converter = StandardStreams.Out.class, names = "--output", required = true, paramLabel = "FILE", description = "training CSV to write")
        Path output;

        @Option(names = "--max-length", defaultValue = "512", paramLabel = "N",
                description = "skip inputs longer than N characters, as the paper does (default: ${DEFAULT-VALUE})")
        int maxLength;

        @Option(names = "--keep-duplicates", description = "keep repeated inputs (the paper de-duplicates)")
        boolean keepDuplicates;

        @Option(names = "--strict", description = "stop at the first input that cannot be labelled (nothing is written)")
        boolean strict;

        @Option(converter = StandardStreams.Out.class, names = "--skipped", paramLabel = "FILE", description = "also write every row "
                + "left out (invalid, too long, duplicate) to FILE, one JSON object a line: file, line, reason (stderr lists the first "
                + LeftOutRows.SHOWN + "); - writes them to standard output, which then holds nothing else")
        Path skipped;

        @Option(names = "--force", description = "replace an existing --output (and --skipped) file")
        boolean force;

        @Option(names = {"-q", "--quiet"}, description = "no progress bar")
        boolean quiet;

        @picocli.CommandLine.Mixin
        LabellingOptions labelling = new LabellingOptions();

        int run(PrintWriter err, String column, ToDoubleFunction<String> label, UnaryOperator<String> normalise) throws IOException {
            if (maxLength < 1) {
                throw new UsageError("--max-length must be at least 1 (inputs longer than it are skipped, so below 1 keeps none), got " + maxLength);
            }
            if (skipped != null && sameFile(skipped, output)) {
                throw new UsageError(AtomicFiles.isStandardOutput(skipped) || AtomicFiles.isStandardOutput(output)
                        ? "--skipped and --output both write to standard output (-, or a shell redirection to the other file): give one of them a file"
                        : "--skipped and --output name the same file: " + skipped);
            }
            OutputGuard.requireNew(output, force);
            OutputGuard.requireNew(skipped, force);
            OutputGuard.removeLeftovers(output, err);
            OutputGuard.removeLeftovers(skipped, err);
            int t = labelling.threads();
            LeftOutRows leftOut = new LeftOutRows();
            // counts the invalid rows (strict: stops at the first); leftOut lists them with the other rows left out, in file order
            RowIssues issues = strict ? RowIssues.strict() : RowIssues.skipping(0);
            RowProgress bar = RowProgress.overFile(err, quiet, "data build", input);
            TrainingSetBuilder builder = new TrainingSetBuilder(label, normalise, maxLength, !keepDuplicates, t);
            TrainingSetBuilder.Summary[] s = new TrainingSetBuilder.Summary[1];
            if (skipped == null) {
                s[0] = builder.build(input, labelling.format(), column, output, issues, bar::to, leftOut::add);
            } else {
                // written beside the output, atomically: both files are complete, or neither is replaced (the rows left
                // out are flushed to the --skipped copy before the output's rename, so a full disk fails there, not after)
                AtomicFiles.write(skipped, file -> {
                    leftOut.writeTo(file);
                    try {
                        s[0] = builder.build(input, labelling.format(), column, output, issues, bar::to, leftOut::add, leftOut::flush);
                    } catch (LeftOutRows.WriteFailed e) {
                        throw e.getCause();
                    }
                });
            }
            bar.finish();
            err.print(leftOut.listing(skipped == null ? " (--skipped FILE lists every one)"
                    : AtomicFiles.isStandardOutput(skipped) ? " (every one is on standard output)" : " (every one is in " + skipped + ")"));
            err.printf(java.util.Locale.ROOT, "%s: %s read, %d written to %s; skipped %d longer than %s, %s, %d invalid%n",
                    input, Plural.count(s[0].rows(), "row"), s[0].written(), output, s[0].tooLong(), Plural.count(maxLength, "character"),
                    Plural.count(s[0].duplicates(), "duplicate"), s[0].invalid());
            err.flush();
            return 0;
        }
    }

    /** The same path, or two that lead to one existing file (/dev/stdout while the shell sends it to the other one). */
    private static boolean sameFile(Path a, Path b) throws IOException {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) return true;
        return java.nio.file.Files.exists(a) && java.nio.file.Files.exists(b) && java.nio.file.Files.isSameFile(a, b);
    }

    @Command(name = "qed", mixinStandardHelpOptions = true,
            description = {"QED training set: label = RDKit-equivalent QED of each SMILES.",
                    "Example: tagllm data build qed --input zinc.csv --column smiles --output qed_train.csv"})
    static final class QedBuild implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        BuildOptions options = new BuildOptions();

        @Option(names = "--column", defaultValue = "smiles", description = "column holding the SMILES (default: ${DEFAULT-VALUE})")
        String column;

        @Option(names = "--canonical", description = "write and de-duplicate canonical SMILES (CDK) instead of the SMILES as given")
        boolean canonical;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            UnaryOperator<String> normalise = canonical ? s -> SmilesReader.forThread().canonicalise(s) : UnaryOperator.identity();
            return options.run(spec.commandLine().getErr(), column, s -> Qed.qed(s).qed(), normalise);
        }
    }

    @Command(name = "descriptor", mixinStandardHelpOptions = true,
            description = {"Descriptor training set: label = BLOSUM1 of each protein sequence, as peptides 0.3.2 "
                    + "computes the paper's label. CSV (column 'sequence') or FASTA input.",
                    "Example: tagllm data build descriptor --input proteins.fasta --output descriptor_train.csv"})
    static final class DescriptorBuild implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        BuildOptions options = new BuildOptions();

        @Option(names = "--column", defaultValue = "sequence", description = "column holding the sequence "
                + "(default: ${DEFAULT-VALUE}, also the column of FASTA records)")
        String column;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            return options.run(spec.commandLine().getErr(), column, ProteinDescriptors::blosum1, UnaryOperator.identity());
        }
    }
}
