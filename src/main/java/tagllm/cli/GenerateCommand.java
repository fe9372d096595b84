package tagllm.cli;

import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.model.Generator;
import tagllm.model.Sampler;
import tagllm.tokenizer.StreamDecoder;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt with the model, printing the new text as it is produced. Without --temperature, --top-k "
                + "or --top-p it decodes as the model's generation_config.json says (sampling when do_sample is true, else greedy), "
                + "as transformers' generate() does; with --temperature, it and --top-k/--top-p alone decide (0 = greedy; --top-k or "
                + "--top-p without --temperature are refused, as they would shape nothing).")
public final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--prompt", required = true, description = "the text to continue")
    String prompt;

    /** Without --max-tokens and without max_new_tokens in the model's generation_config.json. */
    static final int DEFAULT_MAX_TOKENS = 128;

    // no picocli default: as transformers' generate(), the model's generation_config.json decides when not given
    @Option(names = "--max-tokens", description = "most new tokens (default: the model's generation_config.json max_new_tokens, else "
            + DEFAULT_MAX_TOKENS + ")")
    Integer maxTokens;

    // no picocli defaults: an option not given leaves the choice to the model's generation_config.json
    @Option(names = "--temperature", description = "0 = greedy; above 0 samples (default: the model's generation_config.json, else greedy)")
    Double temperature;

    @Option(names = "--top-k", description = "sample among the K most likely tokens (0 = all, the default when another sampling option is given)")
    Integer topK;

    @Option(names = "--top-p", description = "sample within the smallest set of tokens holding probability P (1, the default when another sampling option is given)")
    Double topP;

    @Option(names = "--seed", defaultValue = "0", description = "random seed for sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        // as serve refuses max_tokens 0: a run that can generate nothing is a mistake, not a request
        if (maxTokens != null && maxTokens < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-tokens must be at least 1, got " + maxTokens);
        }
        // temperature 0 picks the most likely token: the options that shape or seed a sample would be read and do nothing
        if (temperature != null && temperature == 0) {
            for (String other : List.of("--top-k", "--top-p", "--seed")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(other)) {
                    throw new UsageError(other + ": " + tagllm.task.GreedyDecoding.changesNothing(other, "--temperature"));
                }
            }
        }
        // --top-k or --top-p alone take the temperature as 0, as POST /v1/generate does: greedy, so they would shape nothing
        if (temperature == null) {
            for (String other : List.of("--top-k", "--top-p")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(other)) {
                    throw new UsageError(other + ": " + tagllm.task.GreedyDecoding.changesNothing(other, "--temperature")
                            + " (--temperature is 0 when left out beside --top-k or --top-p)");
                }
            }
        }
        boolean explicit = temperature != null || topK != null || topP != null;
        Sampler sampler = null;
        if (explicit) {
            try {
                sampler = new Sampler(temperature != null ? temperature : 0, topK != null ? topK : 0, topP != null ? topP : 1.0, seed);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        LoadedModel m = LoadedModel.load(model, spec.commandLine());
        if (!explicit) {
            sampler = m.generation().defaultSampler(seed);
            // said on stderr only when it is not plain greedy, which is what users of older versions expect
            if (m.generation().samples()) {
                spec.commandLine().getErr().println("tagllm: " + m.generation().describeDefaultSampling() + ", seed " + seed
                        + " (the model's generation_config.json; --temperature 0 for greedy)");
                spec.commandLine().getErr().flush();
            }
        }
        Integer configured = m.generation().maxNewTokens();
        if (maxTokens == null && configured != null && configured < 1) {
            throw new IllegalArgumentException(model.model + ": generation_config.json: max_new_tokens must be at least 1, got " + configured
                    + " (give --max-tokens)");
        }
        int limit = maxTokens != null ? maxTokens : configured != null ? configured : DEFAULT_MAX_TOKENS;
        String limitName = maxTokens != null ? "--max-tokens " + limit
                : configured != null ? "generation_config.json's max_new_tokens " + limit : "the default --max-tokens " + limit;
        int[] ids = m.tokenizer().encode(prompt);
        if (ids.length == 0) throw new CommandLine.ParameterException(spec.commandLine(), "the prompt gives no tokens");
        // Primed with the prompt so the continuation decodes exactly as it would after it (leading spaces included).
        StreamDecoder text = m.tokenizer().streamDecoder(true);
        text.primeWith(ids);
        PrintWriter out = spec.commandLine().getOut();
        int[] generated = new Generator(m.transformer()).generate(ids, limit, sampler, id -> {
            out.print(text.push(id));
            out.flush();
        }, m.generation().eosTokenIds());
        out.println(text.flush());
        out.flush();
        int context = m.transformer().config().maxPositions();
        if (generated.length < limit && ids.length + generated.length >= context) {
            // the Generator stops there; without a word the short output looks like an EOS
            spec.commandLine().getErr().println("tagllm: stopped after " + generated.length + " of " + limitName
                    + " tokens: the prompt (" + ids.length + " tokens) and the output fill the model's context of " + context);
            spec.commandLine().getErr().flush();
        }
        return 0;
    }
}
