package tagllm.train;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tagllm.head.RegressionHead;
import tagllm.tag.TagInit;
import tagllm.tag.TagKind;
import tagllm.tag.TagSet;
import tagllm.task.*;

import java.util.*;

@Tag("scratch")
class ScratchQedTest {
    @Test
    void run() throws Exception {
        String preset = System.getProperty("preset", "QED");
        String file = System.getProperty("file", "smiles/zinc20k.csv");
        int ntrain = Integer.getInteger("ntrain", 2000), steps = Integer.getInteger("steps", 300);
        double lr = Double.parseDouble(System.getProperty("lr", "0.01"));
        boolean std = Boolean.parseBoolean(System.getProperty("std", "true"));
        int p = Integer.getInteger("p", 4);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("preset", preset).put("max_length", Integer.getInteger("maxlen", 200));
        if (System.getProperty("template") != null) node.put("template", System.getProperty("template"));
        node.putObject("head").put("bias", std).put("standardize", std);
        TaskSpec t = TaskSpec.fromConfig("x", new ConfigNode(node, "x"), Map.of());
        TagSet tags = TinyRun.emptyTags();
        float[] init = TagInit.initialVector(TinyRun.MODEL.weights().embedTokens());
        for (String n : t.parsedTemplate().tagNames()) tags.put(TagInit.newTag(n, t.kindOf(n), p, init));
        ExampleRenderer r = new ExampleRenderer(t, tags, TinyRun.ENC, 512);
        List<Example> train = new ArrayList<>(), test = new ArrayList<>();
        int skipped = 0;
        for (var row : TinyRun.csv(file, "train", ntrain)) try { train.add(r.example(tagllm.data.Row.of("f", 1, row))); } catch (RuntimeException e) { skipped++; }
        for (var row : TinyRun.csv(file, "test", 300)) try { test.add(r.example(tagllm.data.Row.of("f", 1, row))); } catch (RuntimeException e) { skipped++; }
        double mean = train.stream().mapToDouble(Example::label).average().orElseThrow();
        double var = train.stream().mapToDouble(e -> (e.label() - mean) * (e.label() - mean)).average().orElseThrow();
        tags.putHead(RegressionHead.initial(t.functionTag(), 1, Boolean.getBoolean("zero") ? new float[64] : TagInit.meanEmbedding(TinyRun.MODEL.weights().embedTokens()), std,
                std ? new double[]{mean} : null, std ? new double[]{Math.sqrt(var)} : null));
        double avgLen = train.stream().mapToInt(e -> e.sequence().length()).average().orElseThrow();
        System.out.println("train " + train.size() + " test " + test.size() + " skipped " + skipped + " avg len " + avgLen);
        double meanMse = test.stream().mapToDouble(e -> (e.label() - mean) * (e.label() - mean)).average().orElseThrow();
        Hyper h = new Hyper("adamw", lr, 0, 0.9, 0.999, 1e-8, "cosine", 0.03, 8, 1, 1.0, 1, steps, 0, 100, 1.0, 50);
        long t0 = System.nanoTime();
        Set<String> trainable = new LinkedHashSet<>(List.of(t.functionTag()));
        new Trainer(TinyRun.MODEL, Progress.stderr(false), new MetricsLog(java.nio.file.Path.of("/tmp/scratch.jsonl")))
                .run(tags, train, trainable, new Trainer.Options("s", h, 1, false, null, false, 0));
        double secs = (System.nanoTime() - t0) / 1e9;
        var pred = new TagPredictor(TinyRun.MODEL, TinyRun.TOKENIZER, tags, id -> id == 2);
        var res = Evaluator.regression(pred, t, test);
        System.out.printf("time %.1fs  test mse %.5f (mean predictor %.5f) pearson %.3f%n", secs, res.metrics().mse(), meanMse, res.metrics().pearson());
    }
}
