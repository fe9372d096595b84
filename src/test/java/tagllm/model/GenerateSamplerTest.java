package tagllm.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerateSamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2f, 3f, -1f, 0.5f};

    @Test
    void greedyTakesTheLowestIdAmongTies() {
        assertEquals(1, Sampler.greedy().sample(LOGITS));
        assertEquals(2, new Sampler(1.0, 1, 1.0, 4).sample(new float[]{1f, 2f, 3f, 0f}), "top-k 1 without a tie is the argmax");
    }

    /** As transformers' TopKLogitsWarper (scores below the k-th removed): tokens tied with the k-th all stay candidates. */
    @Test
    void topKKeepsEveryTokenTiedWithTheKth() {
        Sampler k1 = new Sampler(1.0, 1, 1.0, 4);
        int[] count = new int[LOGITS.length];
        for (int i = 0; i < 2000; i++) count[k1.sample(LOGITS)]++;
        // ids 1 and 3 share the top logit: half each (within 5 standard deviations of 1000)
        assertEquals(2000, count[1] + count[3]);
        assertTrue(Math.abs(count[1] - 1000) < 5 * Math.sqrt(500), "id 1 drawn " + count[1] + " of 2000");
        // top-k 3: ids 1, 3 (logit 3) and 2 (logit 2); a fourth tied with the third would join them
        Sampler k3 = new Sampler(1.0, 3, 1.0, 5);
        float[] tiedThird = {2f, 3f, 2f, 3f, -1f, 0.5f};
        boolean sawZero = false;
        for (int i = 0; i < 2000; i++) {
            int t = k3.sample(tiedThird);
            assertTrue(t <= 3, "top-3 with ids 0 and 2 tied third: ids 0..3, got " + t);
            sawZero |= t == 0;
        }
        assertTrue(sawZero, "id 0, tied with id 2 at the third logit, is a candidate");
    }

    @Test
    void sameSeedSameSequence() {
        Sampler a = new Sampler(1.3, 0, 1.0, 42), b = new Sampler(1.3, 0, 1.0, 42);
        for (int i = 0; i < 200; i++) assertEquals(a.sample(LOGITS), b.sample(LOGITS));
    }

    @Test
    void frequenciesFollowTheTemperedSoftmax() {
        double temp = 0.8;
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(LOGITS[i] / temp);
        int draws = 40_000;
        int[] count = new int[p.length];
        Sampler s = new Sampler(temp, 0, 1.0, 7);
        for (int i = 0; i < draws; i++) count[s.sample(LOGITS)]++;
        for (int i = 0; i < p.length; i++) {
            double expect = p[i] / sum;
            double sd = Math.sqrt(expect * (1 - expect) / draws);
            assertTrue(Math.abs(count[i] / (double) draws - expect) < 5 * sd + 1e-4, "token " + i);
        }
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        Sampler k2 = new Sampler(5.0, 2, 1.0, 1);
        for (int i = 0; i < 500; i++) {
            int t = k2.sample(LOGITS);
            assertTrue(t == 1 || t == 3, "top-2 are ids 1 and 3, got " + t);
        }
        // at temperature 1 ids 1 and 3 hold 2·e³/Σ ≈ 0.72 of the mass; p = 0.7 keeps exactly them
        Sampler nucleus = new Sampler(1.0, 0, 0.7, 2);
        for (int i = 0; i < 500; i++) {
            int t = nucleus.sample(LOGITS);
            assertTrue(t == 1 || t == 3, "nucleus 0.7 is ids 1 and 3, got " + t);
        }
        // p = 0.8 needs id 2 as well
        Sampler wider = new Sampler(1.0, 0, 0.8, 3);
        boolean sawTwo = false;
        for (int i = 0; i < 2000; i++) {
            int t = wider.sample(LOGITS);
            assertTrue(t == 1 || t == 2 || t == 3);
            sawTwo |= t == 2;
        }
        assertTrue(sawTwo);
    }

    /**
     * transformers' TopPLogitsWarper sorts ascending, takes the cumulative softmax and removes every token whose
     * cumulative sum is &lt;= 1 - top_p (keeping at least one): a token survives exactly when the probability of the
     * tokens more likely than it is below top_p. Four equal logits give 0.25 each, exactly in binary, so the
     * boundaries are exact: top_p 0.5 removes cumsums 0.25 and 0.5 (2 left), 0.75 removes 0.25 (3 left),
     * 0.25 keeps 1, 0.6 keeps 3, 0.8 keeps 4 (checked against torch on the same logits). Among tied tokens HF's survivors follow torch.sort's order, which is
     * not stable for vocabulary-sized inputs; tagllm keeps the lowest ids, as for greedy ties.
     */
    @Test
    void topPAtAnExactBoundaryKeepsAsManyAsTransformers() {
        float[] equal = {0f, 0f, 0f, 0f};
        double[] topPs = {0.25, 0.5, 0.6, 0.75, 0.8, 1.0};
        int[] kept = {1, 2, 3, 3, 4, 4};
        for (int c = 0; c < topPs.length; c++) {
            Sampler s = new Sampler(1.0, 0, topPs[c], 11);
            boolean[] seen = new boolean[4];
            for (int i = 0; i < 400; i++) seen[s.sample(equal)] = true;
            for (int id = 0; id < 4; id++) {
                assertEquals(id < kept[c], seen[id], "top_p " + topPs[c] + ": id " + id + (id < kept[c] ? " never drawn" : " drawn"));
            }
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, -2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(Double.NaN, 0, 1, 0));
    }

    /** A tiny temperature scales the logits past the double range; the draw must still favour the most likely token. */
    @Test
    void aTinyTemperatureDrawsTheMostLikelyToken() {
        float[] logits = {1f, 5f, 2f, -3f};
        for (double temp : new double[]{1e-310, Double.MIN_VALUE, 1e-300}) {
            Sampler s = new Sampler(temp, 0, 1.0, 11);
            for (int i = 0; i < 200; i++) assertEquals(1, s.sample(logits), "temperature " + temp);
            Sampler nucleus = new Sampler(temp, 0, 0.9, 12);
            for (int i = 0; i < 200; i++) assertEquals(1, nucleus.sample(logits), "temperature " + temp + ", top-p 0.9");
        }
    }
}
