package tagllm.task;

import tagllm.config.ConfigNode;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a task's rows come from: a file (CSV, TSV, JSONL, FASTA, text; format from the extension
 * unless given), how it splits into train/valid/test (a split column, or a seeded random split), and
 * optional caps on rows used for training and evaluation (the first N of each split in file order).
 * With {@code split: {scaffold: [0.8, 0.1, 0.1], seed: 0, smiles: smiles, order: balanced}} the fractions and
 * seed make a Bemis–Murcko scaffold split over the SMILES column ({@code tagllm.data.ScaffoldSplit}) instead of
 * a random one; scaffoldColumn is null otherwise. splitColumnField is where the experiment file named the split column
 * ("exp.yaml:5: tasks.q.data.split.column"), null where it did not: a column the file names must be in the data file,
 * while the default column, {@code split}, is optional (without it every row is a training row).
 */
public record DataSpec(Path path, String format, String splitColumn, String trainName, String validName, String testName,
                       List<Double> randomFractions, long randomSeed, int maxTrain, int maxEval, String scaffoldColumn,
                       String scaffoldOrder, String splitColumnField) {

    public DataSpec(Path path, String format, String splitColumn, String trainName, String validName, String testName,
                    List<Double> randomFractions, long randomSeed, int maxTrain, int maxEval) {
        this(path, format, splitColumn, trainName, validName, testName, randomFractions, randomSeed, maxTrain, maxEval, null, null);
    }

    public DataSpec(Path path, String format, String splitColumn, String trainName, String validName, String testName,
                    List<Double> randomFractions, long randomSeed, int maxTrain, int maxEval, String scaffoldColumn, String scaffoldOrder) {
        this(path, format, splitColumn, trainName, validName, testName, randomFractions, randomSeed, maxTrain, maxEval, scaffoldColumn,
                scaffoldOrder, null);
    }

    public static final String[] KEYS = {"path", "format", "split", "max_train", "max_eval"};

    /** data: FILE, or data: {path, format, split: {column, train, valid, test} | {random: [..], seed}, max_train, max_eval}. */
    public static DataSpec read(ConfigNode task, Path baseDir) {
        if (!task.has("data")) return null;
        ConfigNode c = task.child("data");
        if (c.raw().isValueNode()) {
            return new DataSpec(baseDir.resolve(c.raw().asText()).normalize(), null, "split", "train", "valid", "test", null, 42, 0, 0);
        }
        c.requireObject().allowOnly(KEYS);
        Path path = baseDir.resolve(c.requireString("path")).normalize();
        String col = "split", tr = "train", va = "valid", te = "test";
        List<Double> random = null;
        long seed = 42;
        String scaffold = null, order = null, columnField = null;
        if (c.has("split")) {
            ConfigNode s = c.child("split").requireObject();
            s.allowOnly("column", "train", "valid", "test", "random", "seed", "scaffold", "smiles", "order");
            if (s.has("random") && s.has("scaffold")) throw s.error("scaffold", "give random: or scaffold:, not both");
            String kind = s.has("scaffold") ? "scaffold" : "random";
            // a key the split given does not read was dropped without a word: a seed beside a split column (the column
            // decided), a column or split names beside random: or scaffold: (the fractions decided)
            if (s.has(kind)) {
                for (String k : List.of("column", "train", "valid", "test")) {
                    if (s.has(k)) {
                        throw s.error(k, "a " + kind + " split reads no split column" + (k.equals("column") ? "" : ", so it has no split names")
                                + "; give " + kind + ": or column:, not both");
                    }
                }
            } else if (s.has("seed")) {
                throw s.error("seed", "only a random or scaffold split takes a seed (split: {random: [0.8, 0.1, 0.1], seed: N}); a split column has none");
            }
            if (s.has("scaffold")) {
                scaffold = s.string("smiles", "smiles");
                order = s.string("order", "balanced");
                if (!order.equals("balanced") && !order.equals("largest_first")) throw s.error("order", "expected balanced or largest_first, got '" + order + "'");
                // largest_first places the groups by size alone: a seed beside it would be recorded and mean nothing
                if (order.equals("largest_first") && s.has("seed")) {
                    throw s.error("seed", "order: largest_first places scaffold groups by size alone and takes no seed; remove seed:,"
                            + " or give order: balanced, whose shuffle it seeds");
                }
            } else if (s.has("smiles") || s.has("order")) {
                throw s.error(s.has("smiles") ? "smiles" : "order", "only a scaffold split takes this (split: {scaffold: [0.8, 0.1, 0.1], smiles: COLUMN})");
            }
            if (s.has(kind)) {
                random = s.strings(kind).stream().map(x -> {
                    try {
                        return Double.parseDouble(x);
                    } catch (NumberFormatException e) {
                        throw s.error(kind, "expected numbers like [0.8, 0.1, 0.1], got '" + x + "'");
                    }
                }).toList();
                if (!splitFractions(random)) {
                    throw s.error(kind, "expected three fractions (train, valid, test) that sum to 1, got " + random);
                }
                seed = s.integer("seed", 42);
                col = null;
            } else {
                col = s.string("column", col);
                columnField = s.locate(s.has("column") ? "column" : null);
            }
            tr = s.string("train", tr);
            va = s.string("valid", va);
            te = s.string("test", te);
        }
        int maxTrain = c.integer("max_train", 0), maxEval = c.integer("max_eval", 0);
        if (maxTrain < 0) throw c.error("max_train", "must be >= 0 (0 = all rows), got " + maxTrain);
        if (maxEval < 0) throw c.error("max_eval", "must be >= 0 (0 = all rows), got " + maxEval);
        String format = c.string("format", null);
        if (format != null) {
            try {
                tagllm.data.Format.parse(format); // else a typo surfaced only when the stage read its data, naming no field
            } catch (IllegalArgumentException e) {
                throw c.error("format", e.getMessage());
            }
        }
        return new DataSpec(path, format, col, tr, va, te, random, seed, maxTrain, maxEval, scaffold, order, columnField);
    }

    /** The same data split another way: seeded random or scaffold (by the SMILES column), fractions and seed. */
    public DataSpec withSplit(String scaffoldSmilesColumn, List<Double> fractions, long seed) {
        return new DataSpec(path, format, null, trainName, validName, testName, fractions, seed, maxTrain, maxEval, scaffoldSmilesColumn,
                scaffoldSmilesColumn == null ? null : (scaffoldOrder != null ? scaffoldOrder : "balanced"));
    }

    /** Whether these are a split's fractions: train, valid and test, none negative, adding up to 1 (eval's --split-fractions too). */
    public static boolean splitFractions(List<Double> f) {
        return f.size() == 3 && f.stream().allMatch(x -> x >= 0) && Math.abs(f.stream().mapToDouble(Double::doubleValue).sum() - 1) <= 1e-6;
    }
}
