package tagllm.train;

/**
 * Learning rate per optimizer step (0-based), as Hugging Face's schedulers compute it: linear warmup
 * from 0 over the first warmup steps, then constant, linear decay or cosine decay to 0 at total steps.
 * The paper: cosine with warmup ratio 0.03.
 */
public record LrSchedule(Kind kind, double peak, int warmupSteps, int totalSteps) {
    public enum Kind { CONSTANT, LINEAR, COSINE }

    public LrSchedule {
        if (!(peak >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + peak);
        if (warmupSteps < 0 || totalSteps < 1) throw new IllegalArgumentException("bad schedule: warmup " + warmupSteps + ", total " + totalSteps);
    }

    public static LrSchedule of(String kind, double peak, double warmupRatio, int totalSteps) {
        Kind k = switch (kind.toLowerCase(java.util.Locale.ROOT)) {
            case "constant" -> Kind.CONSTANT;
            case "linear" -> Kind.LINEAR;
            case "cosine" -> Kind.COSINE;
            default -> throw new IllegalArgumentException("schedule '" + kind + "' is not known (constant, linear, cosine)");
        };
        // 1 is allowed, as Hugging Face's TrainingArguments allow it: the whole run warms up
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
        return new LrSchedule(k, peak, (int) Math.ceil(warmupRatio * totalSteps), totalSteps);
    }

    public double lr(int step) {
        if (step < warmupSteps) return peak * step / Math.max(1, warmupSteps);
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (kind) {
            case CONSTANT -> peak;
            case LINEAR -> peak * Math.max(0, 1 - progress);
            case COSINE -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
        };
    }
}
