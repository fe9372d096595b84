package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.serve.PredictorService;
import tagllm.serve.ServerOptions;
import tagllm.serve.TagServer;
import tagllm.serve.TaskInfo;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** tagllm serve --model M --tags FILE…: the HTTP JSON API (docs/serve.md) until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve tag files over an HTTP JSON API: GET /health, GET /v1/tasks, POST /v1/predict, POST /v1/generate.",
                "Runs until interrupted (Ctrl-C). See docs/serve.md."})
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--tags", required = true, arity = "1..*", paramLabel = "FILE",
            description = "tag files (*.tags.safetensors), composed in order; repeat or list several")
    List<Path> tags;

    @Option(names = "--host", defaultValue = ServerOptions.DEFAULT_HOST,
            description = "address to listen on (default: ${DEFAULT-VALUE}; the API has no authentication)")
    String host;

    @Option(names = "--port", defaultValue = "" + ServerOptions.DEFAULT_PORT, description = "port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--threads", defaultValue = "" + ServerOptions.DEFAULT_THREADS,
            description = "request-handling threads (default: ${DEFAULT-VALUE}); model work takes turns")
    int threads;

    @Option(names = "--queue", defaultValue = "64", description = "requests that may wait for a thread (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--max-body", defaultValue = "8MiB", converter = ByteSize.class,
            description = "largest request body, e.g. 8MiB, 512KiB, 100000 (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--max-inputs", defaultValue = "" + ServerOptions.DEFAULT_MAX_INPUTS,
            description = "most inputs per request (default: ${DEFAULT-VALUE})")
    int maxInputs;

    @Option(names = "--max-tokens", defaultValue = "" + ServerOptions.DEFAULT_MAX_TOKENS,
            description = "highest max_tokens a generate request may ask for (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--busy-timeout", defaultValue = "120",
            description = "seconds a request may wait for the model before getting 503 (default: ${DEFAULT-VALUE})")
    double busyTimeout;

    @Option(names = "--quiet", description = "no access log on stderr")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!(busyTimeout > 0) || busyTimeout > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--busy-timeout: expected 0 < seconds <= 86400, got " + busyTimeout);
        }
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, threads, queue, maxBody, maxInputs, maxTokens,
                    quiet ? null : line -> err.println(line));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), optionNamed(e.getMessage()));
        }
        PredictorService service = PredictorService.load(model.load(spec.commandLine()), tags, Duration.ofMillis(Math.round(busyTimeout * 1000)));
        out.println("model " + service.modelName() + " (fingerprint " + service.modelFingerprint().substring(0, Math.min(12, service.modelFingerprint().length())) + ")");
        for (TaskInfo t : service.tasks()) {
            out.println("  task " + t.name() + " (" + t.kind() + ", from " + t.source() + "), fields: " + String.join(", ", t.fields()));
        }
        service.notServed().forEach((name, why) -> err.println("note: task " + name + " is not served: " + why));
        if (service.tasks().isEmpty()) err.println("warning: the tag files hold no task this server can run (GET /v1/tasks will be empty)");
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            err.println("warning: listening on " + host + ", which is not a loopback address: anyone who can reach it can use the API (it has no authentication)");
        }
        TagServer server = TagServer.start(service, options);
        Thread hook = new Thread(() -> {
            server.stop(2);
            out.println("stopped");
            out.flush();
        }, "tagllm-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("listening on " + server.uri() + "  (Ctrl-C stops)");
        out.flush();
        try {
            new CountDownLatch(1).await(); // until SIGINT (the hook stops the server) or, in-process, an interrupt
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
            server.stop(0);
        }
        return 0;
    }

    /** ServerOptions names its fields in words ("max inputs: ..."); say the option instead. */
    private static String optionNamed(String message) {
        String[][] names = {{"max body size", "--max-body"}, {"max inputs", "--max-inputs"}, {"max tokens", "--max-tokens"},
                {"port", "--port"}, {"threads", "--threads"}, {"queue", "--queue"}, {"host", "--host"}};
        for (String[] n : names) if (message.startsWith(n[0] + ":")) return n[1] + message.substring(n[0].length());
        return message;
    }

    /** "8MiB", "512KiB", "2M", "100000": a byte count (K/M/G are binary, as is usual for limits). */
    static final class ByteSize implements CommandLine.ITypeConverter<Long> {
        private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);

        @Override
        public Long convert(String value) {
            Matcher m = SIZE.matcher(value.trim());
            if (!m.matches()) throw new CommandLine.TypeConversionException("'" + value + "' is not a size (e.g. 8MiB, 512KiB, 100000)");
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is too large");
            }
            if (n > (Long.MAX_VALUE >> shift)) throw new CommandLine.TypeConversionException("'" + value + "' is too large");
            return n << shift;
        }
    }
}
