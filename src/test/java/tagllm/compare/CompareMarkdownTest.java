package tagllm.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table compare prints: spread and kept steps as a reader needs them, from a hand-written report. */
class CompareMarkdownTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode report(String seedsTagllm, String seedsProbe) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"tasks": {"qed": {"metric": "mse", "higher_is_better": false, "test_rows": 3, "variants": {
                  "tagllm": {"params": 577, "mean": {"mse": 0.5}, "std": {"mse": 0.25}, "seeds": %s},
                  "probe": {"params": 65, "mean": {"mse": 0.375}, "std": {"mse": 0.0}, "seeds": %s,
                            "vs_tagllm": {"mse": {"diff": -0.125, "lo": -0.25, "hi": 0.0625}}}}}}}
                """.formatted(seedsTagllm, seedsProbe));
    }

    @Test
    void severalSeedsShowTheirSpreadAndKeptSteps() throws Exception {
        String md = Compare.markdown(report("[{\"kept_step\": 0}, {\"kept_step\": 400}]", "[{\"kept_step\": -1}, {\"kept_step\": -1}]"));
        assertTrue(md.contains("| tagllm | 577 | 0.5000 ± 0.2500 | reference | 0, 400 |"), md);
        assertTrue(md.contains("| probe | 65 | 0.3750 ± 0.0000 | -0.1250 [-0.2500, 0.0625] | –, – |"), md);
    }

    @Test
    void oneSeedSaysSoInsteadOfAZeroSpread() throws Exception {
        String md = Compare.markdown(report("[{\"kept_step\": 150}]", "[{\"kept_step\": -1}]"));
        assertTrue(md.contains("| tagllm | 577 | 0.5000 (1 seed) | reference | 150 |"), md);
        assertTrue(md.contains("| probe | 65 | 0.3750 (1 seed) | -0.1250 [-0.2500, 0.0625] | – |"), md);
        assertFalse(md.contains("kept step 0 for"), "tagllm moved (step 150) and the probe does not train: " + md);
    }

    @Test
    void aMethodThatKeptItsStartInEverySeedIsNamed() throws Exception {
        String md = Compare.markdown(report("[{\"kept_step\": 0}, {\"kept_step\": 0}]", "[{\"kept_step\": -1}, {\"kept_step\": -1}]"));
        assertTrue(md.contains("(kept step 0 for tagllm: validation never beat where training started, so these scores are the starting point's)"), md);
        md = Compare.markdown(report("[{\"kept_step\": 0}, {\"kept_step\": 50}]", "[{\"kept_step\": -1}, {\"kept_step\": -1}]"));
        assertFalse(md.contains("kept step 0 for"), "one seed moved: " + md);
    }

    @Test
    void aMetricWithNoValueSaysUndefinedAndWhy() throws Exception {
        // the mean predictor's Pearson correlation: report.json holds null (constant predictions have none)
        ObjectNode r = (ObjectNode) JSON.readTree("""
                {"tasks": {"ba": {"metric": "pearson", "higher_is_better": true, "test_rows": 3, "variants": {
                  "tagllm": {"params": 833, "mean": {"pearson": 0.25}, "std": {"pearson": 0.0}, "seeds": [{"kept_step": 150}]},
                  "baseline": {"params": 1, "baseline": "training mean", "mean": {"pearson": null}, "std": {"pearson": null},
                               "seeds": [{"kept_step": -1}], "vs_tagllm": {"pearson": {"diff": null, "lo": null, "hi": null}}}}}}}
                """);
        String md = Compare.markdown(r);
        assertTrue(md.contains("| tagllm | 833 | 0.2500 (1 seed) | reference | 150 |"), md);
        assertTrue(md.contains("| baseline (training mean) | 1 | undefined | – | – |"), md);
        assertTrue(md.contains("(undefined: pearson has no value for these predictions, a correlation of predictions that are all the same)"), md);
    }

    /** Without a Tag-LLM run (--methods probe) no row is the reference: each says there is nothing to compare with. */
    @Test
    void withoutATagLlmRunNoRowIsCalledTheReference() throws Exception {
        ObjectNode r = (ObjectNode) JSON.readTree("""
                {"tasks": {"qed": {"metric": "mse", "higher_is_better": false, "test_rows": 3, "variants": {
                  "probe": {"params": 65, "mean": {"mse": 0.375}, "std": {"mse": 0.0}, "seeds": [{"kept_step": -1}], "vs_tagllm": null},
                  "baseline": {"params": 1, "baseline": "training mean", "mean": {"mse": 0.5}, "std": {"mse": 0.0},
                               "seeds": [{"kept_step": -1}], "vs_tagllm": null}}}}}
                """);
        String md = Compare.markdown(r);
        assertTrue(md.contains("| probe | 65 | 0.3750 (1 seed) | – (no Tag-LLM run) | – |"), md);
        assertTrue(md.contains("| baseline (training mean) | 1 | 0.5000 (1 seed) | – (no Tag-LLM run) | – |"), md);
        assertFalse(md.contains("reference"), md);
        String html = HtmlReport.render(r);
        assertTrue(html.contains("no Tag-LLM run to compare with") && !html.contains(">reference<"), "the HTML table too");
    }

    /**
     * One test row: report.json has the difference, null bounds and why; the printed table showed a bare
     * "0.1250 [n/a, n/a]" where report.html gives "no interval: one test row: ...". It now says so too.
     */
    @Test
    void aDifferenceWithoutAnIntervalSaysWhy() throws Exception {
        ObjectNode r = (ObjectNode) JSON.readTree("""
                {"tasks": {"qed": {"metric": "mse", "higher_is_better": false, "test_rows": 1, "variants": {
                  "tagllm": {"params": 577, "mean": {"mse": 0.5}, "std": {"mse": null}, "seeds": [{"kept_step": 150}]},
                  "probe": {"params": 65, "mean": {"mse": 0.625}, "std": {"mse": null}, "seeds": [{"kept_step": -1}],
                            "vs_tagllm": {"mse": {"diff": 0.125, "lo": null, "hi": null, "resamples": 0,
                                          "undefined": "one test row: resampling it gives that row again, so there is no interval over rows"}}}}}}}
                """);
        String md = Compare.markdown(r);
        assertTrue(md.contains("| probe | 65 | 0.6250 (1 seed) | 0.1250 [n/a, n/a] (no interval: one test row: resampling it gives that row again, "
                + "so there is no interval over rows) | – |"), md);
        assertTrue(HtmlReport.render(r).contains("no interval: one test row"), "as the HTML table says it");
    }
}
