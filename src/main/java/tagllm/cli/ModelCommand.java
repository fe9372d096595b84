package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.model.HubId;
import tagllm.model.ModelConfig;
import tagllm.model.ModelFormatException;
import tagllm.model.ModelInfo;
import tagllm.model.ModelLocator;
import tagllm.model.RandomInit;
import tagllm.model.SafeTensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** `tagllm model inspect|init`: look at a model, or create a randomly initialised one from a config. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Inspect a model (folder or Hub id), or create a randomly initialised one from a config.json.",
        subcommands = {ModelCommand.Inspect.class, ModelCommand.Init.class})
public final class ModelCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Architecture, sizes, stored dtypes, parameter count, bytes on disk, rope and tokenizer of a model, "
                    + "and whether it loads (the structural checks loading makes, from the headers; exit status 1 when it would not).")
    static final class Inspect implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "MODEL", description = "A model folder, or a Hub id such as HuggingFaceTB/SmolLM2-135M.")
        String model;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Path dir = ModelLocator.fromEnvironment().resolve(model);
            String name = Files.isDirectory(Path.of(model)) ? dir.toAbsolutePath().normalize().getFileName().toString()
                    : HubId.parse(model).map(HubId::toString).orElse(model);
            ModelInfo info = ModelInfo.inspect(dir, name);
            var out = spec.commandLine().getOut();
            if (json) out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(info.toJson()));
            else out.print(info.toText());
            out.flush();
            // the report is printed either way; the exit status and stderr say, as loading would, that it will not load
            if (!info.loads()) throw new ModelFormatException(info.problem());
            return 0;
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Write a randomly initialised model folder (config.json, model.safetensors, tokenizer) from a config.json, "
                    + "initialised like Hugging Face (normal with initializer_range, norms one). For tests and benchmarks.")
    static final class Init implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--config", required = true, paramLabel = "CONFIG_JSON", description = "A Hugging Face config.json.")
        Path config;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "The model folder to write.")
        Path out;

        @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16", description = "Stored weight type (default ${DEFAULT-VALUE}).")
        String dtype;

        @Option(names = "--tokenizer", paramLabel = "FILE_OR_DIR",
                description = "Copy this tokenizer.json (or a model folder's tokenizer files); default: write a byte-fallback tokenizer covering the vocabulary.")
        Path tokenizer;

        @Option(names = "--force", description = "Overwrite a model folder that already exists.")
        boolean force;

        @Override
        public Integer call() throws Exception {
            SafeTensors.DType dt = switch (dtype.toLowerCase(Locale.ROOT)) {
                case "f32", "float32" -> SafeTensors.DType.F32;
                case "bf16", "bfloat16" -> SafeTensors.DType.BF16;
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "--dtype must be f32 or bf16, got '" + dtype + "'");
            };
            if (!force && (Files.exists(out.resolve("config.json")) || Files.exists(out.resolve("model.safetensors")))) {
                throw new ModelFormatException(out + ": already holds a model (use --force to overwrite it)");
            }
            long t0 = System.nanoTime();
            RandomInit.createModel(config, out, seed, dt, tokenizer);
            ModelConfig c = ModelConfig.load(out.resolve("config.json"));
            long bytes = Files.size(out.resolve("model.safetensors"));
            var o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "wrote %s: %s, %,d parameters, %s, %,d bytes, seed %d, in %.1f s%n", out, c.architecture(),
                    c.parameterCount(), dt, bytes, seed, (System.nanoTime() - t0) / 1e9);
            o.flush();
            return 0;
        }
    }
}
