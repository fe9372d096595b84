package tagllm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Checks corpus-metric arguments and turns sacreBLEU's reference layout (a list of reference <em>streams</em>,
 * each parallel to the hypotheses) into one list of references per hypothesis.
 */
final class ReferenceStreams {
    private ReferenceStreams() {}

    /**
     * @return for each hypothesis i, the preprocessed non-null references refs.get(k).get(i)
     * @throws IllegalArgumentException on null or mismatched arguments, or a hypothesis without any reference
     */
    static List<List<String>> perSegment(List<String> hyps, List<List<String>> refs, UnaryOperator<String> preprocess) {
        if (hyps == null) throw new IllegalArgumentException("hypotheses must not be null");
        if (refs == null || refs.isEmpty()) throw new IllegalArgumentException("no reference streams given");
        if (hyps.isEmpty()) throw new IllegalArgumentException("no hypotheses given");
        for (int i = 0; i < hyps.size(); i++) {
            if (hyps.get(i) == null) throw new IllegalArgumentException("hypothesis " + i + " is null");
        }
        for (int k = 0; k < refs.size(); k++) {
            List<String> stream = refs.get(k);
            if (stream == null) throw new IllegalArgumentException("reference stream " + k + " is null");
            if (stream.size() != hyps.size()) {
                throw new IllegalArgumentException("reference stream " + k + " has " + stream.size()
                        + " segments but there are " + hyps.size() + " hypotheses (each stream must be parallel to the hypotheses)");
            }
        }
        List<List<String>> out = new ArrayList<>(hyps.size());
        for (int i = 0; i < hyps.size(); i++) {
            List<String> segRefs = new ArrayList<>(refs.size());
            // a null entry means "no k-th reference for this segment" (sacreBLEU's variable reference count)
            for (List<String> stream : refs) if (stream.get(i) != null) segRefs.add(preprocess.apply(stream.get(i)));
            if (segRefs.isEmpty()) throw new IllegalArgumentException("hypothesis " + i + " has no reference (all streams are null there)");
            out.add(segRefs);
        }
        return out;
    }
}
