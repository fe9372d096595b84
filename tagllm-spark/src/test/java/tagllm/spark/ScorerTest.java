package tagllm.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.data.DatasetException;
import tagllm.task.Example;
import tagllm.task.ExampleRenderer;
import tagllm.task.InputCheck;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The scorer against the predictor predict uses, on the shared QED data: every row's prediction has the same bits
 * whatever the partitioning and batch size, bad rows (those predict refuses too) come out with an error instead of
 * disappearing or getting a number.
 */
class ScorerTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static Path tags;

    @BeforeAll
    static void start() throws Exception {
        tags = Fixtures.qedTags(dir);
        spark = Sessions.start("local[2]", "ScorerTest", Map.of());
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    @Test
    void equalsPredictBitForBitWhateverTheBatching() throws Exception {
        List<String> smiles = new ArrayList<>(Fixtures.smiles(160));
        // an empty SMILES and an invalid one (predict refuses both), a null, one too long for the model's context
        smiles.add(40, "");
        smiles.add(60, "C1CC");
        smiles.add(80, null);
        smiles.add(120, "C".repeat(3000));
        // reference: the rows predict checks and renders, through TagPredictor.predictValues in one call, as predict does
        TagPredictor p = TagPredictor.open(Fixtures.model(), List.of(tags));
        TaskSpec task = p.task("QED");
        ExampleRenderer r = p.renderer(task);
        InputCheck check = InputCheck.of(task);
        List<Integer> ok = new ArrayList<>();
        List<Example> prompts = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i++) {
            if (smiles.get(i) == null) continue;
            try {
                tagllm.data.Row row = tagllm.data.Row.of("t", i + 1, Map.of("smiles", smiles.get(i)));
                check.check(row);
                prompts.add(r.prompt(row));
                ok.add(i);
            } catch (DatasetException e) {
                // no prompt: the scorer must report it
            }
        }
        assertEquals(smiles.size() - 4, ok.size(), "the empty, invalid, null and too-long rows have no prompt");
        double[] ref = p.predictValues(task, prompts.stream().map(Example::sequence).toList());
        Map<Integer, Double> expected = new HashMap<>();
        for (int k = 0; k < ok.size(); k++) expected.put(ok.get(k), ref[k]);

        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i++) rows.add(RowFactory.create(i, smiles.get(i)));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("smiles", DataTypes.StringType);
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        for (int[] setup : new int[][]{{3, 4096}, {1, 60}}) {
            TagLlmScorer scorer = new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString()).setTask("QED")
                    .setInputCols("smiles").setOutputCol("qed_pred").setBatchRows(setup[1]);
            List<Row> out = scorer.transform(df.repartition(setup[0])).collectAsList();
            assertEquals(smiles.size(), out.size(), "every row comes out");
            int seen = 0;
            for (Row o : out) {
                int id = o.getInt(0);
                Double want = expected.get(id);
                if (want != null) {
                    assertTrue(o.isNullAt(3), () -> "row " + id + ": " + o.get(3));
                    assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(o.getDouble(2)),
                            () -> "row " + id + " with " + setup[0] + " partitions, batches of " + setup[1] + ": " + want + " vs " + o.getDouble(2));
                } else {
                    assertTrue(o.isNullAt(2));
                    assertFalse(o.isNullAt(3), "a row without a prediction says why");
                }
                seen++;
            }
            assertEquals(smiles.size(), seen);
        }
        // the reasons name the problem
        List<Row> bad = new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString()).setTask("QED").setInputCols("smiles")
                .transform(df).filter("prediction_error is not null").orderBy("id").collectAsList();
        assertEquals(4, bad.size());
        // predict's words for the same rows (its error column, PredictNoRowLostTest)
        assertEquals("smiles: empty; expected a SMILES", bad.get(0).getString(3));
        assertTrue(bad.get(1).getString(3).startsWith("smiles: invalid SMILES 'C1CC': "), bad.get(1).getString(3));
        assertEquals("column 'smiles' is null", bad.get(2).getString(3));
        assertTrue(bad.get(3).getString(3).startsWith("too long: "), bad.get(3).getString(3));
    }

    /**
     * BA (placeholders protein, read from protein_seq, and smiles) on columns named otherwise: inputCols in the
     * template's order or as PLACEHOLDER=COLUMN give every row the bits the task's own columns give; the old scorer
     * keyed the fields by the given names, which the renderer never looked up (every row: an error).
     */
    @Test
    void inputColsMapColumnsNamedOtherwiseToThePlaceholders() throws Exception {
        Path ba = Fixtures.baTags(dir);
        List<String> smiles = Fixtures.smiles(6);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < smiles.size(); i++) rows.add(RowFactory.create(i, "MKTAYIAKQRQISFVKSHFSRQ".substring(i), smiles.get(i)));
        StructType own = new StructType().add("id", DataTypes.IntegerType).add("protein_seq", DataTypes.StringType).add("smiles", DataTypes.StringType);
        StructType other = new StructType().add("id", DataTypes.IntegerType).add("p", DataTypes.StringType).add("d", DataTypes.StringType);
        TagLlmScorer base = new TagLlmScorer().setModel(Fixtures.model()).setTags(ba.toString()).setTask("BA");
        List<Row> want = base.transform(spark.createDataFrame(rows, own)).orderBy("id").collectAsList();
        for (Row w : want) assertTrue(w.isNullAt(4), () -> "the task's own columns score: " + w);
        Dataset<Row> renamed = spark.createDataFrame(rows, other);
        for (String[] cols : new String[][]{{"p", "d"}, {"smiles=d", "protein=p"}}) {
            List<Row> got = ((TagLlmScorer) base.copy(new org.apache.spark.ml.param.ParamMap())).setInputCols(cols).transform(renamed)
                    .orderBy("id").collectAsList();
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                Row g = got.get(i);
                assertTrue(g.isNullAt(4), () -> String.join(",", cols) + ": " + g);
                assertEquals(Double.doubleToRawLongBits(want.get(i).getDouble(3)), Double.doubleToRawLongBits(g.getDouble(3)),
                        String.join(",", cols) + ": row " + i);
            }
        }
        // what cannot be meant: refused on the driver, naming the placeholders
        Dataset<Row> df = spark.createDataFrame(rows, own);
        for (String[] cols : new String[][]{{"smiles", "protein_seq"}, {"p"}, {"protein_seq=p"}, {"p", "smiles=d"}}) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> ((TagLlmScorer) base.copy(new org.apache.spark.ml.param.ParamMap())).setInputCols(cols).transform(df));
            assertTrue(e.getMessage().startsWith("inputCols " + String.join(",", cols) + ": ") && e.getMessage().contains("protein"), e.getMessage());
        }
    }

    /**
     * A classification task's schema: a double per class named probabilityPrefix + class (predict's prob_CLASS by
     * default; a multi-label task's label columns), then the predicted class as a string, then the error; a name the
     * data already has is refused on the driver. The old scorer gave such a task only a string column (generated text).
     */
    @Test
    void classificationAddsAProbabilityPerClassThenTheClass() throws Exception {
        Path cls = Fixtures.classificationTags(dir);
        StructType in = new StructType().add("id", DataTypes.IntegerType).add("smiles", DataTypes.StringType);
        TagLlmScorer base = new TagLlmScorer().setModel(Fixtures.model()).setTags(cls.toString());
        StructType bbbp = ((TagLlmScorer) base.copy(new org.apache.spark.ml.param.ParamMap())).setTask("bbbp").transformSchema(in);
        assertEquals(List.of("id", "smiles", "prob_0", "prob_1", "prediction", "prediction_error"), List.of(bbbp.fieldNames()));
        assertEquals(DataTypes.DoubleType, bbbp.apply("prob_1").dataType());
        assertEquals(DataTypes.StringType, bbbp.apply("prediction").dataType());
        StructType tox = ((TagLlmScorer) base.copy(new org.apache.spark.ml.param.ParamMap())).setTask("tox").setProbabilityPrefix("p_")
                .setOutputCol("toxic").transformSchema(in);
        assertEquals(List.of("id", "smiles", "p_NR-AR", "p_SR-HSE", "p_tox3", "toxic", "toxic_error"), List.of(tox.fieldNames()));
        var e = assertThrows(IllegalArgumentException.class, () -> ((TagLlmScorer) base.copy(new org.apache.spark.ml.param.ParamMap()))
                .setTask("kind").transformSchema(in.add("prob_b", DataTypes.DoubleType)));
        assertTrue(e.getMessage().contains("'prob_b' is already in the data"), e.getMessage());
    }

    /**
     * An added column whose name the data has in another case: Spark's names ignore case (spark.sql.caseSensitive is
     * false by default), so a "Prediction" column beside the added "prediction" made rows Spark could not read back
     * ("Cannot grow BufferHolder by size -1907154224") or an ambiguous reference. Refused on the driver, as an exact
     * clash is; allowed where the session compares names with case.
     */
    @Test
    void anOutputNameTheDataHasInAnotherCaseIsRefused() {
        StructType in = new StructType().add("smiles", DataTypes.StringType).add("Prediction", DataTypes.StringType);
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("QED").transformSchema(in));
        assertTrue(e.getMessage().contains("output column 'prediction' is already in the data (as 'Prediction'"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("QED").setOutputCol("q").setErrorCol("Q").transformSchema(in));
        assertTrue(e2.getMessage().contains("'Q' would be added twice (beside 'q'"), e2.getMessage());
        spark.conf().set("spark.sql.caseSensitive", "true");
        try {
            StructType out = new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString()).setTask("QED").transformSchema(in);
            assertEquals(List.of("smiles", "Prediction", "prediction", "prediction_error"), List.of(out.fieldNames()));
        } finally {
            spark.conf().unset("spark.sql.caseSensitive");
        }
    }

    /**
     * A batch of no positions is refused when set: the old scorer took it, and each partition's first batch then read
     * no row, so its tasks failed with "Index 0 out of bounds for length 0". Set through a ParamMap too.
     */
    @Test
    void batchRowsBelowOneIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setBatchRows(0));
        assertTrue(e.getMessage().contains("batchRows (--batch-rows) must be at least 1"), e.getMessage());
        TagLlmScorer s = new TagLlmScorer();
        assertThrows(IllegalArgumentException.class, () -> s.copy(new org.apache.spark.ml.param.ParamMap().put(s.batchRows(), -5)));
        TagLlmScorer one = new TagLlmScorer().setBatchRows(1);
        assertEquals(1, (int) (Integer) one.getOrDefault(one.batchRows()));
    }

    /**
     * maxTokens below 1 is refused, by the setter and through a ParamMap: with 0 a text task's rows got an empty
     * output, counted as their prediction.
     */
    @Test
    void maxTokensBelowOneIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setMaxTokens(0));
        assertEquals("maxTokens (--max-tokens) must be at least 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setMaxTokens(-3));
        TagLlmScorer s = new TagLlmScorer();
        assertThrows(IllegalArgumentException.class, () -> s.copy(new org.apache.spark.ml.param.ParamMap().put(s.maxTokens(), 0)));
        TagLlmScorer one = new TagLlmScorer().setMaxTokens(1);
        assertEquals(1, (int) (Integer) one.getOrDefault(one.maxTokens()));
    }

    /**
     * A partition's rows are held a batch at a time, also when they have no prompt: the old scorer read rows until
     * their prompts filled batchRows positions, and a row without one (a null or invalid input) takes none, so a
     * partition of 100,000 null SMILES was read whole into memory before its first row came out.
     */
    @Test
    void rowsWithoutAPromptAreHeldABatchAtATime() {
        int total = 100_000, batch = 64;
        StructType schema = new StructType().add("smiles", DataTypes.StringType);
        java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Iterator<Row> nulls = new java.util.Iterator<>() {
            @Override public boolean hasNext() { return read.get() < total; }
            @Override public Row next() {
                read.incrementAndGet();
                return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[]{null}, schema);
            }
        };
        byte[] tagBytes;
        try {
            tagBytes = java.nio.file.Files.readAllBytes(tags);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        ScoreSpec spec = new ScoreSpec(Fixtures.model(), tagllm.model.ComputePrecision.F32, List.of(tagBytes), List.of(tags.toString()), "QED",
                Map.of(), List.of("smiles"), batch, 128, null);
        PartitionScorer scorer = new PartitionScorer(spec, nulls, 0);
        Row first = scorer.next();
        assertEquals("column 'smiles' is null", first.getString(2));
        assertTrue(read.get() <= batch, "rows read before the first came out: " + read.get());
        long out = 1;
        while (scorer.hasNext()) {
            scorer.next();
            out++;
        }
        assertEquals(total, out, "every row comes out");
    }

    @Test
    void wrongSettingsFailOnTheDriverNamingTheProblem() {
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("CCO")), new StructType().add("smiles", DataTypes.StringType));
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("QED").setInputCols("smile").transform(df));
        assertTrue(e.getMessage().contains("'smile' is not in the data"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("Nope").setInputCols("smiles").transform(df));
        assertTrue(e2.getMessage().contains("neither in the tag files"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setTags(tags.toString()).setTask("QED")
                .setInputCols("smiles").transform(df));
        assertTrue(e3.getMessage().contains("setModel"), e3.getMessage());
    }

    /**
     * A missing input column's message lists the data's columns, not the read error column: spark score's CSV reader
     * adds that one (_corrupt_record), and the old message offered it as a column of the user's file ("it has: id,
     * smiles, note, _corrupt_record").
     */
    @Test
    void aMissingColumnIsNamedBesideTheDataColumnsOnly() {
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("1", "CCO", null)), new StructType().add("id", DataTypes.StringType)
                .add("smiles", DataTypes.StringType).add("_corrupt_record", DataTypes.StringType));
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("QED").setInputCols("smile").setReadErrorCol("_corrupt_record").transform(df));
        assertTrue(e.getMessage().endsWith("input column 'smile' is not in the data (it has: id, smiles)"), e.getMessage());
    }

    /**
     * An input column that is not text is refused on the driver, naming it and its type. The old scorer took each
     * value's toString, so a binary column (a Parquet file whose strings are stored as plain bytes) fed the model
     * "[B@1f2e3d" for every row instead of its SMILES, and transform() said nothing.
     */
    @Test
    void anInputColumnThatIsNotTextIsRefusedOnTheDriver() {
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create((Object) "CCO".getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                new StructType().add("smiles", DataTypes.BinaryType));
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(Fixtures.model()).setTags(tags.toString())
                .setTask("QED").transform(df));
        assertTrue(e.getMessage().startsWith("input column 'smiles' is binary, not text"), e.getMessage());
    }

    @Test
    void tagsOfAnotherBaseModelAreRefusedOnTheDriver() {
        // the tags were made on stories260K; tiny-llama-gqa is another model. transform() runs no job, so before the
        // driver's check this passed and every executor failed later, inside Spark's "Job aborted"
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("CCO")), new StructType().add("smiles", DataTypes.StringType));
        String other = SharedFiles.get("models/tiny-llama-gqa").toString();
        var e = assertThrows(IllegalArgumentException.class, () -> new TagLlmScorer().setModel(other).setTags(tags.toString())
                .setTask("QED").setInputCols("smiles").transform(df));
        // the model named by its folder, as Model.load (and so predict) names it, not by the path given
        assertTrue(e.getMessage().contains("was trained on base model stories260K") && e.getMessage().contains("the loaded model tiny-llama-gqa has"),
                e.getMessage());
    }
}
