package tagllm.model;

/**
 * RoPE inverse frequencies of a config: rope_theta^(-2j/head_dim), then the config's rope_scaling
 * (linear: divided by the factor; llama3: low frequencies divided by the factor, high ones kept, a smooth
 * blend between, as in Hugging Face's _compute_llama3_parameters). Computed in double.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {}

    public static double[] of(ModelConfig c) {
        int d = c.headDim(), half = d / 2;
        double[] f = new double[half];
        for (int j = 0; j < half; j++) f[j] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * j) / d);
        ModelConfig.RopeScaling s = c.ropeScaling();
        if (s == null) return f;
        switch (s.type()) {
            case "linear" -> {
                for (int j = 0; j < half; j++) f[j] /= s.factor();
            }
            case "llama3" -> {
                double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
                double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
                for (int j = 0; j < half; j++) {
                    double wavelen = 2 * Math.PI / f[j];
                    if (wavelen < highWavelen) continue;
                    if (wavelen > lowWavelen) {
                        f[j] /= s.factor();
                    } else {
                        double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                                / (s.highFreqFactor() - s.lowFreqFactor());
                        f[j] = (1 - smooth) * f[j] / s.factor() + smooth * f[j];
                    }
                }
            }
            default -> throw new ModelFormatException("rope_scaling type '" + s.type() + "' is not supported (llama3, linear)");
        }
        return f;
    }
}
