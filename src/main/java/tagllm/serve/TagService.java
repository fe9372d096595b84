package tagllm.serve;

import java.util.List;
import java.util.Map;

/**
 * What the HTTP API serves, independent of HTTP: the model's identity, the runnable tasks, and batched
 * regression predictions and greedy text outputs. Implementations are safe for concurrent callers.
 * Refused input throws {@link ApiException}.
 */
public interface TagService {
    /** The base model's name (Hub id or folder name). */
    String modelName();

    /** The base model's fingerprint, the one tag files are bound to. */
    String modelFingerprint();

    /** The tasks the loaded tag files can run (regression and text), by name. */
    List<TaskInfo> tasks();

    /** One task by name (case-insensitive); 400 naming the served tasks when it is not runnable. */
    TaskInfo task(String name);

    /** The tag sets loaded, in order (empty for a service without named sets). */
    default List<TagSetInfo> tagSets() { return List.of(); }

    /**
     * One task of one tag set ({@code tagSet} null: the set that serves the task, when only one does); 400 naming
     * the loaded sets when tagSet is unknown.
     */
    default TaskInfo task(String tagSet, String name) {
        if (tagSet != null) throw ApiException.badRequest("tag_set: this server has no named tag sets; leave tag_set out");
        return task(name);
    }

    /** {@link #predict(String, List)} for a task as {@link #task(String, String)} found it (its tag set included). */
    default Predictions predict(TaskInfo task, List<Map<String, String>> inputs) { return predict(task.name(), inputs); }

    /** {@link #classify(String, List)} for a task as {@link #task(String, String)} found it. */
    default Classifications classify(TaskInfo task, List<Map<String, String>> inputs) { return classify(task.name(), inputs); }

    /** {@link #generate(String, List, Decoding, java.util.function.BiConsumer)} for a task as {@link #task(String, String)} found it. */
    default Generations generate(TaskInfo task, List<Map<String, String>> inputs, Decoding decoding,
                                 java.util.function.BiConsumer<Integer, String> onText) {
        return generate(task.name(), inputs, decoding, onText);
    }

    /**
     * {@link #predict(TaskInfo, List)}, {@link #classify(TaskInfo, List)} and {@link #generate(TaskInfo, List, Decoding,
     * java.util.function.BiConsumer)} for a request whose client may go away: once {@code cancel} is set, the work
     * stops at its next check and throws a 499 {@link ApiException}. Services that cannot stop early ignore it.
     */
    default Predictions predict(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) { return predict(task, inputs); }

    default Classifications classify(TaskInfo task, List<Map<String, String>> inputs, Cancellation cancel) { return classify(task, inputs); }

    default Generations generate(TaskInfo task, List<Map<String, String>> inputs, Decoding decoding,
                                 java.util.function.BiConsumer<Integer, String> onText, Cancellation cancel) {
        return generate(task, inputs, decoding, onText);
    }

    /** Head predictions in label units, one per input, in order. */
    Predictions predict(String task, List<Map<String, String>> inputs);

    /** Greedy continuations (up to maxTokens new tokens, stopping at EOS, a newline or the context's end), one per input, with why each ended. */
    Generations generate(String task, List<Map<String, String>> inputs, int maxTokens);

    /**
     * Continuations decoded as {@code decoding} says (greedy or seeded sampling), one per input; when onText is
     * not null it receives (input index, piece of text) as soon as each piece is decoded (server-sent events).
     */
    default Generations generate(String task, List<Map<String, String>> inputs, Decoding decoding,
                                 java.util.function.BiConsumer<Integer, String> onText) {
        if (!decoding.isGreedy() || onText != null) throw ApiException.badRequest("this service decodes greedily and does not stream");
        return generate(task, inputs, decoding.maxTokens());
    }

    /**
     * How to pick each new token: temperature 0 is greedy (the most likely token each step). A Decoding knows which
     * settings its caller gave ({@link #given}), so that one which would change nothing (top_k, top_p or seed beside
     * temperature 0) is refused, as {@code tagllm generate} and POST /v1/generate refuse it, rather than taken and
     * ignored. Every way of making one ends in the canonical constructor, which checks it: a setting out of range or
     * doing nothing throws {@link IllegalArgumentException} naming the setting as the HTTP API does ({@code max_tokens},
     * {@code temperature}, {@code top_k}, {@code top_p}, {@code seed}).
     * <pre>{@code
     * Decoding.greedy(64);                                             // greedy, 64 new tokens at most
     * Decoding.builder(64).temperature(0.8).topP(0.9).seed(7).build(); // seeded sampling
     * }</pre>
     *
     * @param topK  0 for no limit
     * @param topP  1 for no limit
     * @param given the names of the settings the caller gave (a subset of {@link #SETTINGS}; max_tokens is always given)
     */
    record Decoding(int maxTokens, double temperature, int topK, double topP, long seed, java.util.Set<String> given) {
        /** The settings a caller may give beside max_tokens, by their HTTP names. */
        public static final List<String> SETTINGS = List.of("temperature", "top_k", "top_p", "seed");

        public Decoding {
            if (given == null) throw new IllegalArgumentException("given: null; name the settings given (an empty set for none)");
            given = java.util.Set.copyOf(given);
            for (String g : given) {
                if (!SETTINGS.contains(g)) throw new IllegalArgumentException("given: unknown setting '" + g + "'; expected some of " + SETTINGS);
            }
            if (maxTokens < 1) throw new IllegalArgumentException("max_tokens: must be at least 1, got " + maxTokens);
            if (!(temperature >= 0) || temperature > 100) {
                throw new IllegalArgumentException("temperature: expected a number 0..100 (0 = greedy), got " + temperature);
            }
            if (topK < 0) throw new IllegalArgumentException("top_k: expected an integer >= 0 (0 = no limit), got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p: expected a number in (0, 1], got " + topP);
            if (temperature == 0) {
                // greedy decoding takes the most likely token: a setting that shapes or seeds a sample would do nothing
                for (String field : List.of("top_k", "top_p", "seed")) {
                    if (given.contains(field)) {
                        throw new IllegalArgumentException(field + ": " + tagllm.task.GreedyDecoding.changesNothing(field, "temperature")
                                + (given.contains("temperature") ? "" : " (temperature is 0 when left out)"));
                    }
                }
            }
        }

        /**
         * Every setting written out: the temperature counts as given, and top_k, top_p and seed as given where they
         * differ from what leaving them out means (0, 1 and 0), since a positional call cannot say more. Greedy
         * decoding (temperature 0) with top_k, top_p or seed set is refused; {@link #builder} says exactly what was given.
         */
        public Decoding(int maxTokens, double temperature, int topK, double topP, long seed) {
            this(maxTokens, temperature, topK, topP, seed, positionallyGiven(topK, topP, seed));
        }

        private static java.util.Set<String> positionallyGiven(int topK, double topP, long seed) {
            java.util.Set<String> g = new java.util.HashSet<>();
            g.add("temperature");
            if (topK != 0) g.add("top_k");
            if (topP != 1) g.add("top_p");
            if (seed != 0) g.add("seed");
            return g;
        }

        /** Greedy decoding of at most maxTokens new tokens. */
        public static Decoding greedy(int maxTokens) { return builder(maxTokens).build(); }

        /** A decoding of at most maxTokens new tokens; the settings left out keep their defaults (greedy). */
        public static Builder builder(int maxTokens) { return new Builder(maxTokens); }

        public boolean isGreedy() { return temperature == 0; }

        /** Whether the caller gave this setting (by its HTTP name), as opposed to leaving its default. */
        public boolean given(String setting) { return given.contains(setting); }

        /** Records which settings are given; {@link #build} checks them together. */
        public static final class Builder {
            private final int maxTokens;
            private double temperature;
            private int topK;
            private double topP = 1;
            private long seed;
            private final java.util.Set<String> given = new java.util.HashSet<>();

            private Builder(int maxTokens) { this.maxTokens = maxTokens; }

            /** 0 is greedy; above 0 samples (the logits divided by it). */
            public Builder temperature(double t) { temperature = t; given.add("temperature"); return this; }

            /** Sample among the k most likely tokens (0: all). */
            public Builder topK(int k) { topK = k; given.add("top_k"); return this; }

            /** Sample within the smallest set of tokens holding probability p (1: all). */
            public Builder topP(double p) { topP = p; given.add("top_p"); return this; }

            /** The sampler's seed (input i of a call uses seed + i). */
            public Builder seed(long s) { seed = s; given.add("seed"); return this; }

            /** @throws IllegalArgumentException naming the setting that is out of range or would change nothing */
            public Decoding build() { return new Decoding(maxTokens, temperature, topK, topP, seed, given); }
        }
    }

    /** Class probabilities (rows in the classes' order) and the most probable class, one per input, in order. */
    default Classifications classify(String task, List<Map<String, String>> inputs) {
        throw ApiException.badRequest("task " + task + ": this service runs no classification tasks");
    }

    /** @param task the task's canonical name */
    record Predictions(String task, double[] values) {}

    /**
     * @param task    the task's canonical name
     * @param classes class names (multi-label: the label columns)
     * @param labels  the most probable class per input (multi-label: the columns with p ≥ 0.5, ';'-joined)
     */
    record Classifications(String task, List<String> classes, double[][] probabilities, List<String> labels) {}

    /**
     * @param task        the task's canonical name
     * @param texts       one output per input, in order
     * @param stopReasons why each output ended, one per text (EOS, NEWLINE, MAX_TOKENS or CONTEXT: a generation the
     *                    request's cancellation stopped is refused, never answered)
     */
    record Generations(String task, List<String> texts, List<tagllm.task.TagPredictor.StopReason> stopReasons) {
        public Generations {
            texts = List.copyOf(texts);
            stopReasons = List.copyOf(stopReasons);
            if (texts.size() != stopReasons.size()) {
                throw new IllegalArgumentException(texts.size() + " texts but " + stopReasons.size() + " stop reasons: expected one per text");
            }
        }
    }
}
