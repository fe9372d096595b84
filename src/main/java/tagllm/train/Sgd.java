package tagllm.train;

import java.util.List;
import java.util.Map;

/** Plain stochastic gradient descent, p ← p − lr·(g + wd·p); stateless apart from the step count. */
public final class Sgd implements Optimizer {
    private final double weightDecay;
    private long t;

    public Sgd(double weightDecay) {
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Param> params, double lr) {
        t++;
        for (Param p : params) {
            float[] w = p.value(), g = p.grad();
            double plr = lr * p.lrScale(), wd = p.decayed() ? weightDecay : 0;
            for (int i = 0; i < w.length; i++) w[i] = (float) (w[i] - plr * (g[i] + wd * w[i]));
        }
    }

    @Override
    public long steps() { return t; }

    @Override
    public Map<String, float[]> state() { return Map.of(); }

    @Override
    public void restore(Map<String, float[]> state, long steps) {
        if (!state.isEmpty()) throw new IllegalArgumentException("SGD has no state, the checkpoint has " + state.keySet());
        t = steps;
    }

    @Override
    public String name() { return "sgd"; }
}
