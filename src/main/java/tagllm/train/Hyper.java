package tagllm.train;

import tagllm.task.ConfigNode;

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
                    int epochs, int maxSteps, int checkpointEvery, double mseScale, double ceWeight, int logEvery, double headLrScale, int evalEvery) {

    public Hyper(String optimizer, double lr, double weightDecay, double beta1, double beta2, double eps, String schedule,
                 double warmupRatio, int batchSize, int gradAccum, double maxGradNorm, int epochs, int maxSteps, int checkpointEvery,
                 double mseScale, double ceWeight, int logEvery) {
        this(optimizer, lr, weightDecay, beta1, beta2, eps, schedule, warmupRatio, batchSize, gradAccum, maxGradNorm, epochs, maxSteps,
                checkpointEvery, mseScale, ceWeight, logEvery, 1.0, 0);
    }

    public static Hyper paper() {
        return new Hyper("adamw", 1e-4, 0, 0.9, 0.999, 1e-8, "cosine", 0.03, 4, 8, 1.0, 1, 0, 500, 100, 1.0, 1);
    }

    public static final String[] KEYS = {"optimizer", "lr", "weight_decay", "beta1", "beta2", "eps", "schedule",
            "warmup_ratio", "batch_size", "grad_accum", "max_grad_norm", "epochs", "max_steps", "checkpoint_every",
            "mse_scale", "ce_weight", "log_every", "head_lr_scale", "eval_every"};

    /** Reads the keys present in c, the others from base. */
    public static Hyper read(ConfigNode c, Hyper base) {
        Hyper h = new Hyper(
                c.string("optimizer", base.optimizer()),
                c.number("lr", base.lr()),
                c.number("weight_decay", base.weightDecay()),
                c.number("beta1", base.beta1()),
                c.number("beta2", base.beta2()),
                c.number("eps", base.eps()),
                c.string("schedule", base.schedule()),
                c.number("warmup_ratio", base.warmupRatio()),
                c.integer("batch_size", base.batchSize()),
                c.integer("grad_accum", base.gradAccum()),
                c.number("max_grad_norm", base.maxGradNorm()),
                c.integer("epochs", base.epochs()),
                c.integer("max_steps", base.maxSteps()),
                c.integer("checkpoint_every", base.checkpointEvery()),
                c.number("mse_scale", base.mseScale()),
                c.number("ce_weight", base.ceWeight()),
                c.integer("log_every", base.logEvery()),
                c.number("head_lr_scale", base.headLrScale()),
                c.integer("eval_every", base.evalEvery()));
        if (!(h.lr >= 0)) throw c.error("lr", "must be >= 0");
        if (h.batchSize < 1) throw c.error("batch_size", "must be at least 1");
        if (h.gradAccum < 1) throw c.error("grad_accum", "must be at least 1");
        if (h.epochs < 1 && h.maxSteps < 1) throw c.error("epochs", "give epochs >= 1 or max_steps >= 1");
        if (h.maxSteps < 0) throw c.error("max_steps", "must be >= 0 (0 = from epochs)");
        if (h.checkpointEvery < 0) throw c.error("checkpoint_every", "must be >= 0 (0 = none)");
        if (h.logEvery < 1) throw c.error("log_every", "must be at least 1");
        if (!(h.headLrScale >= 0) || !Double.isFinite(h.headLrScale)) throw c.error("head_lr_scale", "must be a number >= 0");
        if (h.evalEvery < 0) throw c.error("eval_every", "must be >= 0 (0 = no validation during training)");
        try {
            Optimizer.create(h.optimizer, h.weightDecay, h.beta1, h.beta2, h.eps);
            LrSchedule.of(h.schedule, h.lr, h.warmupRatio, 10);
        } catch (IllegalArgumentException e) {
            throw c.error(null, e.getMessage());
        }
        return h;
    }

    /** The same hyper-parameters for a run of exactly this many optimizer steps (compare gives baselines a task's share). */
    public Hyper withMaxSteps(int steps) {
        return new Hyper(optimizer, lr, weightDecay, beta1, beta2, eps, schedule, warmupRatio, batchSize, gradAccum, maxGradNorm, epochs, steps,
                checkpointEvery, mseScale, ceWeight, logEvery, headLrScale, evalEvery);
    }

    /** Optimizer steps for n examples: max_steps, else epochs over micro-batches of batch_size, grad_accum per step. */
    public int totalSteps(int n) {
        int micro = (n + batchSize - 1) / batchSize;
        return maxSteps > 0 ? maxSteps : (int) Math.max(1, ((long) epochs * micro + gradAccum - 1) / gradAccum);
    }

    public Optimizer newOptimizer() { return Optimizer.create(optimizer, weightDecay, beta1, beta2, eps); }
}
