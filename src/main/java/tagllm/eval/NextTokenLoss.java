package tagllm.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A mean next-token cross-entropy (nats per token) and its perplexity as eval (a language-model task) and perplexity
 * report them: one rule for both, so a loss that is not finite reads the same in either. A value that is not a finite
 * number has no value (JSON null: Jackson would write the string "NaN" or "Infinity") and a line saying why.
 *
 * @param overflowCause what made the forward pass overflow, in the reason's words (eval's model may carry trained tags)
 */
public record NextTokenLoss(double loss, String overflowCause) {
    public double perplexity() { return Math.exp(loss); }

    /** next_token_loss and perplexity, in that order, as numbers that may be NaN or infinite. */
    public Map<String, Double> metrics() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("next_token_loss", loss);
        m.put("perplexity", perplexity());
        return m;
    }

    /** Why a metric has no value, one line each ("name: reason"); none when both are finite. */
    public List<String> undefined() {
        List<String> why = new ArrayList<>();
        if (!Double.isFinite(loss)) {
            why.add("next_token_loss: the mean token loss is " + loss + ": the forward pass overflowed (" + overflowCause + ")");
            why.add("perplexity: exp(next_token_loss), undefined with it");
        } else if (!Double.isFinite(perplexity())) {
            why.add("perplexity: exp(" + loss + ") is beyond the largest double (a loss above 709.78 nats)");
        }
        return why;
    }
}
