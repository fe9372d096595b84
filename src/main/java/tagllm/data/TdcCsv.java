package tagllm.data;

import java.nio.file.Path;
import java.util.List;

/**
 * CSV files as Therapeutics Data Commons (TDC) writes them: {@code Drug, Target, Y} for drug-target
 * interaction (with optional {@code Drug_ID, Target_ID}) and {@code Drug1, Drug2, Y} for drug combination
 * (with optional {@code Drug1_ID, Drug2_ID, Cell_Line_ID}). TDC keeps splits in separate files, so these
 * readers return one list per file.
 */
public final class TdcCsv {
    private TdcCsv() {}

    public static List<DtiExample> dti(Path file, RowIssues issues) {
        Dataset ds = Dataset.read(file, Format.detectOr(file, Format.CSV) == Format.TSV ? Format.TSV : Format.CSV, issues)
                .requireColumns("Drug", "Target", "Y");
        return ds.map(issues, r -> new DtiExample(r.getNonEmpty("Drug"), r.getNonEmpty("Target"), r.getDouble("Y"),
                optional(r, "Drug_ID"), optional(r, "Target_ID"), r.origin()));
    }

    public static List<DrugPairExample> drugCombination(Path file, RowIssues issues) {
        Dataset ds = Dataset.read(file, Format.detectOr(file, Format.CSV) == Format.TSV ? Format.TSV : Format.CSV, issues)
                .requireColumns("Drug1", "Drug2", "Y");
        return ds.map(issues, r -> new DrugPairExample(r.getNonEmpty("Drug1"), r.getNonEmpty("Drug2"), r.getDouble("Y"),
                optional(r, "Drug1_ID"), optional(r, "Drug2_ID"), optional(r, "Cell_Line_ID"), r.origin()));
    }

    static String optional(Row r, String column) {
        return r.has(column) ? r.get(column) : "";
    }
}
