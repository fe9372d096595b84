package tagllm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.model.Transformer;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DataSpec;
import tagllm.task.Evaluator;
import tagllm.task.Example;
import tagllm.task.TagPredictor;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stage's use of the valid split: the score early stopping follows while it trains (eval_every), and the
 * metrics recorded once it is done.
 */
final class StageValidation {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final SplitExamples examples;
    private final Progress progress;

    StageValidation(Transformer model, Tokenizer tokenizer, SplitExamples examples, Progress progress) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.examples = examples;
        this.progress = progress;
    }

    /**
     * The stage's validation score for early stopping: the mean over its regression tasks of the head-space
     * MSE on the valid split (standardised heads make the tasks comparable; a classification task scores
     * 1 − AUROC), and per trained function tag (the mean over its tasks) when the trained tags are independent:
     * every trained tag is a scored task's function tag and no scored task uses another trained tag. Null when
     * no task can be scored.
     */
    Trainer.Validator validator(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc, Set<String> trainable) throws IOException {
        List<TaskSpec> tasks = new ArrayList<>();
        List<List<Example>> sets = new ArrayList<>();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            if (!t.type().readsHead()) continue;
            List<Example> ex = examples.valid(t, exp.data().get(tn), tags, enc);
            if (ex.isEmpty()) continue;
            tasks.add(t);
            sets.add(ex);
        }
        if (tasks.isEmpty()) {
            progress.message("stage " + stage.name() + ": eval_every is set but no regression or classification task has valid rows; training without it");
            return null;
        }
        boolean byTag = independent(tasks, trainable);
        return current -> {
            TagPredictor p = predictor(current);
            double sum = 0;
            Map<String, double[]> perTag = new LinkedHashMap<>();
            for (int k = 0; k < tasks.size(); k++) {
                TaskSpec t = tasks.get(k);
                double loss = t.type() == TaskType.CLASSIFICATION ? ClassificationHeads.validationScore(p, t, sets.get(k))
                        : RegressionHeads.validationScore(p, current.head(t.headKey()), t, sets.get(k));
                sum += loss;
                double[] acc = perTag.computeIfAbsent(t.headKey(), n -> new double[2]);
                acc[0] += loss;
                acc[1]++;
            }
            Map<String, Double> scores = new LinkedHashMap<>();
            if (byTag) perTag.forEach((n, acc) -> scores.put(n, acc[0] / acc[1]));
            return new Trainer.Score(sum / tasks.size(), scores);
        };
    }

    /** Every trained name is a scored task's head key, and no scored task reads another trained tag. */
    private static boolean independent(List<TaskSpec> tasks, Set<String> trainable) {
        Set<String> scoredTags = new LinkedHashSet<>();
        for (TaskSpec t : tasks) {
            scoredTags.add(t.headKey());
            for (String n : t.parsedTemplate().tagNames()) if (trainable.contains(n) && !n.equals(t.headKey())) return false;
        }
        return scoredTags.equals(trainable);
    }

    /** Scores on the valid split (capped by max_eval) when the data has one; null otherwise. */
    ObjectNode scores(Experiment exp, StageSpec stage, TagSet tags, TokenizerEncoder enc) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        for (String tn : stage.tasks()) {
            TaskSpec t = exp.tasks().get(tn);
            DataSpec ds = exp.data().get(tn);
            List<Example> ex = examples.valid(t, ds, tags, enc);
            if (ex.isEmpty()) continue;
            switch (t.type()) {
                case LANGUAGE_MODEL, TEXT -> putScores(out.putObject(tn), Map.of("next_token_loss", Evaluator.languageModelLoss(model, tags, ex)),
                        List.of(), ex.size());
                case REGRESSION -> {
                    var m = Evaluator.regression(predictor(tags), t, ex).metrics();
                    putScores(out.putObject(tn), ordered("mse", m.mse(), "mae", m.mae(), "pearson", m.pearson()), m.undefined(), m.n());
                }
                case CLASSIFICATION -> {
                    try {
                        var m = Evaluator.classification(predictor(tags), t, ex).metrics();
                        putScores(out.putObject(tn), ordered("auroc", m.auroc(), "auprc", m.auprc(), "accuracy", m.accuracy(), "log_loss", m.logLoss()),
                                m.undefined(), m.n());
                    } catch (IllegalArgumentException e) {
                        out.putObject(tn).put("note", e.getMessage()).put("n", ex.size());
                    }
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    /**
     * A task's valid scores as eval --json writes them: a finite score as a number, one with no value (the Pearson r of
     * alike labels or predictions, a loss that overflowed) as null with its reason under "undefined". Jackson wrote such
     * a score as the string "NaN", which a reader of the stage summaries or metrics.jsonl expecting numbers trips on.
     */
    static void putScores(ObjectNode task, Map<String, Double> scores, List<String> reasons, int n) {
        List<String> undefined = new ArrayList<>();
        scores.forEach((name, v) -> {
            if (Double.isFinite(v)) {
                task.put(name, v);
                return;
            }
            task.putNull(name);
            // the metrics' reasons start with the names they are about ("pearson: ...", "mse and rmse: ...")
            List<String> about = reasons.stream().filter(r -> r.indexOf(':') > 0
                    && List.of(r.substring(0, r.indexOf(':')).split("[ ,]+")).contains(name)).toList();
            for (String r : about) if (!undefined.contains(r)) undefined.add(r);
            if (about.isEmpty()) undefined.add(name + ": " + v + ", not a number");
        });
        task.put("n", n);
        if (!undefined.isEmpty()) task.set("undefined", JSON.valueToTree(undefined));
    }

    private static Map<String, Double> ordered(Object... nameValue) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) out.put((String) nameValue[i], (Double) nameValue[i + 1]);
        return out;
    }

    private TagPredictor predictor(TagSet tags) {
        return new TagPredictor(model, tokenizer, tags, id -> id == tokenizer.eosId());
    }
}
