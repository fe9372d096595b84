package tagllm.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OptimizerTest {
    @Test
    void adamWMatchesHandComputedSteps() {
        // torch.optim.AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1):
        // step 1, g=1: w = 1·(1 − 0.01) − 0.1 · (0.1/0.1) / (√(0.001/0.001) + 1e-8) = 0.89
        // step 2, g=−1: m = 0.09 − 0.1 = −0.01, v = 0.000999 + 0.001 = 0.001999;
        //   w = 0.89·0.99 − (0.1/0.19)·(−0.01) / (√0.001999/√(1 − 0.999²) + 1e-8)
        Param p = new Param("w", new float[]{1f});
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.1);
        p.grad()[0] = 1f;
        opt.step(List.of(p), 0.1);
        assertEquals(0.89, p.value()[0], 1e-6);
        p.grad()[0] = -1f;
        opt.step(List.of(p), 0.1);
        double bc2 = Math.sqrt(1 - 0.999 * 0.999);
        double expected = 0.89 * 0.99 - (0.1 / 0.19) * (-0.01) / (Math.sqrt(0.001999) / bc2 + 1e-8);
        assertEquals(expected, p.value()[0], 1e-6);
        assertEquals(2, opt.steps());
    }

    @Test
    void adamWStateRestoresExactly() {
        Param a = new Param("w", new float[]{1f, -2f}), b = new Param("w", new float[]{1f, -2f});
        AdamW o1 = new AdamW(0.9, 0.999, 1e-8, 0), o2 = new AdamW(0.9, 0.999, 1e-8, 0);
        a.grad()[0] = 0.3f; a.grad()[1] = -0.7f;
        o1.step(List.of(a), 0.01);
        o2.restore(o1.state(), o1.steps());
        System.arraycopy(a.value(), 0, b.value(), 0, 2);
        a.grad()[0] = -0.1f; a.grad()[1] = 0.2f;
        b.grad()[0] = -0.1f; b.grad()[1] = 0.2f;
        o1.step(List.of(a), 0.01);
        o2.step(List.of(b), 0.01);
        assertArrayEquals(a.value(), b.value());
    }

    @Test
    void sgdStepIsMinusLrTimesGrad() {
        Param p = new Param("w", new float[]{1f, 2f});
        p.grad()[0] = 0.5f; p.grad()[1] = -4f;
        new Sgd(0).step(List.of(p), 0.1);
        assertArrayEquals(new float[]{0.95f, 2.4f}, p.value(), 1e-7f);
    }

    @Test
    void cosineWithWarmupLikeHuggingFace() {
        // get_cosine_schedule_with_warmup(num_warmup_steps=3, num_training_steps=100) at peak 1
        LrSchedule s = LrSchedule.of("cosine", 1.0, 0.03, 100);
        assertEquals(3, s.warmupSteps());
        assertEquals(0.0, s.lr(0));
        assertEquals(1.0 / 3, s.lr(1), 1e-12);
        assertEquals(1.0, s.lr(3), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 47 / 97.0)), s.lr(50), 1e-12);
        assertEquals(0.0, s.lr(100), 1e-12);
        assertEquals(0.5, LrSchedule.of("linear", 1.0, 0, 10).lr(5), 1e-12);
        assertEquals(1.0, LrSchedule.of("constant", 1.0, 0, 10).lr(9), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("step", 1, 0, 10));
    }

    @Test
    void clipScalesToTheGlobalNorm() {
        Param a = new Param("a", new float[2]), b = new Param("b", new float[1]);
        a.grad()[0] = 3; a.grad()[1] = 0; b.grad()[0] = 4;
        assertEquals(5, GradClip.clip(List.of(a, b), 1.0), 1e-9);
        assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-5);
        assertEquals(0.6, a.grad()[0], 1e-5);
        Param c = new Param("c", new float[]{0});
        c.grad()[0] = 0.5f;
        GradClip.clip(List.of(c), 1.0);
        assertEquals(0.5f, c.grad()[0]);
    }
    /**
     * optimizer: adam is torch.optim.Adam and adamw torch.optim.AdamW: with weight decay they differ (L2 in the gradient
     * vs decoupled). Reference: torch 1.13 in float64, betas (0.9, 0.99), eps 1e-6, weight_decay 0.3, two parameter groups
     * at lr 0.05 and 0.005 (here lr 0.05 and an lr scale of 0.1), four steps of g_t[i] = sin(1.3t + 0.7i)·(i + 1) for the
     * first array and sin(1.3t + 0.7(i + 3))·(i + 4) for the second.
     */
    @Test
    void adamAndAdamWWithWeightDecayMatchTorch() {
        double[][] adam = {{0.34446142674926966, -1.1153725515119008, 1.8780238426684766}, {0.095566246865317, 0.2019763863121497}};
        double[][] adamW = {{0.3823444259024258, -1.0718151863982415, 1.7888089262720817}, {0.09513244380870073, 0.2010078235483042}};
        for (String name : new String[]{"adam", "adamw"}) {
            Optimizer opt = Optimizer.create(name, 0.3, 0.9, 0.99, 1e-6);
            Param a = new Param("a", new float[]{0.5f, -1f, 2f}, 1.0), b = new Param("b", new float[]{0.1f, 0.2f}, 0.1);
            for (int t = 0; t < 4; t++) {
                for (int i = 0; i < 3; i++) a.grad()[i] = (float) (Math.sin(1.3 * t + 0.7 * i) * (i + 1));
                for (int i = 0; i < 2; i++) b.grad()[i] = (float) (Math.sin(1.3 * t + 0.7 * (i + 3)) * (i + 4));
                opt.step(List.of(a, b), 0.05);
            }
            double[][] want = name.equals("adam") ? adam : adamW;
            for (int i = 0; i < 3; i++) assertEquals(want[0][i], a.value()[i], 2e-6, name + " a[" + i + "]");
            for (int i = 0; i < 2; i++) assertEquals(want[1][i], b.value()[i], 2e-6, name + " b[" + i + "]");
            assertEquals(name, opt.name(), "the checkpoint records which of the two it was");
        }
    }
    /**
     * A head's bias was decayed like its weights, where Hugging Face's Trainer (the official code's) puts biases in a
     * parameter group with weight decay 0: with decay, the bias must step exactly as it does without, and the weights
     * must not.
     */
    @Test
    void aHeadsBiasIsNotDecayed() {
        for (String name : new String[]{"adamw", "adam", "sgd"}) {
            Optimizer decaying = Optimizer.create(name, 0.3, 0.9, 0.99, 1e-6), plain = Optimizer.create(name, 0, 0.9, 0.99, 1e-6);
            Param w = new Param("head.QED.weight", new float[]{0.5f, -1f}, 1.0), b = new Param("head.QED.bias", new float[]{0.8f}, 1.0);
            Param w0 = new Param("head.QED.weight", new float[]{0.5f, -1f}, 1.0), b0 = new Param("head.QED.bias", new float[]{0.8f}, 1.0);
            for (int t = 0; t < 4; t++) {
                for (Param[] pair : new Param[][]{{w, w0}, {b, b0}}) {
                    for (int i = 0; i < pair[0].grad().length; i++) pair[0].grad()[i] = pair[1].grad()[i] = (float) Math.sin(1.3 * t + 0.7 * i);
                }
                decaying.step(List.of(w, b), 0.05);
                plain.step(List.of(w0, b0), 0.05);
            }
            assertEquals(b0.value()[0], b.value()[0], name + ": the bias steps as without weight decay");
            assertNotEquals(w0.value()[0], w.value()[0], name + ": the weights are decayed");
        }
    }

    /**
     * warmup_ratio: 1 passes Hyper.read's own check ([0, 1], as Hugging Face's TrainingArguments) and is a schedule that
     * warms up over the whole run: get_cosine_schedule_with_warmup(num_warmup_steps=ceil(1·10)=10, 10) gives step/10.
     */
    @Test
    void warmupOverTheWholeRunIsAccepted() {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("warmup_ratio", 1.0).put("max_steps", 10);
        Hyper h = Hyper.read(new tagllm.config.ConfigNode(node, "exp.yaml: defaults"), Hyper.paper());
        LrSchedule s = LrSchedule.of(h.schedule(), 1.0, h.warmupRatio(), 10);
        for (int step = 0; step < 10; step++) assertEquals(step / 10.0, s.lr(step), 1e-12, "step " + step);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("cosine", 1.0, 1.01, 10));
    }
}
