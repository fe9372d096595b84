package tagllm.train;

import java.util.List;

/** Clipping by global norm (torch.nn.utils.clip_grad_norm_): one scale for all gradients together. */
public final class GradClip {
    private GradClip() {}

    public static double globalNorm(List<Param> params) {
        double s = 0;
        for (Param p : params) for (float g : p.grad()) s += (double) g * g;
        return Math.sqrt(s);
    }

    /** Scales gradients so their global norm is at most maxNorm (no-op when maxNorm ≤ 0); returns the norm before. */
    public static double clip(List<Param> params, double maxNorm) {
        double norm = globalNorm(params);
        if (maxNorm > 0 && norm > maxNorm) {
            float c = (float) (maxNorm / (norm + 1e-6));
            for (Param p : params) {
                float[] g = p.grad();
                for (int i = 0; i < g.length; i++) g[i] *= c;
            }
        }
        return norm;
    }
}
