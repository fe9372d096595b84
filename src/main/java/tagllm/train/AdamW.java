package tagllm.train;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW as torch.optim.AdamW computes it: decoupled weight decay p ← p − lr·wd·p, then
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε). The paper: lr 1e-4, weight decay 0.
 * {@link #adam} is torch.optim.Adam instead (optimizer: adam): the decay is an L2 term added to the gradient,
 * g ← g + wd·p, before the moments, so Adam's scaling applies to it too.
 */
public final class AdamW implements Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final boolean decoupled;
    private final Map<String, float[]> m = new HashMap<>();
    private final Map<String, float[]> v = new HashMap<>();
    private long t;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this(beta1, beta2, eps, weightDecay, true);
    }

    /** torch.optim.Adam: weight decay as L2 in the gradient (the same as AdamW when it is 0). */
    public static AdamW adam(double beta1, double beta2, double eps, double weightDecay) {
        return new AdamW(beta1, beta2, eps, weightDecay, false);
    }

    private AdamW(double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("AdamW eps must be positive, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    public void step(List<Param> params, double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t), bc2 = Math.sqrt(1 - Math.pow(beta2, t));
        for (Param p : params) {
            double plr = lr * p.lrScale(), stepSize = plr / bc1;
            float[] w = p.value(), g = p.grad();
            float[] mm = m.computeIfAbsent(p.name(), k -> new float[w.length]);
            float[] vv = v.computeIfAbsent(p.name(), k -> new float[w.length]);
            double wd = p.decayed() ? weightDecay : 0;
            for (int i = 0; i < w.length; i++) {
                double wi = w[i];
                double gi = g[i];
                if (wd != 0 && decoupled) wi *= 1 - plr * wd;
                else if (wd != 0) gi += wd * wi;
                double mi = beta1 * mm[i] + (1 - beta1) * gi;
                double vi = beta2 * vv[i] + (1 - beta2) * gi * gi;
                mm[i] = (float) mi;
                vv[i] = (float) vi;
                wi -= stepSize * mi / (Math.sqrt(vi) / bc2 + eps);
                w[i] = (float) wi;
            }
        }
    }

    @Override
    public long steps() { return t; }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m." + k, a));
        v.forEach((k, a) -> s.put("v." + k, a));
        return s;
    }

    @Override
    public void restore(Map<String, float[]> state, long steps) {
        m.clear();
        v.clear();
        state.forEach((k, a) -> {
            if (k.startsWith("m.")) m.put(k.substring(2), a.clone());
            else if (k.startsWith("v.")) v.put(k.substring(2), a.clone());
            else throw new IllegalArgumentException("AdamW state has an unknown entry '" + k + "'");
        });
        t = steps;
    }

    @Override
    public String name() { return decoupled ? "adamw" : "adam"; }
}
