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
     * How to pick each new token: temperature 0 is greedy (top_k, top_p and seed then play no part).
     *
     * @param topK 0 for no limit
     * @param topP 1 for no limit
     */
    record Decoding(int maxTokens, double temperature, int topK, double topP, long seed) {
        public static Decoding greedy(int maxTokens) { return new Decoding(maxTokens, 0, 0, 1, 0); }

        public boolean isGreedy() { return temperature == 0; }
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
