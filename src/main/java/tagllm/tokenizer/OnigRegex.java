package tagllm.tokenizer;

import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the Oniguruma (Ruby syntax) patterns of tokenizer.json files with java.util.regex.
 * Most constructs mean the same in both (possessive and lazy quantifiers, lookaround, {@code (?i:…)},
 * {@code \p{L}}, {@code \p{N}}); what differs is translated:
 * <ul>
 *   <li>{@code \s}, {@code \w}, {@code \d} and case folding are Unicode-aware in Oniguruma on UTF-8 text,
 *       hence {@link Pattern#UNICODE_CHARACTER_CLASS};</li>
 *   <li>{@code ^}/{@code $} are line anchors in Ruby syntax, hence {@link Pattern#MULTILINE};</li>
 *   <li>script and long category names without a prefix ({@code \p{Han}}, {@code \p{Letter}},
 *       {@code \p{^L}}) become Java's {@code \p{IsHan}}, {@code \p{L}}, {@code \P{L}};</li>
 *   <li>{@code \h}/{@code \H} (a hex digit in Ruby, horizontal space in Java) and POSIX brackets
 *       {@code [[:alpha:]]}.</li>
 * </ul>
 */
final class OnigRegex {
    private OnigRegex() {}

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE;

    private static final Map<String, String> LONG_CATEGORY_NAMES = Map.ofEntries(
            Map.entry("letter", "L"), Map.entry("cased_letter", "LC"), Map.entry("uppercase_letter", "Lu"),
            Map.entry("lowercase_letter", "Ll"), Map.entry("titlecase_letter", "Lt"),
            Map.entry("modifier_letter", "Lm"), Map.entry("other_letter", "Lo"),
            Map.entry("mark", "M"), Map.entry("combining_mark", "M"), Map.entry("nonspacing_mark", "Mn"),
            Map.entry("spacing_mark", "Mc"), Map.entry("enclosing_mark", "Me"),
            Map.entry("number", "N"), Map.entry("decimal_number", "Nd"), Map.entry("letter_number", "Nl"),
            Map.entry("other_number", "No"),
            Map.entry("punctuation", "P"), Map.entry("connector_punctuation", "Pc"),
            Map.entry("dash_punctuation", "Pd"), Map.entry("open_punctuation", "Ps"),
            Map.entry("close_punctuation", "Pe"), Map.entry("initial_punctuation", "Pi"),
            Map.entry("final_punctuation", "Pf"), Map.entry("other_punctuation", "Po"),
            Map.entry("symbol", "S"), Map.entry("math_symbol", "Sm"), Map.entry("currency_symbol", "Sc"),
            Map.entry("modifier_symbol", "Sk"), Map.entry("other_symbol", "So"),
            Map.entry("separator", "Z"), Map.entry("space_separator", "Zs"), Map.entry("line_separator", "Zl"),
            Map.entry("paragraph_separator", "Zp"),
            Map.entry("other", "C"), Map.entry("control", "Cc"), Map.entry("format", "Cf"),
            Map.entry("surrogate", "Cs"), Map.entry("private_use", "Co"), Map.entry("unassigned", "Cn"));

    private static final Map<String, String> POSIX_CLASSES = Map.ofEntries(
            Map.entry("alpha", "\\p{Alpha}"), Map.entry("digit", "\\p{Digit}"), Map.entry("alnum", "\\p{Alnum}"),
            Map.entry("upper", "\\p{Upper}"), Map.entry("lower", "\\p{Lower}"), Map.entry("space", "\\p{Space}"),
            Map.entry("punct", "\\p{Punct}"), Map.entry("cntrl", "\\p{Cntrl}"), Map.entry("xdigit", "\\p{XDigit}"),
            Map.entry("print", "\\p{Print}"), Map.entry("graph", "\\p{Graph}"), Map.entry("blank", "\\p{Blank}"),
            Map.entry("word", "\\w"));

    /** Compiles {@code onig}; a pattern that cannot be expressed throws IllegalArgumentException saying why. */
    static Pattern compile(String onig) {
        String java = translate(onig);
        try {
            return Pattern.compile(java, FLAGS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("regex " + quote(onig) + " is not supported: " + e.getDescription(), e);
        }
    }

    /** Compiles a literal string (the {"String": …} form of a pattern). */
    static Pattern literal(String s) {
        return Pattern.compile(Pattern.quote(s), FLAGS);
    }

    static String translate(String p) {
        StringBuilder out = new StringBuilder(p.length() + 16);
        int classDepth = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                char e = p.charAt(i + 1);
                if ((e == 'p' || e == 'P') && i + 2 < p.length() && p.charAt(i + 2) == '{') {
                    int close = p.indexOf('}', i + 3);
                    if (close < 0) throw new IllegalArgumentException("regex " + quote(p) + ": unclosed \\" + e + "{");
                    out.append(property(e == 'P', p.substring(i + 3, close), p));
                    i = close;
                } else if (e == 'h' || e == 'H') {
                    boolean neg = e == 'H';
                    if (classDepth > 0 && !neg) out.append("0-9a-fA-F");
                    else out.append(neg ? "[^0-9a-fA-F]" : "[0-9a-fA-F]");
                    i++;
                } else {
                    out.append(c).append(e);
                    i++;
                }
            } else if (c == '[') {
                if (classDepth > 0 && p.startsWith("[:", i)) {
                    int close = p.indexOf(":]", i + 2);
                    if (close > 0) {
                        String name = p.substring(i + 2, close);
                        boolean neg = name.startsWith("^");
                        if (neg) name = name.substring(1);
                        String cls = POSIX_CLASSES.get(name);
                        if (cls == null) throw new IllegalArgumentException("regex " + quote(p) + ": unknown POSIX class [:" + name + ":]");
                        out.append(neg ? "[^" + cls + "]" : cls);
                        i = close + 1;
                        continue;
                    }
                }
                classDepth++;
                out.append(c);
                // a ']' right after '[' or '[^' is a literal in Ruby syntax; Java needs it escaped
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') { out.append('^'); i++; }
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') { out.append("\\]"); i++; }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String property(boolean negated, String name, String whole) {
        if (name.startsWith("^")) {
            negated = !negated;
            name = name.substring(1);
        }
        String prefix = negated ? "\\P{" : "\\p{";
        for (String candidate : new String[]{name, LONG_CATEGORY_NAMES.get(name.toLowerCase(java.util.Locale.ROOT)), "Is" + name}) {
            if (candidate == null) continue;
            String javaForm = prefix + candidate + "}";
            try {
                Pattern.compile(javaForm, FLAGS);
                return javaForm;
            } catch (PatternSyntaxException ignored) {
                // try the next spelling
            }
        }
        throw new IllegalArgumentException("regex " + quote(whole) + ": unknown Unicode property \\p{" + name + "}");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
