package tagllm.task;

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
 * output text and EOS when training, and stop before the output when predicting.
 */
public final class ExampleRenderer {
    private final TaskSpec task;
    private final Template template;
    private final TagSet tags;
    private final TextEncoder encoder;
    private final int limit;

    public ExampleRenderer(TaskSpec task, TagSet tags, TextEncoder encoder, int maxPositions) {
        this.task = task;
        this.template = task.parsedTemplate();
        this.tags = tags;
        this.encoder = encoder;
        this.limit = Math.min(task.maxLength(), maxPositions);
        for (String t : template.tagNames()) {
            TagKind want = task.kindOf(t);
            if (tags.has(t) && tags.get(t).kind() != want) {
                throw new ConfigException("task " + task.name() + ": tag " + t + " is a " + want.label()
                        + " tag in the task but a " + tags.get(t).kind().label() + " tag in the tag set");
            }
        }
    }

    public TaskSpec task() { return task; }

    /** The maximum sequence length (the task's max_length, at most the model's context). */
    public int limit() { return limit; }

    /**
     * A training or evaluation example: labels are required. source/line name the row in errors.
     * values gives a data column's text, or null when the row has no such column.
     */
    public Example example(Function<String, String> values, String source, long line) {
        String where = source + ":" + line;
        double label = Double.NaN;
        String text = null;
        Function<String, String> fill = placeholder -> values.apply(task.column(placeholder));
        switch (task.type()) {
            case REGRESSION -> {
                String raw = values.apply(task.labelColumn());
                if (raw == null) throw new RowProblem(where + ": column '" + task.labelColumn() + "' is missing");
                try {
                    label = Double.parseDouble(raw.trim()) * task.labelScale();
                } catch (NumberFormatException e) {
                    throw new RowProblem(where + ": column '" + task.labelColumn() + "': expected a number, got '" + raw + "'");
                }
                if (!Double.isFinite(label)) throw new RowProblem(where + ": column '" + task.labelColumn() + "': not a finite number: '" + raw + "'");
                String labelText = LabelText.format(label);
                String out = task.outputPlaceholder();
                fill = placeholder -> placeholder.equals(out) && values.apply(task.column(placeholder)) == null
                        ? labelText : values.apply(task.column(placeholder));
            }
            case TEXT -> {
                text = values.apply(task.column(task.outputPlaceholder()));
                if (text == null) throw new RowProblem(where + ": column '" + task.column(task.outputPlaceholder()) + "' is missing");
            }
            case LANGUAGE_MODEL -> { }
        }
        Sequence s = render(fill, task.type() == TaskType.TEXT, where);
        return new Example(task, s, label, text, source, line);
    }

    /** A prompt for prediction: no label needed; text tasks stop before the output. */
    public Example prompt(Function<String, String> values, String source, long line) {
        Function<String, String> fill = placeholder -> values.apply(task.column(placeholder));
        Sequence s = render(fill, false, source + ":" + line);
        return new Example(task, s, Double.NaN, null, source, line);
    }

    private Sequence render(Function<String, String> fill, boolean includeOutput, String where) {
        Sequence s;
        try {
            s = template.render(p -> {
                String v = fill.apply(p);
                if (v == null) throw new RowProblem(where + ": column '" + task.column(p) + "' is missing (placeholder {" + p + "})");
                return v;
            }, Template.lookup(tags), encoder, new Template.RenderOptions(task.bos(), task.isolateDomains(),
                    task.outputPlaceholder(), includeOutput, task.eos()));
        } catch (TemplateException e) {
            throw new RowProblem(where + ": " + e.getMessage());
        }
        if (task.type() == TaskType.REGRESSION) {
            if (s.readPosition() < 0) throw new RowProblem(where + ": task " + task.name() + " has no function tag before its output");
            s = s.truncate(s.readPosition() + 1);
        }
        if (s.length() > limit) {
            throw new RowProblem(where + ": too long: " + s.length() + " positions, the limit is " + limit
                    + (limit == task.maxLength() ? " (the task's max_length)" : " (the model's context)"));
        }
        if (task.type() == TaskType.LANGUAGE_MODEL && s.ceTargets(false).length == 0) {
            throw new RowProblem(where + ": no text to predict");
        }
        return s;
    }
}
