package tagllm.task;

import tagllm.config.ConfigException;

import tagllm.data.DatasetException;
import tagllm.data.Row;
import tagllm.tag.Sequence;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.tag.Template;
import tagllm.tag.TemplateException;
import tagllm.tag.TextEncoder;

import java.util.function.Function;

/**
 * Turns data rows into sequences for one task. Regression prompts end at the function tag's last slot
 * (the head reads there; nothing after it can matter through a causal model). Text tasks carry the
 * output text and EOS when training, and stop before the output when predicting. A row that does not
 * fit (missing column, not a number, too long, an input its domain tag refuses: {@link InputCheck}) is a
 * {@link DatasetException} naming its file and line.
 */
public final class ExampleRenderer {
    private final TaskSpec task;
    private final Template template;
    private final TagSet tags;
    private final TextEncoder encoder;
    private final int limit;
    private final int context;
    private final InputCheck check;
    /** The columns written right after a <Protein> tag. */
    private final java.util.Set<String> proteinColumns;

    public ExampleRenderer(TaskSpec task, TagSet tags, TextEncoder encoder, int maxPositions) {
        this(task, tags, encoder, maxPositions, InputCheck.of(task));
    }

    /**
     * A renderer whose inputs are checked and normalised (a protein field upper-cased) as {@code inputs} says: a
     * tag-free baseline's prompt ({@code InputCheck.of} the tagged task) then reads the same values Tag-LLM's does,
     * though no {@code <Protein>} tag is left in its template to tell which field holds a protein.
     */
    public ExampleRenderer(TaskSpec task, TagSet tags, TextEncoder encoder, int maxPositions, InputCheck inputs) {
        this.task = task;
        this.template = task.parsedTemplate();
        this.tags = tags;
        this.encoder = encoder;
        this.limit = Math.min(task.maxLength(), maxPositions);
        this.context = maxPositions;
        this.check = inputs;
        this.proteinColumns = new java.util.HashSet<>();
        check.checkedColumns().forEach((c, kind) -> { if (kind.equals("PROTEIN")) proteinColumns.add(c); });
        for (String t : template.tagNames()) {
            TagKind want = task.kindOf(t);
            if (tags.has(t) && tags.get(t).kind() != want) {
                throw new ConfigException("task " + task.name() + ": tag " + t + " is a " + want.label()
                        + " tag in the task but a " + tags.get(t).kind().label() + " tag in the tag set");
            }
        }
    }

    /**
     * The renderer of a task's tag-free prompt ({@link TaskSpec#withoutTags}) whose inputs are checked and normalised
     * as the tagged task's: what the tag-free baselines (compare's probe, prompt tuning and LoRA, the suite's probe)
     * read, so that they see the tokens Tag-LLM sees on the same row.
     */
    public static ExampleRenderer tagFree(TaskSpec task, TextEncoder encoder, int maxPositions) {
        return new ExampleRenderer(task.withoutTags(), new TagSet(null, null), encoder, maxPositions, InputCheck.of(task));
    }

    public TaskSpec task() { return task; }

    /** The maximum sequence length (the task's max_length, at most the model's context). */
    public int limit() { return limit; }

    /** The model's context (max_position_embeddings): a text prompt and what is generated after it share it. */
    public int context() { return context; }

    /** Where {@link #limit()} comes from, for messages: "the task's max_length" or "the model's context". */
    public String limitSource() { return limit == task.maxLength() ? "the task's max_length" : "the model's context"; }

    /**
     * A training or evaluation example: the label (regression) or output text (text tasks) is required, and the
     * inputs must pass the checks prediction makes ({@link InputCheck}): eval then scores the rows predict predicts,
     * and no tag trains on a "SMILES" RDKit would refuse.
     */
    public Example example(Row row) {
        check.check(row);
        double label = Double.NaN;
        double[] targets = null;
        String text = null;
        Function<String, String> fill = placeholder -> row.get(task.column(placeholder));
        switch (task.type()) {
            case REGRESSION -> {
                label = row.getDouble(task.labelColumn());
                String labelText = LabelText.format(label * task.labelScale());
                String out = task.outputPlaceholder();
                fill = placeholder -> placeholder.equals(out) && !row.has(task.column(placeholder))
                        ? labelText : row.get(task.column(placeholder));
            }
            case CLASSIFICATION -> {
                ClassSpec cs = task.classes();
                if (cs == null || !cs.resolved()) throw new IllegalStateException("task " + task.name() + ": classes not resolved before rendering");
                String labelText;
                if (cs.multiLabel()) {
                    targets = multiLabelTargets(row, cs);
                    labelText = "";
                } else {
                    String v = row.get(task.labelColumn());
                    int c = cs.indexOf(v);
                    if (c < 0) {
                        throw new DatasetException(row.origin(), "column '" + task.labelColumn() + "': expected one of the classes "
                                + cs.classes() + ", got '" + Row.clip(v) + "'");
                    }
                    label = c;
                    labelText = cs.classes().get(c);
                }
                String out = task.outputPlaceholder();
                fill = placeholder -> placeholder.equals(out) && !row.has(task.column(placeholder))
                        ? labelText : row.get(task.column(placeholder));
            }
            case TEXT -> text = row.get(task.column(task.outputPlaceholder()));
            case LANGUAGE_MODEL -> { }
        }
        Sequence s = render(row, fill, task.type() == TaskType.TEXT);
        return new Example(task, s, label, text, row.source(), row.line(), targets);
    }

    /** 0/1 per label column, NaN for an empty cell (a missing label); a row with no label at all does not fit. */
    private static double[] multiLabelTargets(Row row, ClassSpec cs) {
        double[] t = new double[cs.size()];
        boolean any = false;
        for (int i = 0; i < t.length; i++) {
            String col = cs.labelColumns().get(i);
            String v = row.get(col).strip();
            if (v.isEmpty()) {
                t[i] = Double.NaN;
                continue;
            }
            Double x = ClassLabels.number(v);
            if (x == null || (x != 0 && x != 1)) throw new DatasetException(row.origin(), "column '" + col + "': expected 0, 1 or empty, got '" + Row.clip(v) + "'");
            t[i] = x;
            any = true;
        }
        if (!any) throw new DatasetException(row.origin(), "no label in any of " + cs.labelColumns());
        return t;
    }

    /** Throws what predict, serve and Spark refuse in a row's inputs ({@link InputCheck}), naming the column. */
    public void check(Row row) { check.check(row); }

    /** {@link #prompt} of a row that passes {@link #check}: what predict, serve, Spark and the Java API score. */
    public Example checkedPrompt(Row row) {
        check.check(row);
        return prompt(row);
    }

    /** A prompt for prediction: no label needed; text tasks stop before the output (the inputs unchecked: {@link #checkedPrompt}). */
    public Example prompt(Row row) {
        Sequence s = render(row, placeholder -> row.get(task.column(placeholder)), false);
        return new Example(task, s, Double.NaN, null, row.source(), row.line());
    }

    private Sequence render(Row row, Function<String, String> given, boolean includeOutput) {
        Sequence s = sequence(row, given, includeOutput);
        if (s.length() > limit) {
            throw new DatasetException(row.origin(), "too long: " + s.length() + " positions, the limit is " + limit + " (" + limitSource() + ")"
                    + inputShares(row, given, includeOutput, s.length(), limit));
        }
        // a text prompt that fills the context leaves no position to generate into: its output would be empty, with no reason
        if (!includeOutput && task.type() == TaskType.TEXT && s.length() >= context) {
            throw new DatasetException(row.origin(), "too long: " + s.length() + " positions fill the model's context of " + context
                    + ", leaving no room for the output" + inputShares(row, given, includeOutput, s.length(), context - 1));
        }
        if (task.type() == TaskType.LANGUAGE_MODEL && s.ceTargets(false).length == 0) {
            throw new DatasetException(row.origin(), "no text to predict");
        }
        return s;
    }

    /**
     * For a too-long prompt of two or more input columns (BA's protein and SMILES): the positions each takes (the
     * prompt's length less its length with that column empty) against the room the rest of the prompt leaves them,
     * so that the message says which input made it too long. Empty for one input, which the message needs no help with.
     */
    private String inputShares(Row row, Function<String, String> given, boolean includeOutput, int length, int room) {
        java.util.List<String> columns = task.promptColumns();
        if (columns.size() < 2) return "";
        StringBuilder shares = new StringBuilder();
        int inputs = 0;
        try {
            for (String c : columns) {
                int without = sequence(row, ph -> task.column(ph).equals(c) ? "" : given.apply(ph), includeOutput).length();
                int share = length - without;
                inputs += share;
                shares.append(shares.isEmpty() ? ": '" + c + "' takes " + share + " positions" : ", '" + c + "' " + share);
            }
        } catch (DatasetException | IllegalArgumentException e) {
            return ""; // an input that cannot be left empty: the message as it was
        }
        return shares + " of the " + Math.max(0, room - (length - inputs)) + " the rest of the prompt leaves them";
    }

    /** The row's sequence as the template and the head's read position make it, its length unchecked. */
    private Sequence sequence(Row row, Function<String, String> given, boolean includeOutput) {
        // residue letters are case-insensitive (FASTA files often hold them in lower case), but the tokenizer is not:
        // 'm k v' and 'M K V' are other tokens, so a protein field reaches the model upper-cased, as the data trained on
        Function<String, String> fill = proteinColumns.isEmpty() ? given : placeholder -> {
            String v = given.apply(placeholder);
            return v != null && proteinColumns.contains(task.column(placeholder)) ? v.toUpperCase(java.util.Locale.ROOT) : v;
        };
        Sequence s;
        try {
            s = template.render(fill, Template.lookup(tags), encoder, new Template.RenderOptions(task.bos(), task.isolateDomains(),
                    task.outputPlaceholder(), includeOutput, task.eos()));
        } catch (TemplateException e) {
            throw new DatasetException(row.origin(), e.getMessage());
        }
        if (task.type().readsHead()) {
            if (s.readPosition() < 0) {
                // no function tag: the head reads the last input position before the label text
                if (task.functionTag() != null) throw new DatasetException(row.origin(), "task " + task.name() + " has no function tag before its output");
                int last = (s.outputStart() > 0 ? s.outputStart() : s.length()) - 1;
                if (last < 0) throw new DatasetException(row.origin(), "task " + task.name() + ": the prompt is empty");
                s = s.withReadPosition(last);
            }
            s = s.truncate(s.readPosition() + 1);
        }
        return s;
    }
}
