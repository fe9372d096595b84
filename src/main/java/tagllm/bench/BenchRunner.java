package tagllm.bench;

import tagllm.model.Generator;
import tagllm.model.LayerWeights;
import tagllm.model.ModelConfig;
import tagllm.model.PackedBatch;
import tagllm.model.Sampler;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tensor.Matrix;
import tagllm.tensor.StepProfile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.EnumMap;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/** Times the tag training step, the forward-only prefill and greedy decoding of one model; median of repeats after warm-up. */
public final class BenchRunner {
    /**
     * TRAIN: the tag step; TRAIN_LORA ("train-lora"): compare's LoRA step on the same shapes; PREDICT: batch prediction
     * of many short molecules with tags and a regression head ({@link PredictWork}).
     */
    public enum Work {
        TRAIN, TRAIN_LORA, PREFILL, DECODE, PREDICT;

        /** The name on the command line and in the JSON: train, train-lora, prefill, decode. */
        public String label() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }

        public static Work parse(String s) { return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_')); }
    }

    /**
     * profile: time the phases of each work's timed runs ({@link StepProfile}) into {@link Timing#profile}; molecules
     * and smilesTokens: the predict work's prompts.
     */
    public record Options(int batch, int length, int p, int promptTokens, int decodeTokens, int warmup, int repeats,
                          Set<Work> work, long seed, boolean profile, int molecules, int smilesTokens) {
        public Options {
            if (molecules < 1) throw new IllegalArgumentException("--molecules must be at least 1, got " + molecules);
            if (smilesTokens < 1) throw new IllegalArgumentException("--smiles-tokens must be at least 1, got " + smilesTokens);
            if (batch < 1) throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
            if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
            if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
            if (promptTokens < 1) throw new IllegalArgumentException("--prompt must be at least 1, got " + promptTokens);
            if (decodeTokens < 1) throw new IllegalArgumentException("--decode must be at least 1, got " + decodeTokens);
            work = work.isEmpty() ? EnumSet.noneOf(Work.class) : EnumSet.copyOf(work);
            // checked here, before a model is loaded or drawn (seconds to minutes for a large one), not by the works
            boolean tagStep = work.contains(Work.TRAIN) || work.contains(Work.TRAIN_LORA) || work.contains(Work.PREFILL);
            if ((tagStep || work.contains(Work.PREDICT)) && p < 1) throw new IllegalArgumentException("--p must be at least 1, got " + p);
            int least = 2 * p + TagStepWork.BEFORE_DOMAIN + TagStepWork.AFTER_FUNCTION + 1;
            if (tagStep && length < least) {
                throw new IllegalArgumentException("--seq " + length + " leaves no room for the input: train, train-lora and prefill need at "
                        + "least 2·p + " + (least - 2 * p) + " = " + least + " positions (" + TagStepWork.BEFORE_DOMAIN
                        + " tokens, a domain tag of p slots, at least one input token, a function tag of p slots, "
                        + TagStepWork.AFTER_FUNCTION + " tokens)");
            }
        }

        /** That the works' sequences fit the model's context; checked before its weights are drawn or loaded. */
        public void checkContext(ModelConfig c) {
            int context = c.maxPositions();
            if ((work.contains(Work.TRAIN) || work.contains(Work.TRAIN_LORA) || work.contains(Work.PREFILL)) && length > context) {
                throw new IllegalArgumentException("--seq " + length + " exceeds the model's context of " + context + " positions");
            }
            if (work.contains(Work.PREDICT) && PredictWork.length(smilesTokens, p) > context) {
                throw new IllegalArgumentException("a predict prompt of " + PredictWork.length(smilesTokens, p) + " positions (--smiles-tokens "
                        + smilesTokens + ", --p " + p + ") exceeds the model's context of " + context + " positions");
            }
            if (work.contains(Work.DECODE) && promptTokens + decodeTokens + 1 > context) {
                throw new IllegalArgumentException("--prompt " + promptTokens + " + --decode " + decodeTokens
                        + " tokens exceed the model's context of " + context + " positions");
            }
        }
    }

    /**
     * One measured kind of work: seconds per run (median, min, max over the repeats), throughput, and the GFLOP of one
     * run as {@link FlopCount} counts them (examplesPerS is NaN where it does not apply); {@code each} holds every
     * timed run's seconds, in the order they ran; {@code profile} the mean per timed run by phase, [forward, backward,
     * forward idle, backward idle] seconds (idle: the pool's threads waiting inside the phase's parallel calls) and
     * [forward, backward] GFLOP of the matrix products the phase ran (see {@link StepProfile}; empty unless profiled).
     * gcCount and gcSeconds: the garbage collections during the timed runs and their time, per run. A warmed-up step
     * makes almost no garbage, so more than a collection or so per run means vectors are being boxed somewhere (a
     * Vector API call the JIT did not intrinsify): the timings then measure that, not the kernels.
     */
    public record Timing(Work work, double seconds, double minSeconds, double maxSeconds, int repeats,
                         double tokens, double tokensPerS, double examplesPerS, double gflop, double gflops, double[] each,
                         Map<StepProfile.Phase, double[]> profile, double gcCount, double gcSeconds) {
        /** Mean seconds of a timed run (what the phases add up to, with what no phase covers). */
        public double meanSeconds() { return Arrays.stream(each).average().orElse(Double.NaN); }
    }

    /** The phases of the last timed runs (see {@link #time}). */
    private Map<StepProfile.Phase, double[]> lastProfile = Map.of();
    /** Collections and their seconds per run during the last timed runs (see {@link #time}). */
    private double lastGcCount, lastGcSeconds;

    private final Transformer model;
    private final Options o;
    private final Consumer<String> progress;

    public BenchRunner(Transformer model, Options options, Consumer<String> progress) {
        this.model = model;
        this.o = options;
        this.progress = progress == null ? s -> { } : progress;
    }

    public List<Timing> run() {
        List<Timing> out = new ArrayList<>();
        TagStepWork step = null;
        if (o.work().contains(Work.TRAIN) || o.work().contains(Work.PREFILL)) {
            step = new TagStepWork(model, o.batch(), o.length(), o.p(), o.seed());
        }
        ModelConfig c = model.config();
        if (o.work().contains(Work.PREFILL)) {
            TagStepWork s = step;
            startWork();
            progress.accept("prefill: " + o.batch() + " × " + o.length() + " positions, forward only");
            double[] t = time(() -> sink(s.prefill()));
            double flop = FlopCount.forward(c, s.fullBatch());
            out.add(timing(Work.PREFILL, t, (double) o.batch() * o.length(), o.batch(), flop));
        }
        if (o.work().contains(Work.TRAIN)) {
            TagStepWork s = step;
            startWork();
            progress.accept("train: " + o.batch() + " × " + o.length() + " positions, p = " + o.p());
            double[] t = time(() -> {
                double loss = s.trainStep();
                if (!Double.isFinite(loss)) throw new IllegalStateException("the benchmark's training loss became " + loss);
            });
            PackedBatch b = s.trainBatch();
            int[] read = s.trainReadRows();
            double flop = FlopCount.forward(c, b, read) + FlopCount.backward(c, b, read);
            Timing tt = timing(Work.TRAIN, t, (double) o.batch() * o.length(), o.batch(), flop);
            out.add(0, tt);
        }
        if (o.work().contains(Work.TRAIN_LORA)) {
            startWork();
            LoraStepWork s = new LoraStepWork(model, o.batch(), o.length(), o.p(), o.seed());
            progress.accept("train-lora: " + o.batch() + " × " + o.length() + " positions, LoRA r " + LoraStepWork.RANK + " on q and v, "
                    + s.adapters().parameterCount() + " adapter weights");
            double[] t = time(() -> {
                double loss = s.trainStep();
                if (!Double.isFinite(loss)) throw new IllegalStateException("the benchmark's LoRA training loss became " + loss);
            });
            PackedBatch b = s.trainBatch();
            int[] read = s.trainReadRows();
            double flop = FlopCount.forward(c, b, read) + FlopCount.backward(c, b, read) + FlopCount.lora(c, LoraStepWork.RANK, b, read);
            // beside the tag step: train, then train-lora, then the others
            out.add(o.work().contains(Work.TRAIN) ? 1 : 0, timing(Work.TRAIN_LORA, t, (double) o.batch() * o.length(), o.batch(), flop));
        }
        if (o.work().contains(Work.PREDICT)) {
            startWork();
            PredictWork s = new PredictWork(model, o.molecules(), o.smilesTokens(), o.p(), o.seed());
            progress.accept("predict: " + s.molecules() + " molecules of " + s.length() + " positions (QED template, "
                    + o.smilesTokens() + " SMILES tokens, p = " + o.p() + "), regression head");
            double[] t = time(() -> {
                double[] v = s.predict();
                if (!Double.isFinite(v[v.length - 1])) throw new IllegalStateException("the benchmark's prediction became " + v[v.length - 1]);
            });
            double flop = 0;
            for (PredictWork.PackedChunk ch : s.chunks()) flop += FlopCount.forward(c, ch.batch(), ch.readRows());
            out.add(timing(Work.PREDICT, t, (double) s.molecules() * s.length(), s.molecules(), flop));
        }
        if (o.work().contains(Work.DECODE)) {
            if (o.promptTokens() + o.decodeTokens() + 1 > c.maxPositions()) {
                throw new IllegalArgumentException("prompt + decoded tokens exceed the model's context of " + c.maxPositions());
            }
            startWork();
            progress.accept("decode: " + o.promptTokens() + "-token prompt, " + o.decodeTokens() + " new tokens, greedy");
            int[] prompt = new SplittableRandom(o.seed() + 1).ints(o.promptTokens(), 0, c.vocabSize()).toArray();
            Generator g = new Generator(model);
            // The peer's work: the prompt, then N decode steps, each followed by an LM head and argmax (N + 1 in all).
            double[] t = time(() -> g.generate(prompt, o.decodeTokens() + 1, Sampler.greedy(), null, null));
            double flop = FlopCount.prefill(c, o.promptTokens()) + FlopCount.lmHead(c, 1);
            for (int i = 0; i < o.decodeTokens(); i++) flop += FlopCount.decodeStep(c, o.promptTokens() + i);
            out.add(timing(Work.DECODE, t, o.decodeTokens(), Double.NaN, flop));
        }
        return out;
    }

    /**
     * Each work starts from a collected heap without the previous work's pooled arrays: what the earlier works left
     * behind (their buffers, the random weights' generation) is freed and its memory reused, so the peak resident
     * memory reported is that of the heaviest work, not the sum of their leftovers.
     */
    private void startWork() {
        model.releaseBuffers();
        System.gc();
    }

    /** Peak bytes of activation and gradient buffers the model had in use at once (see Transformer). */
    public long activationBytes() { return model.activationHighWaterBytes(); }

    private double[] time(Runnable r) {
        for (int i = 0; i < o.warmup(); i++) r.run();
        double[] t = new double[o.repeats()];
        if (o.profile()) StepProfile.start();
        long[] gc0 = collections();
        try {
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                r.run();
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        } finally {
            long[] gc1 = collections();
            lastGcCount = (double) (gc1[0] - gc0[0]) / Math.max(1, t.length);
            lastGcSeconds = (gc1[1] - gc0[1]) / 1e3 / Math.max(1, t.length);
            if (o.profile()) {
                StepProfile.stop();
                lastProfile = new EnumMap<>(StepProfile.Phase.class);
                StepProfile.seconds().forEach((ph, s) -> {
                    double[] perRun = s.clone();
                    for (int i = 0; i < perRun.length; i++) perRun[i] /= t.length;
                    lastProfile.put(ph, perRun);
                });
            }
        }
        return t;
    }

    private Timing timing(Work w, double[] t, double tokens, double examples, double flop) {
        double[] s = t.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Timing(w, median, s[0], s[n - 1], n, tokens, tokens / median, examples / median, flop / 1e9, flop / 1e9 / median,
                t.clone(), lastProfile, lastGcCount, lastGcSeconds);
    }

    /** Collections so far and their milliseconds, over every collector of this JVM (-1 counts as 0: not reported). */
    private static long[] collections() {
        long count = 0, millis = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[]{count, millis};
    }

    private static volatile float sinkValue;

    private static void sink(float v) { sinkValue += v; }

    /** Bytes of all weights (a tied LM head counted once). */
    public static long weightBytes(Weights w) {
        long b = w.embedTokens().bytes() + 4L * w.finalNorm().length;
        for (LayerWeights l : w.layers()) {
            for (Matrix m : l.matrices()) b += m.bytes();
            b += 4L * (l.inputNorm().length + l.postAttentionNorm().length);
            for (float[] bias : new float[][]{l.qBias(), l.kBias(), l.vBias()}) if (bias != null) b += 4L * bias.length;
        }
        // A tied head is the embedding itself, counted once; with BF16 compute a BF16 embedding is read from the head's
        // copy (the same object), an F32 one stays beside the head's BF16 copy.
        if (w.lmHead() != w.embedTokens()) b += w.lmHead().bytes();
        return b;
    }
}
