package tagllm.data;

import java.nio.file.Path;

/**
 * The O'Neil drug-combination screen in the shared layout ({@code oneil_css.csv}, {@code oneil_loewe.csv}):
 * smiles1, smiles2, score, split, drug1, drug2 and optionally cell_line.
 */
public final class Oneil {
    private Oneil() {}

    public static Splits<DrugPairExample> read(Path file, RowIssues issues) {
        Dataset ds = Dataset.read(file, Format.CSV, issues).requireColumns("smiles1", "smiles2", "score", "split", "drug1", "drug2");
        return SplitColumn.DEFAULT.split(ds.rows(), issues).map(issues, row -> new DrugPairExample(row.getNonEmpty("smiles1"),
                row.getNonEmpty("smiles2"), row.getDouble("score"), row.get("drug1"), row.get("drug2"),
                TdcCsv.optional(row, "cell_line"), row.origin()));
    }
}
