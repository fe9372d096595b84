package tagllm.train;

import java.util.List;
import java.util.Map;

/** Updates parameters from their gradients; its state is saved in checkpoints to resume exactly. */
public interface Optimizer {
    void step(List<Param> params, double lr);

    /** Number of steps taken so far. */
    long steps();

    /** State arrays by name, for checkpoints (copies not needed: written out before the next step). */
    Map<String, float[]> state();

    void restore(Map<String, float[]> state, long steps);

    String name();

    static Optimizer create(String name, double weightDecay, double beta1, double beta2, double eps) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "adamw" -> new AdamW(beta1, beta2, eps, weightDecay);
            // torch.optim.Adam: with weight decay it is not AdamW (L2 in the gradient, not decoupled)
            case "adam" -> AdamW.adam(beta1, beta2, eps, weightDecay);
            case "sgd" -> new Sgd(weightDecay);
            default -> throw new IllegalArgumentException("optimizer '" + name + "' is not known (adamw, adam, sgd)");
        };
    }
}
