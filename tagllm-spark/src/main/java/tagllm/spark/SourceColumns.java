package tagllm.spark;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.Locale;

/**
 * spark score --source-cols: where each output row came from, as _file (the input file's URI, as Spark names it:
 * file:/data/a%20b.csv) and _row (its place among the file's rows, 1 for the first; a CSV's header and blank lines not
 * counted, a record spanning lines counted once: the place of its row in predict's output for that file). Spark writes
 * the rows in its own order, so without an id column the output could not be joined back to the input.
 */
final class SourceColumns {
    private SourceColumns() {}

    static final String FILE = "_file", ROW = "_row";

    /**
     * df with _file and _row added, right after its read (before any repartition). A CSV file is read whole by one
     * task in its order (multi-line), so a monotonically increasing id orders each file's rows; Parquet gives the row's
     * index in its file (_metadata.row_index), as a file may be split across tasks.
     */
    static Dataset<Row> add(SparkSession spark, Dataset<Row> df, boolean parquet, String readErrorCol) {
        boolean caseSensitive = spark.sessionState().conf().caseSensitiveAnalysis();
        for (String c : df.columns()) {
            if (readErrorCol != null && c.equals(readErrorCol)) continue;
            for (String added : new String[] {FILE, ROW}) {
                if (caseSensitive ? c.equals(added) : c.toLowerCase(Locale.ROOT).equals(added)) {
                    throw new IllegalArgumentException("--source-cols: the input already has a column '" + c + "'; leave --source-cols out, "
                            + "or rename that column");
                }
            }
        }
        Column file = functions.col("_metadata.file_path");
        if (parquet) {
            return df.select(functions.col("*"), file.as(FILE), functions.col("_metadata.row_index").plus(1).as(ROW));
        }
        String order = "__source_order";
        while (java.util.Arrays.asList(df.columns()).contains(order)) order = "_" + order;
        return df.withColumn(FILE, file).withColumn(order, functions.monotonically_increasing_id())
                .withColumn(ROW, functions.row_number().over(Window.partitionBy(FILE).orderBy(order)).cast(DataTypes.LongType))
                .drop(order);
    }
}
