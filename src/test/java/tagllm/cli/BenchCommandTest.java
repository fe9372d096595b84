package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.bench.BenchShape;
import tagllm.bench.FlopCount;
import tagllm.bench.LoraStepWork;
import tagllm.bench.TagStepWork;
import tagllm.model.ModelConfig;
import tagllm.model.RandomWeights;
import tagllm.model.Transformer;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    @Test
    void jsonReportsEveryWorkWithConsistentFigures() throws Exception {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--decode", "4",
                "--repeats", "1", "--warmup", "0", "--no-peak", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        ModelConfig c = BenchShape.TINY.config();
        // every setting the numbers depend on, so that the JSON alone says how to run it again (warmup and seed were missing)
        assertEquals("{batch=2, seq=40, p=3, prompt=16, decode=4, warmup=0, seed=0}", java.util.stream.Stream.of("batch", "seq", "p",
                "prompt", "decode", "warmup", "seed").map(k -> k + "=" + o.path(k).asText("absent")).collect(
                java.util.stream.Collectors.joining(", ", "{", "}")));
        // the progress line's count in millions with one decimal (an integer division printed 0 M for the tiny shape)
        assertTrue(r.err().contains("weights for " + String.format(java.util.Locale.ROOT, "%.1f", c.parameterCount() / 1e6) + " M parameters"), r.err());
        assertEquals(c.parameterCount(), o.get("model").get("parameters").asLong());
        JsonNode res = o.get("results");
        assertEquals(3, res.size());
        Transformer t = new Transformer(RandomWeights.of(c, 0, false));
        TagStepWork w = new TagStepWork(t, 2, 40, 3, 0);
        double[] gflop = {
                (FlopCount.forward(c, w.trainBatch(), w.trainReadRows()) + FlopCount.backward(c, w.trainBatch(), w.trainReadRows())) / 1e9,
                FlopCount.forward(c, w.fullBatch()) / 1e9,
                Double.NaN};
        String[] works = {"train", "prefill", "decode"};
        for (int i = 0; i < 3; i++) {
            JsonNode e = res.get(i);
            assertEquals(works[i], e.get("work").asText());
            double s = e.get("seconds").asDouble();
            assertTrue(s > 0, e.toString());
            double tokens = i < 2 ? 2 * 40 : 4;
            assertEquals(tokens / s, e.get("tokens_per_s").asDouble(), 1e-6 * tokens / s);
            assertEquals(e.get("gflop").asDouble() / s, e.get("gflops").asDouble(), 1e-6 * e.get("gflops").asDouble());
            // collections during the timed runs (one run here): a count and seconds, per run
            assertTrue(e.get("gc_per_run").asDouble() >= 0 && e.get("gc_per_run").asDouble() % 1 == 0, e.toString());
            assertTrue(e.get("gc_seconds_per_run").asDouble() >= 0 && e.get("gc_seconds_per_run").asDouble() < s + 1, e.toString());
            if (i < 2) {
                assertEquals(gflop[i], e.get("gflop").asDouble(), 1e-9 * gflop[i], works[i]);
                assertEquals(2 / s, e.get("examples_per_s").asDouble(), 1e-6 * 2 / s);
            }
        }
        assertTrue(o.get("memory").get("weight_bytes").asLong() >= 4 * c.parameterCount());
        assertTrue(o.get("memory").get("activation_bytes").asLong() > 0);
    }

    /** Every field --json writes is named in docs/benchmarks.md's list of them (most were named nowhere). */
    @Test
    void everyJsonFieldIsDocumented() throws Exception {
        boolean bf16 = tagllm.tensor.NativeBf16.available();
        String[] args = {"bench", "--shape", "tiny", "--batch", "1", "--seq", "32", "--p", "2", "--prompt", "2", "--decode", "1",
                "--molecules", "1", "--smiles-tokens", "2", "--repeats", "1", "--warmup", "0", "--work", "train,train-lora,prefill,decode,predict",
                "--profile", "--json", "--compute", bf16 ? "bf16" : "f32"};
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exit(), r.err());
        java.util.Set<String> keys = new java.util.TreeSet<>();
        java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>(java.util.List.of(new ObjectMapper().readTree(r.out())));
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            n.fieldNames().forEachRemaining(keys::add);
            n.elements().forEachRemaining(todo::push);
        }
        String docs = Files.readString(Path.of("docs/benchmarks.md"));
        int from = docs.indexOf("The `--json` object");
        String list = from < 0 ? "" : docs.substring(from, docs.indexOf("### What is measured", from));
        java.util.List<String> missing = keys.stream().filter(k -> !list.contains("`" + k + "`")).toList();
        assertEquals(java.util.List.of(), missing, "fields of --json not in docs/benchmarks.md's list");
    }

    /**
     * The GFLOP of each work against a count by hand from the tiny shape (d 128, f 384, 4 layers, 4 heads of 32, 2 KV
     * heads, vocabulary 512), with the documented conventions (docs/benchmarks.md, "FLOPs"): per row and layer the
     * products 2·d·(q + 2·kv) + 2·q·d + 3·2·d·f = 393,216, of which K and V 32,768; attention 2·2·32·4 = 512 per
     * visible key forward and 5·2·32·4 = 1,280 backward; the LM head 2·128·512 = 131,072 a row. Batch 2 × 40, p = 3:
     * - prefill: 80 rows, 2 · (40·41/2) = 1,640 keys: 4 · (80·393,216 + 1,640·512) = 129,187,840;
     * - train: sequences cut after the function tag (36 rows, read row 35), backward from the domain tag (row 8):
     *   forward 3 · (72·393,216 + 1,332·512) + [72·32,768 + 2·360,448 + 72·512] = 90,097,664; backward over 56 rows
     *   (keys 2 · (9 + … + 36) = 1,260): 3 · (56·393,216 + 1,260·1,280) + [56·32,768 + 2·360,448 + 72·1,280]
     *   = 73,546,752; together 163,644,416;
     * - decode, 5-token prompt, 3 new tokens: prefill 3 · (5·393,216 + 15·512) + [5·32,768 + 360,448 + 5·512]
     *   = 6,448,128, its LM head 131,072, steps at positions 5, 6, 7: 4 · (393,216 + 512·(p + 1)) + 131,072 each
     *   = 5,154,816; together 11,734,016.
     * The table prints them to three significant digits below 1 GFLOP (one decimal everywhere printed this decode's
     * 0.0117 as "0.0", and every work of a small shape as 0.0 to 0.2).
     */
    @Test
    void gflopMatchesACountByHandInTheJsonAndTheTable() throws Exception {
        String[] args = {"bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--prompt", "5", "--decode", "3",
                "--repeats", "1", "--warmup", "0", "--no-peak"};
        java.util.Map<String, Double> byHand = java.util.Map.of("prefill", 0.129187840, "train", 0.163644416, "decode", 0.011734016);
        CliRun json = CliRun.of(concat(args, "--json"));
        assertEquals(0, json.exit(), json.err());
        for (JsonNode e : new ObjectMapper().readTree(json.out()).get("results")) {
            String work = e.get("work").asText();
            assertEquals(byHand.get(work), e.get("gflop").asDouble(), 1e-12, work);
        }
        CliRun table = CliRun.of(args);
        assertEquals(0, table.exit(), table.err());
        java.util.Map<String, String> printed = new java.util.HashMap<>();
        for (String line : table.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 7 && byHand.containsKey(f[0])) printed.put(f[0], f[4]);
        }
        assertEquals(java.util.Map.of("prefill", "0.129", "train", "0.164", "decode", "0.0117"), printed, table.out());
    }

    /**
     * The peak is measured before the works and again after them; the reported peak is the higher of the two and
     * every share is of it (a slow moment of the machine at either end must not inflate the shares).
     */
    @Test
    void peakIsTheHigherOfBeforeAndAfterAndSharesAreOfIt() throws Exception {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--work", "prefill",
                "--repeats", "1", "--warmup", "0", "--json");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("measuring the FMA peak on") && r.err().contains("measuring the FMA peak again on"), r.err());
        JsonNode m = new ObjectMapper().readTree(r.out()).get("machine");
        double before = m.get("peak_gflops_before").asDouble(), after = m.get("peak_gflops_after").asDouble();
        assertTrue(before > 0 && after > 0, m.toString());
        assertEquals(Math.max(before, after), m.get("peak_gflops").asDouble(), 0.0, m.toString());
        JsonNode e = new ObjectMapper().readTree(r.out()).get("results").get(0);
        assertEquals(e.get("gflops").asDouble() / Math.max(before, after), e.get("peak_share").asDouble(), 1e-12);
    }

    /** --profile: every phase of the step timed, forward and backward apart, adding up to no more than the run. */
    @Test
    void profileBreaksTheStepIntoPhases() throws Exception {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--repeats", "2", "--warmup", "0",
                "--work", "train,prefill", "--no-peak", "--profile", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode res = new ObjectMapper().readTree(r.out()).get("results");
        for (JsonNode e : res) {
            JsonNode pr = e.get("profile");
            double mean = pr.get("mean_seconds").asDouble(), sum = 0, idle = 0;
            assertEquals((e.get("each_seconds").get(0).asDouble() + e.get("each_seconds").get(1).asDouble()) / 2, mean, 1e-12);
            for (String phase : new String[]{"qkv", "o", "gate_up", "down", "attention", "norm", "rope", "swiglu", "embed_tags"}) {
                assertTrue(pr.has(phase), e.get("work") + " has no phase " + phase + ": " + pr);
            }
            var it = pr.fields();
            while (it.hasNext()) {
                var f = it.next();
                if (!f.getValue().isObject()) continue;
                double fw = f.getValue().get("forward_seconds").asDouble(), bw = f.getValue().get("backward_seconds").asDouble();
                double fi = f.getValue().get("forward_idle_seconds").asDouble(), bi = f.getValue().get("backward_idle_seconds").asDouble();
                assertTrue(fw >= 0 && bw >= 0, f.toString());
                assertTrue(fi >= 0 && bi >= 0 && (bw > 0 || bi == 0), "idle of " + f);
                sum += fw + bw;
                idle += fi + bi;
            }
            assertTrue(sum <= mean * 1.001, "phases " + sum + " s exceed the run's " + mean + " s");
            // the products' FLOPs, counted as they run, are the work's count (FlopCount, modelled) less attention's:
            // within it, and most of it; only the product phases have any
            double gflop = 0;
            for (String phase : new String[]{"qkv", "o", "gate_up", "down"}) {
                double g = pr.get(phase).get("forward_gflop").asDouble() + pr.get(phase).get("backward_gflop").asDouble();
                assertTrue(g > 0, e.get("work") + " " + phase + " ran no product FLOPs");
                gflop += g;
            }
            for (String phase : new String[]{"attention", "norm", "rope", "swiglu", "embed_tags"}) {
                assertEquals(0, pr.get(phase).get("forward_gflop").asDouble() + pr.get(phase).get("backward_gflop").asDouble(), phase);
            }
            double work = e.get("gflop").asDouble();
            assertTrue(gflop <= work * (1 + 1e-9) && gflop >= 0.5 * work, e.get("work") + ": products " + gflop + " GFLOP of " + work);
            assertTrue(idle <= sum, "idle " + idle + " s exceeds the phases' " + sum + " s");
            boolean train = e.get("work").asText().equals("train");
            assertEquals(train, pr.get("gate_up").get("backward_seconds").asDouble() > 0, e.get("work") + ": backward only in train");
            assertEquals(train, pr.has("optimizer"), e.get("work") + ": the optimizer only in train");
        }
        CliRun table = CliRun.of("bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--repeats", "1", "--warmup", "0",
                "--work", "train", "--no-peak", "--profile");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains("profile of train") && table.out().contains("gate, up products")
                && table.out().contains("outside the phases above") && table.out().contains("idle: "), table.out());
        // the wall time is of the engine's pool, whatever its size (the header said "both cores" on any machine)
        assertTrue(table.out().contains("by phase (self time; " + tagllm.tensor.Parallel.threads() + " engine threads)"), table.out());
    }

    /** predict: molecules/s of the batch-prediction path, FLOPs of each packed chunk's forward at its read rows. */
    @Test
    void predictReportsMoleculesPerSecond() throws Exception {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--p", "3", "--repeats", "1", "--warmup", "0", "--work", "predict",
                "--molecules", "7", "--smiles-tokens", "6", "--no-peak", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals(7, o.get("molecules").asInt());
        assertEquals(38, o.get("predict_positions").asInt());
        JsonNode e = o.get("results").get(0);
        assertEquals("predict", e.get("work").asText());
        double s = e.get("seconds").asDouble();
        assertEquals(7 / s, e.get("examples_per_s").asDouble(), 1e-6 * 7 / s);
        assertEquals(7 * 38 / s, e.get("tokens_per_s").asDouble(), 1e-6 * 7 * 38 / s);
        ModelConfig c = BenchShape.TINY.config();
        tagllm.bench.PredictWork w = new tagllm.bench.PredictWork(new Transformer(RandomWeights.of(c, 0, false)), 7, 6, 3, 0);
        double gflop = 0;
        for (var ch : w.chunks()) gflop += FlopCount.forward(c, ch.batch(), ch.readRows()) / 1e9;
        assertEquals(gflop, e.get("gflop").asDouble(), 1e-9 * gflop);
        assertTrue(gflop < FlopCount.forward(c, w.chunks().get(0).batch()) / 1e9, "the top layer only at the read rows");
        CliRun bad = CliRun.of("bench", "--shape", "tiny", "--work", "predict", "--molecules", "0", "--no-peak");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--molecules"), bad.err());
    }

    /** train-lora: compare's LoRA step on the tag step's shapes, its figures as --work train gives them. */
    @Test
    void trainLoraBesideTheTagStep() throws Exception {
        CliRun r = CliRun.of("bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--repeats", "1", "--warmup", "0",
                "--work", "train-lora,train", "--no-peak", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode res = new ObjectMapper().readTree(r.out()).get("results");
        assertEquals(2, res.size());
        assertEquals("train", res.get(0).get("work").asText());
        JsonNode e = res.get(1);
        assertEquals("train-lora", e.get("work").asText());
        assertEquals(8, e.get("lora_rank").asInt());
        assertEquals(16.0, e.get("lora_alpha").asDouble());
        ModelConfig c = BenchShape.TINY.config();
        LoraStepWork w = new LoraStepWork(new Transformer(RandomWeights.of(c, 0, false)), 2, 40, 3, 0);
        double gflop = (FlopCount.forward(c, w.trainBatch(), w.trainReadRows()) + FlopCount.backward(c, w.trainBatch(), w.trainReadRows())
                + FlopCount.lora(c, 8, w.trainBatch(), w.trainReadRows())) / 1e9;
        assertEquals(gflop, e.get("gflop").asDouble(), 1e-9 * gflop);
        assertTrue(gflop > res.get(0).get("gflop").asDouble(), "every row's backward and the adapters cost more than the tag step");
        double s = e.get("seconds").asDouble();
        assertEquals(2 * 40 / s, e.get("tokens_per_s").asDouble(), 1e-6 * 2 * 40 / s, "tokens counted as for the tag step");
        assertEquals(2 / s, e.get("examples_per_s").asDouble(), 1e-6 * 2 / s);
        assertEquals(gflop / s, e.get("gflops").asDouble(), 1e-6 * gflop / s);
        CliRun table = CliRun.of("bench", "--shape", "tiny", "--batch", "1", "--seq", "32", "--p", "2", "--repeats", "1", "--warmup", "0",
                "--work", "train-lora", "--no-peak");
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().contains("train-lora"), table.out());
    }

    @Test
    void tableOnARealModelFolder() {
        Path model = Shared.model("stories260K");
        CliRun r = CliRun.of("bench", "--model", model.toString(), "--batch", "1", "--seq", "32", "--p", "2", "--decode", "3",
                "--repeats", "1", "--warmup", "0", "--work", "prefill,decode", "--no-peak");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("prefill") && r.out().contains("decode") && !r.out().contains("train "), r.out());
        assertTrue(r.out().contains("stories260K"), r.out());
        // --dtype is for random weights: with a model it was ignored without a word (the table said F32 weights)
        r = CliRun.of("bench", "--model", model.toString(), "--dtype", "bf16", "--work", "decode", "--decode", "1", "--repeats", "1",
                "--warmup", "0", "--no-peak");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--dtype sets how random weights are stored"), r.err());
    }

    /** The table's sizes agree with --json's bytes (whole MB printed the tiny shape's 0.9 M parameters as "weights 4 MB", activations "0 MB"). */
    @Test
    void tableSizesAgreeWithTheJsonBytes() throws Exception {
        String[] args = {"bench", "--shape", "tiny", "--decode", "2", "--repeats", "1",
                "--warmup", "0", "--work", "decode", "--no-peak"};
        CliRun json = CliRun.of(java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--json"))
                .toArray(String[]::new));
        assertEquals(0, json.exit(), json.err());
        JsonNode mem = new ObjectMapper().readTree(json.out()).get("memory");
        CliRun table = CliRun.of(args);
        assertEquals(0, table.exit(), table.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("weights ([0-9.]+) MB, activations \\(peak in use\\) ([0-9.]+) MB")
                .matcher(table.out());
        assertTrue(m.find(), table.out());
        double weights = mem.get("weight_bytes").asDouble() / 1e6, activations = mem.get("activation_bytes").asDouble() / 1e6;
        assertTrue(activations > 0 && activations < 1, "the tiny decode's activations are under a MB: " + activations);
        // three significant digits: within half a unit of the third digit
        assertEquals(weights, Double.parseDouble(m.group(1)), 0.005 * weights, table.out());
        assertEquals(activations, Double.parseDouble(m.group(2)), 0.0005 + 1e-12, table.out());
        assertTrue(table.out().contains("weights " + m.group(1) + " MB\n") || table.out().contains("weights " + m.group(1) + " MB" + System.lineSeparator()),
                "the model line's figure is the memory line's: " + table.out());
        assertTrue(table.out().matches("(?s).*load (n/a|[0-9]+\\.[0-9]) -> (n/a|[0-9]+\\.[0-9]).*"), table.out());
    }

    @Test
    void configFileWithRandomWeights(@TempDir Path tmp) throws Exception {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, BenchShape.TINY.configJson().toString());
        CliRun r = CliRun.of("bench", "--config", cfg.toString(), "--dtype", "bf16",
                "--decode", "2", "--repeats", "1", "--warmup", "0", "--work", "decode", "--no-peak", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals("BF16", new ObjectMapper().readTree(r.out()).get("model").get("dtype").asText());
        // a folder given as --config: said so, with the two ways to use it (was the JDK's 'cannot read: Is a directory')
        r = CliRun.of("bench", "--config", tmp.toString(), "--no-peak");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--config takes a config.json file, and " + tmp + " is a folder (its config.json: --config " + cfg
                + "; its weights: --model " + tmp + ")"), r.err());
    }

    @Test
    void badArgumentsAreClearErrors() {
        CliRun r = CliRun.of("bench", "--shape", "gpt5");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown shape 'gpt5'") && r.err().contains("smollm2-135m"), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--config", "x.json");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("exactly one of --model, --config or --shape"), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--work", "train,infer");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown work 'infer'") && r.err().contains("train-lora"), r.err());
        // sequences that cannot be built or do not fit are refused before any weights are drawn (a large shape took
        // seconds to minutes to draw them and measure the peak, then failed on the first work)
        r = CliRun.of("bench", "--shape", "tiny", "--seq", "20", "--no-peak");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--seq 20 leaves no room for the input") && r.err().contains("2·p + 13 = 33 positions"), r.err());
        assertTrue(!r.err().contains("weights for"), "refused before drawing the weights: " + r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--seq", "5000", "--no-peak");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--seq 5000 exceeds the model's context of 2048"), r.err());
        assertTrue(!r.err().contains("weights for"), "refused before drawing the weights: " + r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--work", "decode", "--prompt", "2000", "--decode", "48", "--no-peak");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--prompt 2000 + --decode 48 tokens exceed the model's context of 2048"), r.err());
        assertTrue(!r.err().contains("weights for"), "refused before drawing the weights: " + r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--work", "predict", "--p", "0", "--no-peak");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--p must be at least 1, got 0") && !r.err().contains("weights for"), r.err());
        // a work that does not use --seq does not range-check it: with no work reading it, --seq is refused as unread
        // (BenchWorkOptionsTest), and the works that do run are not held up by it
        r = CliRun.of("bench", "--shape", "tiny", "--work", "decode", "--seq", "20", "--decode", "1", "--prompt", "2",
                "--repeats", "1", "--warmup", "0", "--no-peak");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("--seq: only the train, train-lora or prefill works read it"), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--work", "decode,predict", "--p", "2", "--smiles-tokens", "2", "--molecules", "1",
                "--decode", "1", "--prompt", "2", "--repeats", "1", "--warmup", "0", "--no-peak");
        assertEquals(0, r.exit(), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--dtype", "f16");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--dtype must be f32 or bf16"), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--compute", "fp8");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--compute must be f32 or bf16, got 'fp8'"), r.err());
        r = CliRun.of("bench", "--shape", "tiny", "--repeats", "0");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--repeats"), r.err());
    }

    /** --compute bf16 reports itself, counts its one BF16 copy of the weights, and lists every timed run. */
    @Test
    void bf16ComputeIsReported() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(tagllm.tensor.NativeBf16.available(), tagllm.tensor.NativeBf16.status());
        String[] common = {"bench", "--shape", "tiny", "--batch", "2", "--seq", "40", "--p", "3", "--repeats", "3", "--warmup", "0",
                "--work", "train", "--no-peak", "--json"};
        CliRun f32 = CliRun.of(common);
        // with the peaks: the BF16 run also measures the BF16 dot-product peak and reports its share
        String[] withPeak = java.util.Arrays.stream(common).filter(x -> !x.equals("--no-peak")).toArray(String[]::new);
        CliRun bf16 = CliRun.of(concat(withPeak, "--compute", "bf16"));
        assertEquals(0, bf16.exit(), bf16.err());
        JsonNode a = new ObjectMapper().readTree(f32.out()), b = new ObjectMapper().readTree(bf16.out());
        assertEquals("F32", a.get("model").get("compute").asText());
        assertEquals("BF16", b.get("model").get("compute").asText());
        // BF16 compute holds each projection and the LM head once, as Wᵀ in the library's layout (panels of 32 output
        // columns by pairs of the reduction in 32-bit words: ceil(rows / 32) · 32 · ceil(cols / 2) · 4 bytes) in place
        // of its F32 panels; an untied embedding is drawn as BF16 (half its F32 bytes), a tied one is the head's copy
        tagllm.model.Weights w = RandomWeights.of(BenchShape.TINY.config(), 0, false);
        boolean tied = w.lmHead() == w.embedTokens();
        long change = tied ? 0 : -w.embedTokens().bytes() / 2;
        for (tagllm.model.LayerWeights l : w.layers()) {
            for (tagllm.tensor.Matrix m : l.matrices()) change += packedBytes(m) - m.bytes();
        }
        change += packedBytes(w.lmHead()) - w.lmHead().bytes();
        JsonNode memA = a.get("memory"), memB = b.get("memory");
        assertEquals(memA.get("weight_bytes").asLong() + change, memB.get("weight_bytes").asLong());
        if (memB.has("peak_rss_bytes")) {
            double rss = memB.get("peak_rss_bytes").asDouble();
            double budget = 1.5 * memB.get("weight_bytes").asLong() + memB.get("activation_bytes").asLong();
            assertEquals(rss / budget, memB.get("rss_over_budget").asDouble(), 1e-12);
        }
        assertTrue(bf16.err().contains("F32 draws rounded to BF16 for --compute bf16"), bf16.err());
        double bf16Peak = b.get("machine").get("peak_bf16_gflops").asDouble();
        assertTrue(bf16Peak > 0, b.get("machine").toString());
        JsonNode train = b.get("results").get(0);
        assertEquals(train.get("gflops").asDouble() / bf16Peak, train.get("peak_share_bf16").asDouble(), 1e-9);
        assertTrue(a.get("machine").get("peak_bf16_gflops") == null, "no BF16 peak for --compute f32");
        JsonNode each = b.get("results").get(0).get("each_seconds");
        assertEquals(3, each.size());
        double min = Double.MAX_VALUE;
        for (JsonNode x : each) min = Math.min(min, x.asDouble());
        assertEquals(min, b.get("results").get(0).get("min_seconds").asDouble());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Bytes of a matrix held as BF16 compute holds it, worked out by hand from its shape. */
    private static long packedBytes(tagllm.tensor.Matrix m) {
        return 4L * 32 * ((m.rows() + 31) / 32) * ((m.cols() + 1) / 2);
    }
}
