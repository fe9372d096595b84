package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.bench.BenchRunner;
import tagllm.bench.BenchShape;
import tagllm.bench.MachineInfo;
import tagllm.bench.PeakFlops;
import tagllm.model.Model;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tensor.Parallel;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times a Tag-LLM training step, a forward-only prefill and greedy decoding (median of repeats after "
                + "warm-up) on a model folder, or on random weights of a config or named shape; prints tokens/s, "
                + "examples/s, GFLOP/s and their share of the machine's FP32 peak (and BF16 peak with --compute bf16), "
                + "measured here with an FMA (dot-product) loop before and after the works; shares are of the higher.")
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "model folder or Hugging Face Hub id")
    String model;

    @Option(names = "--config", description = "config.json of a model to benchmark with random weights")
    Path config;

    @Option(names = "--shape", description = "a named shape with random weights: smollm2-135m, tinyllama-1.1b or tiny "
            + "(as in shared/bench/torch_tagstep.py)")
    String shape;

    @CommandLine.Mixin
    ComputeOption compute = new ComputeOption();

    @Option(names = "--dtype", defaultValue = "f32", description = "random weights (--config, --shape) stored as f32 or bf16; refused with --model, "
            + "whose weights are timed as stored (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--batch", defaultValue = "8", description = "examples per training step / prefill (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "positions per example, tags included (default: ${DEFAULT-VALUE})")
    int seq;

    @Option(names = "--p", defaultValue = "10", description = "slots per tag (default: ${DEFAULT-VALUE})")
    int p;

    @Option(names = "--prompt", defaultValue = "16", description = "prompt tokens before decoding (default: ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = "--decode", defaultValue = "64", description = "tokens to decode (default: ${DEFAULT-VALUE})")
    int decode;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed runs of each work first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs of each work; the median is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--work", split = ",", defaultValue = "train,prefill,decode",
            description = "what to time, comma-separated: train (the tag step), train-lora (compare's LoRA step, r 8 on q and v, "
                    + "same shapes), prefill, decode, predict (batch prediction of --molecules QED prompts with a regression head, "
                    + "as predict/serve/Spark scoring run it) (default: ${DEFAULT-VALUE})")
    List<String> work;

    @Option(names = "--molecules", defaultValue = "64", description = "molecules per predict run (default: ${DEFAULT-VALUE})")
    int molecules;

    @Option(names = "--smiles-tokens", defaultValue = "" + tagllm.bench.PredictWork.SMILES_TOKENS,
            description = "tokens of each predicted SMILES (default: ${DEFAULT-VALUE}, ZINC's mean length)")
    int smilesTokens;

    @Option(names = "--no-peak", description = "skip the peak measurements (FMA, and BF16 dot products with --compute bf16)")
    boolean noPeak;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random weights and inputs (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Option(names = "--profile", description = "also time each work's phases (products by weight, attention, norms, RoPE, "
            + "SwiGLU, conversions to BF16, copies, embedding and tags, head, optimizer; forward and backward apart) and print "
            + "the breakdown (JSON: profile)")
    boolean profile;

    /**
     * What was measured, for the table or the JSON: the model, the machine's peaks (null: not measured), the timings,
     * memory and load.
     */
    private record Report(String source, ModelConfig config, Weights weights, Peak fp32, Peak bf16,
                          List<BenchRunner.Timing> timings, OptionalLong rss, long activationBytes,
                          double loadBefore, double loadAfter) {
        PeakFlops.Result peak() { return fp32 == null ? null : fp32.best(); }

        PeakFlops.Result bf16Peak() { return bf16 == null ? null : bf16.best(); }

        long weightBytes() { return BenchRunner.weightBytes(weights); }

        /** Peak RSS over the budget, 1.5 · weights + activations. */
        double overBudget() { return rss.getAsLong() / (1.5 * weightBytes() + activationBytes); }
    }

    /**
     * A peak measured before the works and again after them. The shares are taken of the higher: a shared or busy
     * machine's speed drifts (by a quarter within a minute has been seen), and a peak caught at a slow moment would
     * make the works that ran at a faster one look better than they are.
     */
    private record Peak(PeakFlops.Result before, PeakFlops.Result after) {
        PeakFlops.Result best() { return before.higher(after); }

        /** The drop that is worth a note beside the table: the shares then depend on when the peak was caught. */
        static final double NOTABLE_DROP = 0.10;
    }

    /** The weights to time and where they came from. */
    private record Subject(Weights weights, String source) {}

    @Override
    public Integer call() throws Exception {
        BenchRunner.Options options = options();
        Subject subject = subject(options);
        Transformer t = new Transformer(subject.weights());
        boolean bf16Peaks = !noPeak && subject.weights().bf16Compute();
        PeakFlops.Result peak = noPeak ? null : fmaPeak("");
        PeakFlops.Result bf16Peak = bf16Peaks ? bf16Peak("") : null;
        Report report = time(t, options, subject);
        if (!noPeak) {
            report = new Report(report.source(), report.config(), report.weights(), new Peak(peak, fmaPeak(" again")),
                    bf16Peaks ? new Peak(bf16Peak, bf16Peak(" again")) : null, report.timings(), report.rss(),
                    report.activationBytes(), report.loadBefore(), report.loadAfter());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(toJson(report));
        else printTable(out, report);
        out.flush();
        return 0;
    }

    /** The work options, every one checked (a bad one is a usage error naming the option). */
    private BenchRunner.Options options() {
        int sources = (model != null ? 1 : 0) + (config != null ? 1 : 0) + (shape != null ? 1 : 0);
        if (sources != 1) throw usage("give exactly one of --model, --config or --shape");
        Set<BenchRunner.Work> works = EnumSet.noneOf(BenchRunner.Work.class);
        for (String w : work) {
            try {
                works.add(BenchRunner.Work.parse(w));
            } catch (IllegalArgumentException e) {
                throw usage("--work: unknown work '" + w + "' (expected train, train-lora, prefill, decode or predict)");
            }
        }
        requireAReader(works);
        try {
            return new BenchRunner.Options(batch, seq, p, prompt, decode, warmup, repeats, works, seed, profile, molecules, smilesTokens);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /**
     * Each size option is read by some works only: one given while --work runs none of them changed nothing. Several
     * works run in one call share the options, so an option is refused only when no chosen work reads it.
     */
    private void requireAReader(Set<BenchRunner.Work> works) {
        EnumSet<BenchRunner.Work> tagStep = EnumSet.of(BenchRunner.Work.TRAIN, BenchRunner.Work.TRAIN_LORA, BenchRunner.Work.PREFILL);
        EnumSet<BenchRunner.Work> withTags = EnumSet.copyOf(tagStep);
        withTags.add(BenchRunner.Work.PREDICT);
        java.util.Map<String, Set<BenchRunner.Work>> readers = new java.util.LinkedHashMap<>();
        readers.put("--batch", tagStep);
        readers.put("--seq", tagStep);
        readers.put("--p", withTags);
        readers.put("--prompt", EnumSet.of(BenchRunner.Work.DECODE));
        readers.put("--decode", EnumSet.of(BenchRunner.Work.DECODE));
        readers.put("--molecules", EnumSet.of(BenchRunner.Work.PREDICT));
        readers.put("--smiles-tokens", EnumSet.of(BenchRunner.Work.PREDICT));
        var given = spec.commandLine().getParseResult();
        readers.forEach((option, readBy) -> {
            if (!given.hasMatchedOption(option) || readBy.stream().anyMatch(works::contains)) return;
            List<String> names = readBy.stream().map(BenchRunner.Work::label).toList();
            String who = names.size() == 1 ? names.getFirst() + " work reads"
                    : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast() + " works read";
            throw usage(option + ": only the " + who + " it, and --work " + String.join(",", work) + " runs none of them; "
                    + "leave it out, or add one to --work");
        });
    }

    /** A model folder's weights, or random weights of a config or named shape (BF16 panels with --compute bf16). */
    private Subject subject(BenchRunner.Options options) throws Exception {
        boolean bf16 = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> false;
            case "bf16", "bfloat16" -> true;
            default -> throw usage("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        boolean bf16Compute = compute.bf16(spec.commandLine());
        if (model != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--dtype")) {
                throw usage("--dtype sets how random weights are stored (--config, --shape); a model's weights are timed as its "
                        + "files store them (for BF16 products use --compute bf16)");
            }
            Model m = compute.load(model, spec.commandLine());
            checkContext(options, m.config());
            return new Subject(m.weights(), "model " + m.name());
        }
        ModelConfig c;
        String source;
        if (config != null) {
            if (java.nio.file.Files.isDirectory(config)) {
                throw usage("--config takes a config.json file, and " + config + " is a folder"
                        + (java.nio.file.Files.isRegularFile(config.resolve("config.json"))
                        ? " (its config.json: --config " + config.resolve("config.json") + "; its weights: --model " + config + ")" : ""));
            }
            c = ModelConfig.load(config);
            source = "config " + config + ", random weights";
        } else {
            try {
                c = BenchShape.parse(shape).config();
            } catch (IllegalArgumentException e) {
                throw usage("--shape: " + e.getMessage());
            }
            source = "shape " + shape + ", random weights";
        }
        checkContext(options, c);
        // BF16 compute rounds F32 weights to BF16 anyway: drawing them as BF16 (the same values) never holds both.
        boolean drawBf16 = bf16 || bf16Compute;
        spec.commandLine().getErr().println("bench: random " + (drawBf16 ? "BF16" : "F32") + " weights for "
                + String.format(java.util.Locale.ROOT, "%.1f", c.parameterCount() / 1e6) + " M parameters"
                + (drawBf16 && !bf16 ? " (F32 draws rounded to BF16 for --compute bf16)" : "") + "...");
        Weights weights = bf16Compute ? RandomWeights.bf16Compute(c, seed) : RandomWeights.of(c, seed, drawBf16);
        return new Subject(weights, source);
    }

    private void checkContext(BenchRunner.Options options, ModelConfig c) {
        try {
            options.checkContext(c);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private PeakFlops.Result fmaPeak(String again) {
        spec.commandLine().getErr().println("bench: measuring the FMA peak" + again + " on " + Parallel.threads() + " threads...");
        return PeakFlops.measure(Parallel.threads(), 3);
    }

    /** The BF16 dot-product peak, measured with --compute bf16. */
    private PeakFlops.Result bf16Peak(String again) {
        spec.commandLine().getErr().println("bench: measuring the BF16 dot-product peak" + again + " on " + Parallel.threads() + " threads...");
        return PeakFlops.measureBf16(Parallel.threads(), 3);
    }

    /** Runs the works, with the machine's load before and after and the memory they took (no peaks yet). */
    private Report time(Transformer t, BenchRunner.Options options, Subject subject) {
        PrintWriter err = spec.commandLine().getErr();
        double loadBefore = MachineInfo.loadAverage();
        BenchRunner runner = new BenchRunner(t, options, s -> err.println("bench: " + s + MachineInfo.residentBytes()
                .stream().mapToObj(b -> String.format(Locale.ROOT, " (resident now %.0f MB)", b / 1e6)).findFirst().orElse("")));
        List<BenchRunner.Timing> timings;
        try {
            timings = runner.run();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        return new Report(subject.source(), t.config(), subject.weights(), null, null, timings, MachineInfo.peakResidentBytes(),
                runner.activationBytes(), loadBefore, MachineInfo.loadAverage());
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static String storage(Weights w) {
        return w.layers().length > 0 ? w.layers()[0].q().storage().name() : w.embedTokens().storage().name();
    }

    /** A JSON number, or null where there is none (Jackson would write NaN as the string "NaN"). */
    private static void putOrNull(ObjectNode o, String field, double v) {
        if (Double.isNaN(v)) o.putNull(field);
        else o.put(field, v);
    }

    private static String load(double l) {
        return Double.isNaN(l) ? "n/a" : String.format(Locale.ROOT, "%.1f", l);
    }

    /**
     * Bytes in MB with three significant digits under 100 MB: a small model's weights and a short run's activations
     * printed as "0 MB" with a whole-MB format, and the budget ratio beside them then looked unfounded.
     */
    static String megabytes(long bytes) {
        double mb = bytes / 1e6;
        String f = mb >= 100 ? "%.0f" : mb >= 10 ? "%.1f" : mb >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, f, mb);
    }

    private String toJson(Report rep) throws Exception {
        ModelConfig c = rep.config();
        Weights w = rep.weights();
        PeakFlops.Result peak = rep.peak(), bf16Peak = rep.bf16Peak();
        OptionalLong rss = rep.rss();
        long wBytes = rep.weightBytes(), aBytes = rep.activationBytes();
        ObjectMapper om = new ObjectMapper();
        ObjectNode r = om.createObjectNode();
        ObjectNode m = r.putObject("machine");
        m.put("cpu", MachineInfo.cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("threads", Parallel.threads());
        m.put("java", Runtime.version().toString());
        putOrNull(m, "load_before", rep.loadBefore());
        putOrNull(m, "load_after", rep.loadAfter());
        if (peak != null) {
            m.put("vector_bits", peak.vectorBits());
            m.put("peak_gflops", peak.gflops());
            m.put("peak_gflops_one_thread", peak.gflopsOneThread());
            m.put("peak_gflops_before", rep.fp32().before().gflops());
            m.put("peak_gflops_after", rep.fp32().after().gflops());
        }
        if (bf16Peak != null) {
            m.put("peak_bf16_gflops", bf16Peak.gflops());
            m.put("peak_bf16_gflops_one_thread", bf16Peak.gflopsOneThread());
            m.put("peak_bf16_gflops_before", rep.bf16().before().gflops());
            m.put("peak_bf16_gflops_after", rep.bf16().after().gflops());
        }
        ObjectNode mo = r.putObject("model");
        mo.put("source", rep.source());
        mo.put("parameters", c.parameterCount());
        mo.put("dtype", storage(w));
        mo.put("compute", w.bf16Compute() ? "BF16" : "F32");
        mo.put("weight_bytes", wBytes);
        r.put("batch", batch);
        r.put("seq", seq);
        r.put("p", p);
        r.put("prompt", prompt);
        r.put("decode", decode);
        r.put("warmup", warmup);
        r.put("seed", seed);
        if (options().work().contains(BenchRunner.Work.PREDICT)) {
            r.put("molecules", molecules);
            r.put("smiles_tokens", smilesTokens);
            r.put("predict_positions", tagllm.bench.PredictWork.length(smilesTokens, p));
        }
        ArrayNode a = r.putArray("results");
        for (BenchRunner.Timing t : rep.timings()) {
            ObjectNode e = a.addObject();
            e.put("work", t.work().label());
            if (t.work() == BenchRunner.Work.TRAIN_LORA) {
                e.put("lora_rank", tagllm.bench.LoraStepWork.RANK);
                e.put("lora_alpha", tagllm.bench.LoraStepWork.ALPHA);
                e.put("lora_dropout", tagllm.bench.LoraStepWork.DROPOUT);
            }
            e.put("seconds", t.seconds());
            e.put("min_seconds", t.minSeconds());
            e.put("max_seconds", t.maxSeconds());
            ArrayNode each = e.putArray("each_seconds");
            for (double x : t.each()) each.add(x);
            e.put("repeats", t.repeats());
            e.put("tokens_per_s", t.tokensPerS());
            if (!Double.isNaN(t.examplesPerS())) e.put("examples_per_s", t.examplesPerS());
            e.put("gflop", t.gflop());
            e.put("gflops", t.gflops());
            e.put("gc_per_run", t.gcCount());
            e.put("gc_seconds_per_run", t.gcSeconds());
            if (peak != null) e.put("peak_share", t.gflops() / peak.gflops());
            if (bf16Peak != null) e.put("peak_share_bf16", t.gflops() / bf16Peak.gflops());
            if (!t.profile().isEmpty()) {
                ObjectNode pr = e.putObject("profile");
                pr.put("mean_seconds", t.meanSeconds());
                t.profile().forEach((ph, sec) -> {
                    ObjectNode x = pr.putObject(ph.name().toLowerCase(Locale.ROOT));
                    x.put("label", ph.label);
                    x.put("forward_seconds", sec[0]);
                    x.put("backward_seconds", sec[1]);
                    x.put("forward_idle_seconds", sec[2]);
                    x.put("backward_idle_seconds", sec[3]);
                    x.put("forward_gflop", sec[4]);
                    x.put("backward_gflop", sec[5]);
                });
            }
        }
        ObjectNode mem = r.putObject("memory");
        if (rss.isPresent()) mem.put("peak_rss_bytes", rss.getAsLong());
        mem.put("weight_bytes", wBytes);
        mem.put("activation_bytes", aBytes);
        if (rss.isPresent()) mem.put("rss_over_budget", rep.overBudget());
        return om.writeValueAsString(r);
    }

    /**
     * The phases of one work, in seconds per timed run, with their share of the run and what no phase covers; for
     * phases that ran matrix products, their GFLOP/s over the phase's time and its share of the products' peak (null:
     * not measured).
     */
    private static void printProfile(PrintWriter out, BenchRunner.Timing t, PeakFlops.Result peak, String precision) {
        double mean = t.meanSeconds(), covered = 0, idle = 0;
        out.printf(Locale.ROOT, "profile of %s: mean of %d timed runs %.4f s; wall seconds per run by phase (self time; %d engine threads)%n",
                t.work().label(), t.repeats(), mean, Parallel.threads());
        out.printf(Locale.ROOT, "  %-44s %9s %9s %9s %7s %9s %9s %7s%n", "phase", "forward", "backward", "total", "share", "idle",
                "GFLOP/s", "% peak");
        for (var e : t.profile().entrySet()) {
            double[] sec = e.getValue();
            double sum = sec[0] + sec[1], wait = sec[2] + sec[3], gflop = sec[4] + sec[5];
            covered += sum;
            idle += wait;
            String rate = gflop > 0 && sum > 0 ? String.format(Locale.ROOT, "%9s", gflopFigure(gflop / sum)) : String.format(Locale.ROOT, "%9s", "");
            String share = gflop > 0 && sum > 0 && peak != null ? String.format(Locale.ROOT, "%6.0f%%", 100 * gflop / sum / peak.gflops()) : "";
            out.printf(Locale.ROOT, "  %-44s %9.4f %9.4f %9.4f %6.1f%% %9.4f %s %s%n", e.getKey().label, sec[0], sec[1], sum, 100 * sum / mean,
                    wait, rate, share);
        }
        out.printf(Locale.ROOT, "  %-44s %9s %9s %9.4f %6.1f%%%n", "outside the phases above", "", "", mean - covered,
                100 * (mean - covered) / mean);
        out.printf(Locale.ROOT, "  idle: %.4f s per run (%.1f%%): core-seconds the pool's threads had no task inside the phase's parallel calls%n"
                + "    (waking, or waiting on another's last task) over its %d threads, i.e. wall time lost to joins; a batch run in lanes%n"
                + "    (a run of sequences a core, each through the whole pass) has none, and its phases are the lanes' mean: the lanes'%n"
                + "    wait for the slowest (the first done helping it meanwhile) is outside the phases%n", idle, 100 * idle / mean, Parallel.threads());
        out.printf(Locale.ROOT, "  GFLOP/s: the phase's matrix products (2·m·n·k each, as computed) over its time, joins and epilogues included;%n"
                + "    %% peak: of the %s peak above%n", precision);
    }

    private void printTable(PrintWriter out, Report rep) {
        ModelConfig c = rep.config();
        Weights w = rep.weights();
        PeakFlops.Result peak = rep.peak(), bf16Peak = rep.bf16Peak();
        OptionalLong rss = rep.rss();
        long wBytes = rep.weightBytes(), aBytes = rep.activationBytes();
        out.printf(Locale.ROOT, "machine: %s, %d cores, %d engine threads, Java %s, load %s -> %s%n", MachineInfo.cpuModel(),
                Runtime.getRuntime().availableProcessors(), Parallel.threads(), Runtime.version(), load(rep.loadBefore()), load(rep.loadAfter()));
        if (peak != null) {
            out.printf(Locale.ROOT, "FP32 peak (FMA loop, %d-bit vectors): %.1f GFLOP/s on %d threads, %.1f on one%s%n",
                    peak.vectorBits(), peak.gflops(), peak.threads(), peak.gflopsOneThread(), beforeAfter(rep.fp32()));
        }
        if (bf16Peak != null) {
            out.printf(Locale.ROOT, "BF16 peak (vdpbf16ps loop): %.1f GFLOP/s on %d threads, %.1f on one%s%n",
                    bf16Peak.gflops(), bf16Peak.threads(), bf16Peak.gflopsOneThread(), beforeAfter(rep.bf16()));
        }
        double drop = Math.max(rep.fp32() == null ? 0 : rep.fp32().before().dropFrom(rep.fp32().after()),
                rep.bf16() == null ? 0 : rep.bf16().before().dropFrom(rep.bf16().after()));
        if (drop > Peak.NOTABLE_DROP) {
            out.printf(Locale.ROOT, "note: a peak measured %.0f%% lower on one side of the works than on the other: the machine's speed "
                    + "moved during this run; shares are of the higher, and the works' times may have moved with it%n", 100 * drop);
        }
        out.printf(Locale.ROOT, "model: %s; %.1f M parameters, %s weights, %s compute, weights %s MB%n", rep.source(),
                c.parameterCount() / 1e6, storage(w), w.bf16Compute() ? "BF16" : "F32", megabytes(wBytes));
        if (w.bf16Compute()) out.println("(BF16 compute: % peak is against the FP32 FMA peak, % BF16 against the BF16 one)");
        out.printf(Locale.ROOT, "batch %d × %d positions, p = %d; decode: %d-token prompt, %d new tokens%n", batch, seq, p, prompt, decode);
        if (options().work().contains(BenchRunner.Work.PREDICT)) {
            out.printf(Locale.ROOT, "predict: %d molecules of %d positions (QED template, %d SMILES tokens), examples/s = molecules/s%n",
                    molecules, tagllm.bench.PredictWork.length(smilesTokens, p), smilesTokens);
        }
        out.printf(Locale.ROOT, "%-10s %10s %10s %11s %9s %9s %7s%s%n", "work", "median s", "tokens/s", "examples/s", "GFLOP", "GFLOP/s",
                "% peak", bf16Peak == null ? "" : "  % BF16");
        for (BenchRunner.Timing t : rep.timings()) {
            out.printf(Locale.ROOT, "%-10s %10.4f %10.1f %11s %9s %9s %7s%s%n", t.work().label(), t.seconds(),
                    t.tokensPerS(), Double.isNaN(t.examplesPerS()) ? "-" : String.format(Locale.ROOT, "%.2f", t.examplesPerS()),
                    gflopFigure(t.gflop()), gflopFigure(t.gflops()), peak == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * t.gflops() / peak.gflops()),
                    bf16Peak == null ? "" : String.format(Locale.ROOT, "  %5.0f%%", 100 * t.gflops() / bf16Peak.gflops()));
        }
        StringBuilder gc = new StringBuilder();
        for (BenchRunner.Timing t : rep.timings()) {
            gc.append(String.format(Locale.ROOT, "%s%s %.1f (%.1f ms)", gc.isEmpty() ? "" : ", ", t.work().label(), t.gcCount(), 1e3 * t.gcSeconds()));
        }
        out.println("garbage collections per timed run: " + gc
                + (rep.timings().stream().anyMatch(t -> t.gcSeconds() > 0.01 * t.meanSeconds())
                        ? "  (over 1% of a run: something boxes vectors or allocates per row, and the times include it)" : ""));
        // the products' rate against the peak of the precision they compute in
        PeakFlops.Result productPeak = w.bf16Compute() ? bf16Peak : peak;
        for (BenchRunner.Timing t : rep.timings()) {
            if (!t.profile().isEmpty()) printProfile(out, t, productPeak, w.bf16Compute() ? "BF16" : "FP32");
        }
        if (rss.isPresent()) {
            out.printf(Locale.ROOT, "memory: peak RSS %s MB; weights %s MB, activations (peak in use) %s MB; RSS / (1.5·weights + activations) = %.2f%n",
                    megabytes(rss.getAsLong()), megabytes(wBytes), megabytes(aBytes), rep.overBudget());
            out.println("  peak RSS: VmHWM of the whole process over all works; weights: every tensor as held (BF16 or F32, "
                    + "panel padding included, a tied LM head once; with BF16 compute each projection once, in the native kernels' "
                    + "layout, and an F32 embedding beside its tied head's BF16 copy); activations: the most "
                    + "bytes of activation, gradient, input-row and KV-cache arrays in use at one time, over all works");
        }
    }

    /**
     * A GFLOP or GFLOP/s figure for the table: one decimal from 1 up, three significant digits below (a small shape's
     * decode of 0.0117 GFLOP printed as "0.0" with one decimal everywhere).
     */
    static String gflopFigure(double x) {
        if (!(x > 0) || x >= 1) return String.format(Locale.ROOT, "%.1f", x);
        int decimals = Math.min(12, 2 - (int) Math.floor(Math.log10(x)));
        return String.format(Locale.ROOT, "%." + decimals + "f", x);
    }

    /** The two measurements a peak is the higher of, for the table (all threads). */
    private static String beforeAfter(Peak p) {
        return String.format(Locale.ROOT, " (the higher of %.1f before the works and %.1f after)", p.before().gflops(), p.after().gflops());
    }
}
