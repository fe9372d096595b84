package tagllm.cli;

import tagllm.model.GenerationConfig;
import tagllm.model.ModelConfig;
import tagllm.model.ModelLocator;
import tagllm.model.Transformer;
import tagllm.model.Weights;
import tagllm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the generate and perplexity commands need from --model: the engine, the tokenizer, the generation defaults. */
record LoadedModel(Path dir, Transformer transformer, Tokenizer tokenizer, GenerationConfig generation) {

    static LoadedModel load(String folderOrHubId) throws IOException {
        Path dir = ModelLocator.fromEnvironment().resolve(folderOrHubId);
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new IOException(dir + ": no config.json (is this a Hugging Face model folder?)");
        ModelConfig c = ModelConfig.load(config);
        Tokenizer tok = Tokenizer.load(dir);
        Transformer t = new Transformer(Weights.load(c, dir));
        return new LoadedModel(dir, t, tok, GenerationConfig.load(dir, c));
    }
}
