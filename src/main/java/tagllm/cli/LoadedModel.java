package tagllm.cli;

import tagllm.model.GenerationConfig;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** What the generate and perplexity commands need from --model: the engine, the tokenizer, the generation defaults. */
record LoadedModel(Path dir, Transformer transformer, Tokenizer tokenizer, GenerationConfig generation) {

    /** Goes through Model.load so the CLI gets the same checks (tokenizer fits the vocabulary, Hub ids) as the API. */
    static LoadedModel load(ModelOption option, picocli.CommandLine cl) throws IOException {
        Model m = option.load(cl);
        return new LoadedModel(m.dir(), new Transformer(m.weights()), m.tokenizer(), m.generation());
    }
}
