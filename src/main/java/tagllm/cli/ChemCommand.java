package tagllm.cli;

import tagllm.util.Plural;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.chem.CsvLabeler;
import tagllm.chem.LabelFailures;
import tagllm.chem.ProteinDescriptors;
import tagllm.chem.ProteinProperties;
import tagllm.chem.Qed;
import tagllm.chem.QedProperties;
import tagllm.chem.QedResult;
import tagllm.chem.SmilesReader;
import tagllm.data.RowIssues;
import tagllm.util.RowProgress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import tagllm.util.PythonFloat;

/** {@code tagllm chem}: chemistry and protein labels computed on the JVM (QED as RDKit, descriptors as Biopython). */
@Command(name = "chem", mixinStandardHelpOptions = true,
        description = "Molecule and protein labels without Python: QED of SMILES (RDKit's definition), canonical SMILES, "
                + "protein descriptors (BLOSUM1 as peptides 0.3.2, the rest as Biopython ProteinAnalysis).",
        subcommands = {ChemCommand.QedCmd.class, ChemCommand.CanonicalCmd.class, ChemCommand.DescriptorsCmd.class})
public final class ChemCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    /** Options shared by the file-labelling subcommands. */
    static final class FileOptions {
        @Option(converter = StandardStreams.In.class, names = "--input", paramLabel = "FILE", description = "CSV, TSV, JSONL or FASTA file (by extension, or --format; also gzip-compressed)")
        Path input;

        @Option(converter = StandardStreams.Out.class, names = "--output", paramLabel = "FILE", description = "file to write, as its extension says (.csv, .tsv, .jsonl; CSV otherwise): every input column plus the new ones (an input column of the same name as a new one, or named 'error', is replaced, and a note says so)")
        Path output;

        @Option(names = "--strict", description = "stop at the first row that cannot be labelled (nothing is written) "
                + "instead of writing it with the reason in the 'error' column")
        boolean strict;

        @Option(names = "--force", description = "replace an existing --output file")
        boolean force;

        @Option(names = {"-q", "--quiet"}, description = "no progress bar")
        boolean quiet;


        @picocli.CommandLine.Mixin
        LabellingOptions labelling = new LabellingOptions();

        void requireBoth() {
            if (input == null || output == null)
                throw new UsageError("give both --input and --output, or values on the command line");
            OutputGuard.requireNew(output, force);
        }

        /**
         * Labels values given on the command line instead of a file: a tab-separated table on stdout with a header, one
         * line per value in order (its labels, the value, and an 'error' column as --input's output has), so a line
         * never goes missing. A value that cannot be labelled gets empty labels and the reason; the others still run,
         * and the exit code is 1 at the end if any failed (README: a command line of SMILES to check).
         *
         * @param columns the label columns; the value's own column (named valueColumn) follows them, then 'error'
         */
        int runArguments(PrintWriter out, PrintWriter err, List<String> values, String notBoth, List<String> columns, String valueColumn,
                         Function<String, List<String>> labeler, picocli.CommandLine.ParseResult given) {
            if (input != null) throw new UsageError(notBoth);
            // each reads the file or its rows; a value on the command line is printed with its error, whatever they say
            for (String option : List.of("--strict", "--force", "--threads", "--format", "--column")) {
                if (given.hasMatchedOption(option)) {
                    throw new UsageError(option + ": only an --input file is read with it; values given on the command line are each"
                            + " printed, with their error (exit 1 when any failed); leave out " + option);
                }
            }
            // the table goes to standard output: an --output file was silently never written, and the run said nothing
            if (output != null && !tagllm.util.AtomicFiles.isStandardOutput(output)) {
                throw new UsageError("--output writes the labelled copy of an --input file; values given on the command line are printed"
                        + " on standard output (redirect it: > " + output + ")");
            }
            out.println(String.join("\t", columns) + "\t" + valueColumn + "\t" + CsvLabeler.ERROR_COLUMN);
            int failed = 0;
            for (String s : values) {
                List<String> cells;
                String error = "";
                try {
                    cells = labeler.apply(s);
                } catch (RuntimeException e) { // as --input reports a row's failure
                    cells = null;
                    error = LabelFailures.reason(s, e);
                } catch (StackOverflowError e) {
                    cells = null;
                    error = "'" + LabelFailures.clip(s) + "': molecule too large to label (the computation ran out of stack)";
                }
                if (cells == null) {
                    failed++;
                    cells = java.util.Collections.nCopies(columns.size(), "");
                }
                out.println(String.join("\t", cells) + "\t" + oneCell(s) + "\t" + oneCell(error));
            }
            out.flush();
            if (failed > 0) {
                err.println("error: " + failed + " of " + values.size() + " could not be labelled (the reason is in the '"
                        + CsvLabeler.ERROR_COLUMN + "' column)");
            }
            err.flush();
            return failed > 0 ? 1 : 0;
        }

        /** A tab or line break inside a value would shift the table's columns or split its line. */
        private static String oneCell(String s) {
            return s.replaceAll("[\\t\\r\\n]", " ");
        }

        /** Labels the file and reports the outcome on stderr. */
        int run(PrintWriter err, String column, List<String> columns, CsvLabeler.Labeler labeler, String what) throws IOException {
            requireBoth();
            OutputGuard.removeLeftovers(output, err);
            // each row's reason is in its error column: stderr lists the first few, as predict does
            RowIssues issues = strict ? RowIssues.strict() : RowIssues.skipping(5);
            long t0 = System.nanoTime();
            RowProgress bar = RowProgress.overFile(err, quiet, "chem " + what, input);
            CsvLabeler.Summary s = new CsvLabeler(columns, labeler, labelling.threads()).label(input, labelling.format(), column, output, issues, bar::to);
            bar.finish();
            double secs = (System.nanoTime() - t0) / 1e9;
            if (issues.count() > 0) err.println(issues.keptSummary("not labelled", CsvLabeler.ERROR_COLUMN));
            if (!s.replaced().isEmpty()) err.println(ReplacedColumns.note(s.replaced(), output, input));
            err.printf(java.util.Locale.ROOT, "%s: %s, %d labelled, %d with an error (reason in the '%s' column); %s in %.1f s (%.0f rows/s, %s)%n",
                    input, Plural.count(s.rows(), "row"), s.labelled(), s.skipped(), CsvLabeler.ERROR_COLUMN, what, secs, s.rows() / Math.max(secs, 1e-9),
                    Plural.count(labelling.threads(), "thread"));
            err.flush();
            return 0;
        }
    }

    @Command(name = "qed", mixinStandardHelpOptions = true,
            description = {"QED drug-likeness (Bickerton et al. 2012) exactly as RDKit's QED.qed computes it (mean weights).",
                    "Either label a file (adds a 'qed' column, keeps the others; a SMILES that cannot be scored keeps its row, "
                            + "with an empty qed and the reason in the 'error' column) or give SMILES as arguments.",
                    "Example: tagllm chem qed --input mols.csv --column smiles --output mols_qed.csv"})
    static final class QedCmd implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FileOptions files = new FileOptions();

        @Option(names = "--column", defaultValue = "smiles", description = "column holding the SMILES (default: ${DEFAULT-VALUE})")
        String column;

        @Option(names = "--properties", description = "also write the eight QED properties "
                + "(mw, alogp, hba, hbd, psa, rotb, arom, alerts)")
        boolean properties;

        @Parameters(paramLabel = "SMILES", arity = "0..*", description = "SMILES to score instead of a file")
        List<String> smiles = new ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            List<String> columns = properties
                    ? List.of("qed", "mw", "alogp", "hba", "hbd", "psa", "rotb", "arom", "alerts") : List.of("qed");
            if (!smiles.isEmpty())
                return files.runArguments(out, err, smiles, "give SMILES arguments or --input, not both", columns, "smiles",
                        s -> cells(Qed.qed(s)), spec.commandLine().getParseResult());
            return files.run(err, column, columns, s -> cells(Qed.qed(s)), "QED");
        }

        private List<String> cells(QedResult r) {
            if (!properties) return List.of(PythonFloat.repr(r.qed()));
            QedProperties p = r.properties();
            return List.of(PythonFloat.repr(r.qed()), PythonFloat.repr(p.mw()), PythonFloat.repr(p.alogp()),
                    Integer.toString(p.hba()), Integer.toString(p.hbd()), PythonFloat.repr(p.psa()),
                    Integer.toString(p.rotb()), Integer.toString(p.arom()), Integer.toString(p.alerts()));
        }
    }

    @Command(name = "canonical", mixinStandardHelpOptions = true,
            description = {"Validate SMILES and write a canonical form (CDK, with stereo and isotopes).",
                    "Labels a file (adds 'canonical_smiles') or prints the canonical form of SMILES arguments."})
    static final class CanonicalCmd implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        FileOptions files = new FileOptions();

        @Option(names = "--column", defaultValue = "smiles", description = "column holding the SMILES (default: ${DEFAULT-VALUE})")
        String column;

        @Parameters(paramLabel = "SMILES", arity = "0..*", description = "SMILES to canonicalise instead of a file")
        List<String> smiles = new ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            if (!smiles.isEmpty())
                return files.runArguments(out, err, smiles, "give SMILES arguments or --input, not both", List.of("canonical_smiles"),
                        "smiles", s -> List.of(SmilesReader.forThread().canonicalise(s)), spec.commandLine().getParseResult());
            return files.run(err, column, List.of("canonical_smiles"),
                    s -> List.of(SmilesReader.forThread().canonicalise(s)), "canonical SMILES");
        }
    }

    @Command(name = "descriptors", mixinStandardHelpOptions = true,
            description = {"Protein descriptors: blosum1 (the paper's Descriptor label, as peptides 0.3.2), and "
                    + "molecular_weight, aromaticity, instability_index, isoelectric_point, gravy as Biopython 1.80 "
                    + "ProteinAnalysis computes them on the sequence without non-standard residues (counted in 'nonstandard').",
                    "Labels a CSV or FASTA file, or prints the descriptors of sequences given as arguments."})
    static final class DescriptorsCmd implements Callable<Integer> {
        static final List<String> COLUMNS = List.of("blosum1", "molecular_weight", "aromaticity", "instability_index",
                "isoelectric_point", "gravy", "nonstandard");

        @picocli.CommandLine.Mixin
        FileOptions files = new FileOptions();

        @Option(names = "--column", defaultValue = "sequence", description = "column holding the sequence "
                + "(default: ${DEFAULT-VALUE}, also the column of FASTA records)")
        String column;

        @Parameters(paramLabel = "SEQUENCE", arity = "0..*", description = "protein sequences instead of a file")
        List<String> sequences = new ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
            if (!sequences.isEmpty())
                return files.runArguments(out, err, sequences, "give sequences as arguments or --input, not both", COLUMNS,
                        "sequence", DescriptorsCmd::cells, spec.commandLine().getParseResult());
            return files.run(err, column, COLUMNS, DescriptorsCmd::cells, "descriptors");
        }

        static List<String> cells(String sequence) {
            // stripped as data build descriptor strips its cells: spaces around a sequence counted in BLOSUM1's
            // length and as non-standard residues, so the two commands labelled one CSV cell differently
            ProteinProperties p = ProteinDescriptors.compute(sequence.strip());
            return List.of(PythonFloat.repr(p.blosum1()), PythonFloat.repr(p.molecularWeight()),
                    PythonFloat.repr(p.aromaticity()), PythonFloat.repr(p.instabilityIndex()),
                    PythonFloat.repr(p.isoelectricPoint()), PythonFloat.repr(p.gravy()), Integer.toString(p.nonstandard()));
        }
    }
}
