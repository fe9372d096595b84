package tagllm.task;

import tagllm.eval.Bleu;
import tagllm.eval.ChrF;

/**
 * Text prompts generated one at a time into corpus BLEU and chrF: only the metrics' summed n-gram statistics are kept,
 * not the outputs or references, so that a large split is scored in bounded memory with the scores corpus BLEU and
 * chrF give over all the outputs at once.
 */
public final class TextTally {
    private final TagPredictor predictor;
    private final int maxNewTokens;
    private final Bleu.Corpus bleu = Bleu.builder().build().corpus();
    private final ChrF.Corpus chrf = ChrF.builder().build().corpus();
    private long contextFull;

    public TextTally(TagPredictor predictor, int maxNewTokens) {
        this.predictor = predictor;
        this.maxNewTokens = maxNewTokens;
    }

    /** Generates the prompt's output greedily and scores it against the example's text (its reference). */
    public void add(Example prompt) {
        TagPredictor.Generation g = predictor.generation(prompt.sequence(), maxNewTokens);
        if (g.contextFull()) contextFull++;
        String out = g.text().strip();
        String ref = prompt.text() == null ? "" : prompt.text().strip();
        bleu.add(out, ref);
        chrf.add(out, ref);
    }

    /** Outputs the model's context cut before maxNewTokens (scored as they are: the context left no room for more). */
    public long contextFull() {
        return contextFull;
    }

    public tagllm.eval.BleuScore bleu() {
        return bleu.score();
    }

    public double chrf() {
        return chrf.score();
    }
}
