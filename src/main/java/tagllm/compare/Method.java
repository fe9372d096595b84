package tagllm.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ways of adapting the frozen model that {@code tagllm compare} runs on the same tasks, data, splits, budget
 * and head. Full fine-tuning is not among them: updating every weight of even a small model needs its weight
 * gradients and optimizer state (3× the weights) on a CPU; it is out of reach here.
 */
public enum Method {
    /** The experiment as written: domain and function tags through its stages. */
    TAGLLM("tagllm"),
    /**
     * Ridge (regression) or L2 logistic regression (classification) on the frozen final hidden state at the last
     * position of the tag-free prompt, λ chosen on valid.
     */
    PROBE("probe"),
    /** n trainable virtual tokens before the tag-free prompt (PEFT's prompt tuning), with the same head. */
    PROMPT_TUNING("prompt-tuning"),
    /** Rank-r adapters on the q and v projections (r 8, α 16, dropout 0.05), base frozen, with the same head. */
    LORA("lora"),
    /** No model: the training mean (regression) or the training class frequencies (classification); always run. */
    BASELINE("baseline");

    private final String label;

    Method(String label) { this.label = label; }

    public String label() { return label; }

    public static Method parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) if (m.label.equals(k)) return m;
        throw new IllegalArgumentException("unknown method '" + s + "' (known: tagllm, probe, prompt-tuning, lora, baseline)");
    }

    /** A comma-separated list, in the order given, without repeats. */
    public static List<Method> parseList(String s) {
        List<Method> out = new ArrayList<>();
        for (String part : s.split(",")) {
            if (part.isBlank()) continue;
            Method m = parse(part);
            if (!out.contains(m)) out.add(m);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no methods given (known: tagllm, probe, prompt-tuning, lora, baseline)");
        return out;
    }
}
