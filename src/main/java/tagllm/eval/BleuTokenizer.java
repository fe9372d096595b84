package tagllm.eval;

import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * sacreBLEU's BLEU tokenizers. {@link #THIRTEEN_A} (mteval-v13a) is sacreBLEU's and WMT's default;
 * the others exist to reproduce sacreBLEU's published test cases and for users who need them.
 */
public enum BleuTokenizer {
    /** mteval-v13a.pl: splits ASCII punctuation and symbols, periods and commas unless inside numbers. */
    THIRTEEN_A("13a") {
        @Override
        public String tokenize(String line) {
            line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
            if (line.indexOf('&') >= 0) {
                line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
            }
            // the padding spaces let a sentence-final period split off even after a digit (unlike "intl")
            return collapse(applyAll(V13A, " " + line + " "));
        }
    },
    /** mteval-v14.pl's international tokenization over Unicode punctuation and symbol categories. */
    INTL("intl") {
        @Override
        public String tokenize(String line) {
            return collapse(applyAll(V14, line));
        }
    },
    /** Every code point is a token. */
    CHAR("char") {
        @Override
        public String tokenize(String line) {
            return line.codePoints().mapToObj(Character::toString).collect(Collectors.joining(" "));
        }
    },
    /** No tokenization: whitespace-separated words as given. */
    NONE("none") {
        @Override
        public String tokenize(String line) {
            return line;
        }
    };

    private final String signature;

    BleuTokenizer(String signature) {
        this.signature = signature;
    }

    /** The name sacreBLEU uses for this tokenizer in its signatures and its --tokenize option. */
    public String signature() {
        return signature;
    }

    public abstract String tokenize(String line);

    /** The tokenizer with sacreBLEU's name ("13a", "intl", "char", "none"). */
    public static BleuTokenizer fromSignature(String name) {
        for (BleuTokenizer t : values()) if (t.signature.equals(name)) return t;
        throw new IllegalArgumentException("unknown BLEU tokenizer '" + name + "': expected one of 13a, intl, char, none");
    }

    private record Rule(Pattern pattern, String replacement) {}

    private static final Rule[] V13A = {
            // ASCII ranges {-~, [-`, space-&, (-+, :-@ and /, exactly as in mteval-v13a
            new Rule(Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])"), " $1 "),
            new Rule(Pattern.compile("([^0-9])([\\.,])"), "$1 $2 "),
            new Rule(Pattern.compile("([\\.,])([^0-9])"), " $1 $2"),
            new Rule(Pattern.compile("([0-9])(-)"), "$1 $2 "),
    };

    private static final Rule[] V14 = {
            new Rule(Pattern.compile("(\\P{N})(\\p{P})"), "$1 $2 "),
            new Rule(Pattern.compile("(\\p{P})(\\P{N})"), " $1 $2"),
            new Rule(Pattern.compile("(\\p{S})"), " $1 "),
    };

    private static String applyAll(Rule[] rules, String line) {
        for (Rule r : rules) line = r.pattern.matcher(line).replaceAll(r.replacement);
        return line;
    }

    private static String collapse(String line) {
        return String.join(" ", PyText.split(line));
    }
}
