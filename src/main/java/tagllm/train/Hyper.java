package tagllm.train;

import tagllm.config.ConfigNode;

/**
 * Training hyper-parameters of a stage. Defaults are the paper's (A.1.1): AdamW, lr 1e-4, weight decay
 * 0, cosine schedule with warmup ratio 0.03, batch 4 with gradient accumulation 8, and the Hugging Face
 * Trainer's clipping at global norm 1.0 and checkpoints every 500 steps. mse_scale 100 is the official
 * code's MSELoss()·100. Two options beyond the paper: head_lr_scale multiplies the learning rate of heads
 * (a head is a linear fit that wants smaller steps than the tags feeding it), and eval_every > 0 scores
 * the validation split every that many steps and keeps the tags and heads that scored best (early
 * stopping by validation, per function tag when the trained tags are independent; the test split is
 * never looked at).
 */
public record Hyper(String optimizer, double lr, double weightDecay, double beta1, double beta2, double eps,
                    String schedule, double warmupRatio, int batchSize, int gradAccum, double maxGradNorm,
                    int epochs, int maxSteps, int checkpointEvery, double mseScale, double ceWeight, int logEvery, double headLrScale, int evalEvery)
        implements java.io.Serializable {

    /** The paper's hyper-parameters (A.1.1), as the class comment lists them. */
    public static Hyper paper() {
        return new Builder().optimizer("adamw").lr(1e-4).weightDecay(0).beta1(0.9).beta2(0.999).eps(1e-8)
                .schedule("cosine").warmupRatio(0.03).batchSize(4).gradAccum(8).maxGradNorm(1.0).epochs(1).maxSteps(0)
                .checkpointEvery(500).mseScale(100).ceWeight(1.0).logEvery(1).headLrScale(1.0).evalEvery(0).build();
    }

    /** A builder starting from these values: set what differs by name, then {@link Builder#build()}. */
    public Builder toBuilder() { return new Builder(this); }

    public static final String[] KEYS = {"optimizer", "lr", "weight_decay", "beta1", "beta2", "eps", "schedule",
            "warmup_ratio", "batch_size", "grad_accum", "max_grad_norm", "epochs", "max_steps", "checkpoint_every",
            "mse_scale", "ce_weight", "log_every", "head_lr_scale", "eval_every"};

    /**
     * The values under the experiment file's names (KEYS, in their order), as run.json and the tag files' provenance
     * record them: the record's Java names (maxSteps) were camelCase in files that are otherwise snake_case.
     */
    public com.fasterxml.jackson.databind.node.ObjectNode toJson() {
        var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("optimizer", optimizer).put("lr", lr).put("weight_decay", weightDecay).put("beta1", beta1).put("beta2", beta2)
                .put("eps", eps).put("schedule", schedule).put("warmup_ratio", warmupRatio).put("batch_size", batchSize)
                .put("grad_accum", gradAccum).put("max_grad_norm", maxGradNorm).put("epochs", epochs).put("max_steps", maxSteps)
                .put("checkpoint_every", checkpointEvery).put("mse_scale", mseScale).put("ce_weight", ceWeight)
                .put("log_every", logEvery).put("head_lr_scale", headLrScale).put("eval_every", evalEvery);
        return o;
    }

    /**
     * Renames, in place, the keys of {@code holder}'s "hyper" object as the experiment file spells them: run.json's
     * stages and tag files' provenance written before ee0ca2d recorded them by the Java names (maxSteps). A holder
     * without a "hyper" object is left as it is.
     */
    public static void snakeCaseKeysOfHyperIn(com.fasterxml.jackson.databind.node.ObjectNode holder) {
        if (!(holder.path("hyper") instanceof com.fasterxml.jackson.databind.node.ObjectNode hyper)) return;
        var renamed = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        hyper.properties().forEach(e -> renamed.set(snakeCase(e.getKey()), e.getValue()));
        holder.set("hyper", renamed);
    }

    /** A Java name as the experiment file spells it (maxSteps: max_steps); others as they are. */
    public static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Reads the keys present in c, the others from base. */
    public static Hyper read(ConfigNode c, Hyper base) {
        Hyper h = base.toBuilder()
                .optimizer(c.string("optimizer", base.optimizer()))
                .lr(c.number("lr", base.lr()))
                .weightDecay(c.number("weight_decay", base.weightDecay()))
                .beta1(c.number("beta1", base.beta1()))
                .beta2(c.number("beta2", base.beta2()))
                .eps(c.number("eps", base.eps()))
                .schedule(c.string("schedule", base.schedule()))
                .warmupRatio(c.number("warmup_ratio", base.warmupRatio()))
                .batchSize(c.integer("batch_size", base.batchSize()))
                .gradAccum(c.integer("grad_accum", base.gradAccum()))
                .maxGradNorm(c.number("max_grad_norm", base.maxGradNorm()))
                .epochs(c.integer("epochs", base.epochs()))
                .maxSteps(c.integer("max_steps", base.maxSteps()))
                .checkpointEvery(c.integer("checkpoint_every", base.checkpointEvery()))
                .mseScale(c.number("mse_scale", base.mseScale()))
                .ceWeight(c.number("ce_weight", base.ceWeight()))
                .logEvery(c.integer("log_every", base.logEvery()))
                .headLrScale(c.number("head_lr_scale", base.headLrScale()))
                .evalEvery(c.integer("eval_every", base.evalEvery()))
                .build();
        if (h.batchSize < 1) throw c.error("batch_size", "must be at least 1");
        if (h.gradAccum < 1) throw c.error("grad_accum", "must be at least 1");
        if (h.epochs < 1 && h.maxSteps < 1) throw c.error("epochs", "give epochs >= 1 or max_steps >= 1");
        if (h.maxSteps < 0) throw c.error("max_steps", "must be >= 0 (0 = from epochs)");
        if (h.checkpointEvery < 0) throw c.error("checkpoint_every", "must be >= 0 (0 = none)");
        if (h.logEvery < 1) throw c.error("log_every", "must be at least 1");
        if (!(h.headLrScale >= 0) || !Double.isFinite(h.headLrScale)) throw c.error("head_lr_scale", "must be a number >= 0");
        if (h.evalEvery < 0) throw c.error("eval_every", "must be >= 0 (0 = no validation during training)");
        // ranges that keep a typo from running for days or silently doing nothing (the allowed range is named)
        // lr 0 trained nothing: every step left the tags and heads where they started, and the run said it had trained
        if (!(h.lr > 0 && h.lr <= 10)) throw c.error("lr", "must be a number in (0, 10] (0 would train nothing), got " + h.lr);
        if (!(h.mseScale >= 0) || !Double.isFinite(h.mseScale)) throw c.error("mse_scale", "must be a finite number >= 0, got " + h.mseScale);
        if (!(h.ceWeight >= 0) || !Double.isFinite(h.ceWeight)) throw c.error("ce_weight", "must be a finite number >= 0, got " + h.ceWeight);
        if (!(h.maxGradNorm >= 0) || !Double.isFinite(h.maxGradNorm)) {
            throw c.error("max_grad_norm", "must be a finite number >= 0 (0 = no clipping), got " + h.maxGradNorm);
        }
        if (!(h.warmupRatio >= 0 && h.warmupRatio <= 1)) throw c.error("warmup_ratio", "must be in [0, 1], got " + h.warmupRatio);
        if (!(h.weightDecay >= 0) || !Double.isFinite(h.weightDecay)) throw c.error("weight_decay", "must be a finite number >= 0, got " + h.weightDecay);
        if (h.batchSize > 65_536) throw c.error("batch_size", "must be in 1..65536, got " + h.batchSize);
        if (h.gradAccum > 65_536) throw c.error("grad_accum", "must be in 1..65536, got " + h.gradAccum);
        // a negative count passed beside max_steps (which then decides): refused as the typo it is
        if (h.epochs < 0 || h.epochs > 100_000) throw c.error("epochs", "must be in 0..100000 (0 with max_steps), got " + h.epochs);
        // checked here, field by field, so that the error names the key rather than the whole stage
        if (!(h.beta1 >= 0 && h.beta1 < 1)) throw c.error("beta1", "must be in [0, 1), got " + h.beta1);
        if (!(h.beta2 >= 0 && h.beta2 < 1)) throw c.error("beta2", "must be in [0, 1), got " + h.beta2);
        if (!(h.eps > 0) || !Double.isFinite(h.eps)) throw c.error("eps", "must be a finite number > 0, got " + h.eps);
        try {
            Optimizer.create(h.optimizer, h.weightDecay, h.beta1, h.beta2, h.eps);
        } catch (IllegalArgumentException e) {
            throw c.error("optimizer", e.getMessage());
        }
        try {
            LrSchedule.of(h.schedule, h.lr, h.warmupRatio, 10);
        } catch (IllegalArgumentException e) {
            throw c.error("schedule", e.getMessage());
        }
        return h;
    }

    /** The same hyper-parameters for a run of exactly this many optimizer steps (compare gives baselines a task's share). */
    public Hyper withMaxSteps(int steps) {
        return toBuilder().maxSteps(steps).build();
    }

    /** Optimizer steps for n examples: max_steps, else epochs over micro-batches of batch_size, grad_accum per step. */
    public int totalSteps(int n) {
        int micro = (n + batchSize - 1) / batchSize;
        return maxSteps > 0 ? maxSteps : (int) Math.max(1, ((long) epochs * micro + gradAccum - 1) / gradAccum);
    }

    /** Hyper-parameters by name (the YAML keys in camel case); start from {@link #paper()} or another set. */
    public static final class Builder {
        private String optimizer, schedule;
        private double lr, weightDecay, beta1, beta2, eps, warmupRatio, maxGradNorm, mseScale, ceWeight, headLrScale;
        private int batchSize, gradAccum, epochs, maxSteps, checkpointEvery, logEvery, evalEvery;

        private Builder() {}

        private Builder(Hyper h) {
            optimizer = h.optimizer;
            lr = h.lr;
            weightDecay = h.weightDecay;
            beta1 = h.beta1;
            beta2 = h.beta2;
            eps = h.eps;
            schedule = h.schedule;
            warmupRatio = h.warmupRatio;
            batchSize = h.batchSize;
            gradAccum = h.gradAccum;
            maxGradNorm = h.maxGradNorm;
            epochs = h.epochs;
            maxSteps = h.maxSteps;
            checkpointEvery = h.checkpointEvery;
            mseScale = h.mseScale;
            ceWeight = h.ceWeight;
            logEvery = h.logEvery;
            headLrScale = h.headLrScale;
            evalEvery = h.evalEvery;
        }

        public Builder optimizer(String v) { optimizer = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder gradAccum(int v) { gradAccum = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder maxSteps(int v) { maxSteps = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder mseScale(double v) { mseScale = v; return this; }
        public Builder ceWeight(double v) { ceWeight = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder headLrScale(double v) { headLrScale = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }

        public Hyper build() {
            return new Hyper(optimizer, lr, weightDecay, beta1, beta2, eps, schedule, warmupRatio, batchSize, gradAccum,
                    maxGradNorm, epochs, maxSteps, checkpointEvery, mseScale, ceWeight, logEvery, headLrScale, evalEvery);
        }
    }

    public Optimizer newOptimizer() { return Optimizer.create(optimizer, weightDecay, beta1, beta2, eps); }
}
