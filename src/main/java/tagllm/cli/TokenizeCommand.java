package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.model.ModelLocator;
import tagllm.tokenizer.Tokenizer;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** `tagllm tokenize`: the ids and pieces of texts, or the text of ids, with a model's tokenizer.json. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Show how a model's tokenizer splits text (ids and pieces), or decode ids back to text. "
                + "Texts come from the arguments, else one per line from standard input.")
public final class TokenizeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "A model folder, a tokenizer.json file, or a Hub id.")
    String model;

    @Parameters(index = "1..*", paramLabel = "TEXT", description = "Texts to encode (or ids with --decode).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--no-special", description = "Leave out the special tokens the tokenizer adds (such as BOS); encoding only (with --decode: --skip-special).")
    boolean noSpecial;

    @Option(names = "--decode", description = "Read ids (separated by spaces or commas) and print their text.")
    boolean decode;

    @Option(names = "--skip-special", description = "With --decode: leave special tokens out of the text.")
    boolean skipSpecial;

    @Option(names = "--json", description = "One JSON object per text: text, ids, tokens (with --decode: the decoded text).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        // before standard input is read: on a terminal that waits for Ctrl-D, and a pipe would be consumed for nothing
        if (skipSpecial && !decode) throw new UsageError("--skip-special applies to --decode (encoding shows every token)");
        if (noSpecial && decode) {
            throw new UsageError("--no-special: --decode prints the text of the ids given, adding no token; leave out --no-special"
                    + " (to leave special tokens out of the text: --skip-special)");
        }
        Path p = Path.of(model);
        Tokenizer tok = Tokenizer.load(Files.isRegularFile(p) ? p : ModelLocator.fromEnvironment().resolve(model));
        PrintWriter out = spec.commandLine().getOut();
        List<String> inputs = texts;
        if (inputs.isEmpty()) {
            inputs = new ArrayList<>();
            // strict: the JDK's decoder made invalid UTF-8 U+FFFD and tokenized that without a word; an error names the line
            BufferedReader in = new BufferedReader(new tagllm.data.StrictUtf8Reader(System.in, "standard input"));
            for (String line; (line = in.readLine()) != null; ) inputs.add(line);
        }
        // ids given as arguments are part of the command line: all checked before anything is printed, a bad one a
        // usage error; ids read from standard input are input (exit 1 at the bad line)
        List<int[]> argumentIds = new ArrayList<>();
        if (decode && !texts.isEmpty()) {
            for (String input : texts) argumentIds.add(UsageError.ifRefused(() -> parseIds(input, tok)));
        }
        ObjectMapper om = new ObjectMapper();
        for (int k = 0; k < inputs.size(); k++) {
            String input = inputs.get(k);
            int[] ids = !decode ? tok.encode(input, !noSpecial) : argumentIds.isEmpty() ? parseIds(input, tok) : argumentIds.get(k);
            String text = decode ? tok.decode(ids, skipSpecial) : input;
            if (json) {
                // also with --decode: a text with a line break would otherwise no longer be one line per input
                ObjectNode o = om.createObjectNode();
                o.put("text", text);
                ArrayNode idArray = o.putArray("ids");
                ArrayNode pieces = o.putArray("tokens");
                for (int id : ids) {
                    idArray.add(id);
                    pieces.add(tok.token(id));
                }
                out.println(om.writeValueAsString(o));
            } else if (decode) {
                out.println(text);
            } else {
                StringBuilder a = new StringBuilder(), b = new StringBuilder();
                for (int id : ids) {
                    if (!a.isEmpty()) {
                        a.append(' ');
                        b.append(' ');
                    }
                    a.append(id);
                    b.append(visible(tok.token(id)));
                }
                out.println(ids.length + (ids.length == 1 ? " token: " : " tokens: ") + a);
                out.println("  " + b);
            }
        }
        out.flush();
        return 0;
    }

    private static int[] parseIds(String s, Tokenizer tok) {
        String[] parts = s.trim().split("[\\s,]+");
        if (parts.length == 1 && parts[0].isEmpty()) return new int[0];
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].replace("[", "").replace("]", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--decode: \"" + parts[i] + "\" is not a token id");
            }
            if (tok.token(ids[i]) == null) throw new IllegalArgumentException("--decode: no token has id " + ids[i]);
        }
        return ids;
    }

    /** A piece with its whitespace and control characters made visible, so pieces stay one per column. */
    private static String visible(String piece) {
        StringBuilder sb = new StringBuilder();
        piece.codePoints().forEach(cp -> {
            switch (cp) {
                case ' ' -> sb.append('␣');
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (Character.isISOControl(cp)) sb.append(String.format("\\u%04X", cp));
                    else sb.appendCodePoint(cp);
                }
            }
        });
        return sb.toString();
    }
}
