package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * A CSV file read on Spark as predict reads it: a header line, every column a string, empty fields as empty strings,
 * RFC 4180 quoting (a quoted field may span lines), and a record whose number of fields differs from the header's
 * flagged rather than fitted. Spark's reader pads a short record with nulls and drops a long one's extra fields
 * without a word, so {@code 6,CC,extra} under {@code id,smiles} would be scored as {@code CC}; here such a record
 * keeps what Spark read of it and its {@link #readErrorCol} says what predict says: {@code expected 2 fields as in
 * the header, got 3}. A field holding U+FFFD, which Spark's reader puts for bytes that are no UTF-8 character (predict
 * refuses such a file), gets {@link #notUtf8} there (a U+FFFD written as UTF-8 in the file is taken as one too). That
 * column is null for every other row.
 */
record CsvInput(Dataset<Row> rows, String readErrorCol) {
    /** path as the user gave it (for messages); paths, what Spark reads for it (InputPaths). */
    static CsvInput read(SparkSession spark, String path, String... paths) {
        // the input's files, listed once on the driver for every check below (an object store lists slowly)
        Configuration conf = spark.sessionState().newHadoopConf();
        List<org.apache.hadoop.fs.Path> files;
        try {
            files = InputPaths.files(conf, paths);
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(", ", paths) + ": cannot list the input's files: " + e.getMessage(), e);
        }
        InputPaths.refuseGlobNamedCsvFiles(files);
        InputPaths.refuseNestedCsvFiles(spark, path, files, paths);
        CsvFileHeads heads = CsvFileHeads.read(conf, files); // each file opened once, for its line end and its header
        String lineSep = LineSeparator.of(heads);
        // the header line's names as Spark makes them (every column a string), which its reader checks the header
        // against; they are renamed below to predict's names for the header
        StructType sparkHeader = reader(spark, lineSep).csv(paths).schema();
        // an empty file has no header: predict's words, not a missing column among the corrupt-record one added below
        if (sparkHeader.isEmpty()) throw new IllegalArgumentException(path + ": empty file: expected a CSV header line");
        String[] names = headerNames(spark, lineSep, path, paths, sparkHeader.size());
        // Spark reads every file's fields in the order of one file's header, whatever the file's own header says
        CsvFileHeaders.requireSame(heads);
        java.util.Set<String> taken = new java.util.HashSet<>(Arrays.asList(sparkHeader.fieldNames())); // by either name, Spark's or predict's
        taken.addAll(Arrays.asList(names));
        String raw = unusedName(taken, "_corrupt_record");
        // Spark marks a record with another number of fields as malformed (permissive mode keeps it) and, when the
        // schema has a column of that name, puts the record's text there
        Dataset<Row> read = reader(spark, lineSep).schema(sparkHeader.add(raw, DataTypes.StringType, true)).option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", raw).csv(paths);
        String[] renamed = Arrays.copyOf(names, names.length + 1);
        renamed[names.length] = raw;
        read = read.toDF(renamed);
        int fields = names.length;
        UserDefinedFunction reason = functions.udf((UDF1<String, String>) text -> text == null ? null : wrongFieldCount(text, fields),
                DataTypes.StringType);
        // Spark reads an empty field as null, predict as an empty string (and an empty SMILES is refused as empty, not
        // as missing); a null here can only be an empty field, or a field a malformed record lacks, which stays null
        Dataset<Row> rows = read;
        for (String c : names) {
            rows = rows.withColumn(c, functions.when(column(raw).isNull(), functions.coalesce(column(c), functions.lit(""))).otherwise(column(c)));
        }
        // Spark decodes bytes that are no UTF-8 character as U+FFFD without a word, where predict refuses the file
        // ("not valid UTF-8 text"): such a row gets that reason instead of a prediction from, or beside, altered text
        Column undecodable = functions.lit(null).cast(DataTypes.StringType);
        for (int i = names.length - 1; i >= 0; i--) { // the first such column outermost: the one named
            String c = names[i];
            undecodable = functions.when(column(c).contains(REPLACEMENT), functions.lit(notUtf8(c))).otherwise(undecodable);
        }
        return new CsvInput(rows.withColumn(raw, functions.coalesce(reason.apply(column(raw)), undecodable)), raw);
    }

    /**
     * The header's column names as predict takes them: stripped of spaces, each named, none twice. Spark's reader keeps
     * a name's spaces (' smiles' is no column smiles), names an unnamed column _cN, and renames duplicates by their
     * place (id0, id1) without a word; predict strips names and refuses the others. Names that differ only in case
     * are refused too unless spark.sql.caseSensitive: Spark takes them as one column. The header is the first record
     * of a file read without one, named as predict names it (FILE:1: CSV header: ...).
     */
    private static String[] headerNames(SparkSession spark, String lineSep, String input, String[] paths, int columns) {
        Row first = reader(spark, lineSep).option("header", false).csv(paths).select(functions.col("*"), functions.input_file_name()).first();
        String file = paths.length == 1 && SparkScoreCommand.plainLocalPath(input) && java.nio.file.Files.isRegularFile(java.nio.file.Path.of(input))
                ? input : first.getString(first.length() - 1);
        String where = file + ":1: CSV header: ";
        boolean caseSensitive = spark.sessionState().conf().caseSensitiveAnalysis();
        String[] names = new String[columns];
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        for (int i = 0; i < columns; i++) {
            String name = i < first.length() - 1 && !first.isNullAt(i) ? first.getString(i).strip() : "";
            if (name.isEmpty()) throw new IllegalArgumentException(where + "column " + (i + 1) + " has no name");
            String had = seen.put(caseSensitive ? name : name.toLowerCase(java.util.Locale.ROOT), name);
            if (had != null && had.equals(name)) throw new IllegalArgumentException(where + "duplicate column '" + name + "'");
            if (had != null) {
                throw new IllegalArgumentException(where + "columns '" + had + "' and '" + name + "' differ only in case, which Spark's "
                        + "column names ignore unless spark.sql.caseSensitive is true");
            }
            names[i] = name;
        }
        return names;
    }

    /** What Spark's reader puts for bytes that are no UTF-8 character. */
    static final String REPLACEMENT = "\uFFFD";

    /** predict's reason for a file that is not UTF-8, for the row and column where Spark's reader met such bytes. */
    static String notUtf8(String column) {
        return column + ": not valid UTF-8 text (bytes that are no UTF-8 character, read as U+FFFD; re-save the file as UTF-8)";
    }

    /** predict's reason for a record of another field count than the header's, the count taken from its text. */
    static String wrongFieldCount(String record, int headerFields) {
        String expected = "expected " + headerFields + " fields as in the header";
        try (CSVParser p = CSVParser.parse(record, CSVFormat.RFC4180)) {
            Iterator<CSVRecord> it = p.iterator();
            if (it.hasNext()) {
                CSVRecord r = it.next();
                if (!it.hasNext() && r.size() != headerFields) return expected + ", got " + r.size();
            }
        } catch (IOException | UncheckedIOException e) {
            // commons-csv cannot split it either (predict would stop at such a record): no count to give
        }
        return expected + "; Spark's CSV reader could not split this record into them";
    }

    /** Spark's CSV reader set as predict reads; lineSep null: the reader finds each file's own line ends. */
    private static DataFrameReader reader(SparkSession spark, String lineSep) {
        DataFrameReader r = spark.read().option("header", true).option("inferSchema", false).option("emptyValue", "").option("nullValue", null)
                .option("multiLine", true).option("escape", "\"");
        return lineSep == null ? r : r.option("lineSep", lineSep);
    }

    /** A column by its header name as written (quoted: a dot in a CSV header is no struct field). */
    private static Column column(String name) {
        return functions.col("`" + name.replace("`", "``") + "`");
    }

    /** base, or base with more leading underscores, whichever the names do not have. */
    private static String unusedName(java.util.Set<String> names, String base) {
        String name = base;
        while (names.contains(name)) name = "_" + name;
        return name;
    }
}
