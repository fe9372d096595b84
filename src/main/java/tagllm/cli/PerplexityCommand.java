package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tagllm.model.Perplexity;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Mean per-token negative log-likelihood and perplexity of a text file under the model "
                + "(sliding windows with a stride when the text is longer than the window).")
public final class PerplexityCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelOption model = new ModelOption();

    @Option(converter = StandardStreams.In.class, names = "--file", required = true, description = "UTF-8 text file to score")
    Path file;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--window", description = "tokens per window (default: the model's max_position_embeddings)")
    Integer window;

    @Option(names = "--stride", description = "tokens between window starts, below --window (default: half the window); "
            + "a text that fits in one window is scored by that window alone, so the stride changes nothing there")
    Integer stride;

    @Override
    public Integer call() throws Exception {
        // what the command line alone decides, before the file is read or the model loaded (seconds for a large one)
        if (window != null && window < 2) {
            throw new UsageError("--window must be at least 2 (the first token of a window has no context to be scored from), got " + window);
        }
        if (stride != null && stride < 1) throw new UsageError("--stride must be at least 1, got " + stride);
        if (window != null && stride != null) requireStrideBelow(stride, window, Integer.toString(window));
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8 text");
        } catch (IOException e) {
            // reading a folder fails with the system's bare "Is a directory"
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "a folder, not a text file" : tagllm.util.FileErrors.why(e)), e);
        }
        LoadedModel m = LoadedModel.load(model, spec.commandLine());
        int[] ids = m.tokenizer().encode(content);
        if (content.isBlank()) throw new IOException(file + ": the file is empty" + (content.isEmpty() ? "" : " (only white space)") + ": nothing to score");
        if (ids.length < 2) throw new IOException(file + ": " + ids.length + (ids.length == 1 ? " token" : " tokens") + ", at least 2 are needed to score anything");
        int context = m.transformer().config().maxPositions();
        if (window != null && window > context) {
            throw new UsageError("--window must be at most the model's context of " + context + " positions, got " + window);
        }
        int w = window != null ? window : context;
        if (window == null && stride != null) requireStrideBelow(stride, w, w + ", the model's context");
        int s = stride != null ? stride : Math.max(1, w / 2);
        Perplexity.Result r;
        try {
            var bar = tagllm.util.RowProgress.of(spec.commandLine().getErr(), quiet, "perplexity", "tokens", ids.length - 1);
            r = Perplexity.of(m.transformer(), ids, w, s, bar::to);
            bar.finish();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("file", file.toString());
            o.put("model", m.dir().toString());
            o.put("tokens", r.tokens());
            // eval names the same quantity (mean next-token cross-entropy, nats/token) next_token_loss; "nll" is kept
            // beside it for scripts written against builds up to 82e45ea. As eval: a value that is not a finite number
            // is null with its reason under "undefined" (Jackson wrote the strings "NaN" and "Infinity"); eval's rule and words
            var loss = new tagllm.eval.NextTokenLoss(r.nll(), "weights too large for float");
            java.util.List<String> undefined = loss.undefined();
            putFinite(o, "next_token_loss", loss.loss());
            putFinite(o, "nll", loss.loss());
            putFinite(o, "perplexity", loss.perplexity());
            o.put("window", w);
            o.put("stride", s);
            o.put("windows", r.windows());
            if (!undefined.isEmpty()) o.set("undefined", o.arrayNode().addAll(undefined.stream().map(o::textNode).toList()));
            out.println(new ObjectMapper().writeValueAsString(o));
        } else {
            out.printf(java.util.Locale.ROOT, "tokens scored: %d%nmean NLL: %.6f nats/token%nperplexity: %.4f%nwindows: %d (window %d, stride %d)%n",
                    r.tokens(), r.nll(), r.perplexity(), r.windows(), w, s);
        }
        out.flush();
        return 0;
    }

    private static void requireStrideBelow(int stride, int window, String windowSays) {
        if (stride >= window) {
            throw new UsageError("--stride must be below --window (" + windowSays + "): windows --stride apart overlap by window - stride tokens,"
                    + " and with none the first token of each window would go unscored; got " + stride);
        }
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }
}
