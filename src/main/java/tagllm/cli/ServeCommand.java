package tagllm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.serve.PredictorService;
import tagllm.serve.ServerOptions;
import tagllm.serve.TagServer;
import tagllm.serve.TagSetFiles;
import tagllm.serve.TagSetInfo;
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

/** tagllm serve --model M --tags FILE|FOLDER…: the HTTP JSON API over one base model and several tag sets (docs/serve.md) until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve tag files over an HTTP JSON API: GET /health, /v1/tag-sets, /v1/tasks, /metrics, /openapi.json; POST /v1/predict, /v1/generate.",
                "Runs until interrupted (Ctrl-C). See docs/serve.md."})
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--tags", required = true, arity = "1..*", paramLabel = "FILE|FOLDER|NAME=FILE[,FILE...]",
            description = {"tag sets served together on the one base model, each chosen per request by its name (\"tag_set\"):",
                    "a tag file (named after the file: qed.tags.safetensors is qed, RUN/final.tags.safetensors is RUN),",
                    "a folder (every *.tags.safetensors in it), or NAME=FILE[,FILE...] (several files composed into one set); repeat or list several"})
    List<String> tags;

    @Option(names = "--host", defaultValue = ServerOptions.DEFAULT_HOST,
            description = "address to listen on (default: ${DEFAULT-VALUE}); another address needs an access token")
    String host;

    @Option(names = "--port", defaultValue = "" + ServerOptions.DEFAULT_PORT, description = "port (default: ${DEFAULT-VALUE}; 0 picks a free one)")
    int port;

    @Option(names = "--threads", defaultValue = "" + ServerOptions.DEFAULT_THREADS,
            description = "platform threads parsing and answering requests (default: ${DEFAULT-VALUE}); requests wait on virtual threads")
    int threads;

    @Option(names = "--queue", defaultValue = "" + ServerOptions.DEFAULT_QUEUE,
            description = "most API requests waiting for the model or running (a request still sending its body holds no place); beyond, 503 with Retry-After (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--read-timeout", defaultValue = "10", description = "seconds a connection may send nothing before it is closed (default: ${DEFAULT-VALUE})")
    double readTimeout;

    @Option(names = "--header-timeout", defaultValue = "10", description = "seconds a request header may take to arrive (default: ${DEFAULT-VALUE})")
    double headerTimeout;

    @Option(names = "--body-timeout", defaultValue = "30", description = "seconds a request body may take to arrive; 408 beyond (default: ${DEFAULT-VALUE})")
    double bodyTimeout;

    @Option(names = "--max-connections", defaultValue = "" + ServerOptions.DEFAULT_MAX_CONNECTIONS,
            description = "open connections beyond which new ones wait to be accepted (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--max-connections-per-client", defaultValue = "0", paramLabel = "N",
            description = "most open connections from one client address; a further one is closed at once "
                    + "(default 0: a quarter of --max-connections; behind a reverse proxy every client has its address, so raise it)")
    int maxConnectionsPerClient;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "file holding the access token clients must send (Authorization: Bearer TOKEN); or set TAGLLM_TOKEN. Required to listen beyond loopback")
    Path tokenFile;

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
        String token = token();
        if (token == null && !InetAddress.getByName(host).isLoopbackAddress()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--host " + host + " is not a loopback address: give an access token "
                    + "(--token-file FILE, or the environment variable TAGLLM_TOKEN) so that only your clients can use the API");
        }
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, threads, queue, maxBody, maxInputs, maxTokens, seconds("--read-timeout", readTimeout),
                    seconds("--header-timeout", headerTimeout), seconds("--body-timeout", bodyTimeout), maxConnections, maxConnectionsPerClient, token,
                    quiet ? null : line -> err.println(line));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), optionNamed(e.getMessage()));
        }
        List<TagSetFiles> sets;
        try {
            sets = TagSetFiles.resolve(tags);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PredictorService service = PredictorService.loadSets(model.load(spec.commandLine()), sets, Duration.ofMillis(Math.round(busyTimeout * 1000)));
        // listening first: a port in use is one error line, not a listing of tag sets as if the server were coming up
        TagServer server;
        try {
            server = TagServer.start(service, options);
        } catch (java.io.IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        out.println("model " + service.modelName() + " (fingerprint " + service.modelFingerprint().substring(0, Math.min(12, service.modelFingerprint().length())) + ")");
        for (TagSetInfo set : service.tagSets()) {
            out.println("  tag set " + set.name() + " (" + String.join(" + ", set.files()) + ")");
            for (TaskInfo t : service.tasks()) {
                if (!set.name().equals(t.tagSet())) continue;
                out.println("    task " + t.name() + " (" + t.kind() + ", from " + t.source() + "), fields: " + String.join(", ", t.fields()));
            }
        }
        for (TagSetInfo set : service.tagSets()) {
            String which = service.tagSets().size() > 1 ? " (tag set " + set.name() + ")" : "";
            set.notServed().forEach((name, why) -> err.println("note: task " + name + " is not served" + which + ": " + why));
        }
        if (service.tasks().isEmpty()) err.println("warning: the tag files hold no task this server can run (GET /v1/tasks will be empty)");
        if (token != null) err.println("note: clients must send 'Authorization: Bearer TOKEN' (all endpoints but /health and /openapi.json)");
        Thread hook = new Thread(() -> {
            server.stop(2);
            service.close();
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
            service.close();
        }
        return 0;
    }

    private Duration seconds(String option, double s) {
        if (!(s > 0) || s > 3600) throw new CommandLine.ParameterException(spec.commandLine(), option + ": expected 0 < seconds <= 3600, got " + s);
        return Duration.ofMillis(Math.max(1, Math.round(s * 1000)));
    }

    /** The access token from --token-file or TAGLLM_TOKEN (a file keeps it out of the process list and shell history). */
    private String token() throws java.io.IOException {
        String t;
        if (tokenFile != null) {
            try {
                t = java.nio.file.Files.readString(tokenFile).trim();
            } catch (java.io.IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--token-file " + tokenFile + ": cannot read it: " + e.getMessage());
            }
            if (t.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--token-file " + tokenFile + ": the file is empty");
        } else {
            t = System.getenv("TAGLLM_TOKEN");
            if (t != null) t = t.trim();
            if (t != null && t.isEmpty()) t = null;
        }
        if (t != null && t.length() < 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the access token is " + t.length()
                    + " characters long; use at least 16 (e.g. openssl rand -hex 32)");
        }
        return t;
    }

    /** ServerOptions names its fields in words ("max inputs: ..."); say the option instead. */
    private static String optionNamed(String message) {
        String[][] names = {{"max body size", "--max-body"}, {"max inputs", "--max-inputs"}, {"max tokens", "--max-tokens"},
                {"port", "--port"}, {"threads", "--threads"}, {"queue", "--queue"}, {"host", "--host"},
                {"max connections", "--max-connections"}, {"max connections per client", "--max-connections-per-client"}, {"read timeout", "--read-timeout"}, {"header timeout", "--header-timeout"},
                {"body timeout", "--body-timeout"}};
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
