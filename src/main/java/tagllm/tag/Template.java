package tagllm.tag;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A prompt template: text with {column} placeholders and &lt;Tag&gt; markers, e.g. the paper's QED prompt
 * {@code # # Input: The SMILES of the molecule is <SMILES> {smiles}. \n# # Output: ... is <QED> {label}.}
 *
 * <p>Rendering follows how Hugging Face tokenizes around added tag tokens, and how ../shared/fixtures
 * built its domain/function scenarios: the template is cut at every tag and placeholder, each non-empty
 * part is tokenized on its own (so a SentencePiece tokenizer gives it its own leading "▁"), only the
 * sequence start gets BOS, and spaces touching a cut are dropped (the part's own "▁" stands for them).
 * A placeholder value is its own part so that a domain span (tag + data) ends exactly where the data ends.
 *
 * <p>Syntax: {@code {column}}, {@code {column:spaced}} (one character per token, as the paper's code
 * spaces protein sequences), {@code {column:max=N}} (only the first N characters, for models with a short
 * context), {@code <Name>} a tag, {@code {{ }} \<} literal braces and angle bracket.
 */
public final class Template {
    /** One piece of a parsed template. */
    public sealed interface Part permits Text, Field, TagRef {}

    public record Text(String text) implements Part {}

    /** A placeholder; maxChars > 0 keeps only the first maxChars characters of the value (0: all). */
    public record Field(String column, boolean spaced, int maxChars) implements Part {
        public Field(String column, boolean spaced) { this(column, spaced, 0); }
    }

    public record TagRef(String name) implements Part {}

    private final String source;
    private final List<Part> parts;

    private Template(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
    }

    public String source() { return source; }

    public List<Part> parts() { return parts; }

    public static Template parse(String template) {
        if (template == null || template.isBlank()) throw new TemplateException("template is empty");
        List<Part> parts = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0, n = template.length();
        while (i < n) {
            char c = template.charAt(i);
            if (c == '\\' && i + 1 < n && (template.charAt(i + 1) == '<' || template.charAt(i + 1) == '\\')) {
                text.append(template.charAt(i + 1));
                i += 2;
            } else if (c == '{' && i + 1 < n && template.charAt(i + 1) == '{') {
                text.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < n && template.charAt(i + 1) == '}') {
                text.append('}');
                i += 2;
            } else if (c == '{') {
                int close = template.indexOf('}', i);
                if (close < 0) throw new TemplateException("unclosed '{' at character " + (i + 1) + " of template: " + template);
                flush(text, parts);
                parts.add(field(template.substring(i + 1, close), i, template));
                i = close + 1;
            } else if (c == '}') {
                throw new TemplateException("unmatched '}' at character " + (i + 1) + " of template (write '}}' for a literal brace): " + template);
            } else if (c == '<' && tagAt(template, i) > 0) {
                int close = tagAt(template, i);
                flush(text, parts);
                parts.add(new TagRef(Tag.canonicalName(template.substring(i, close + 1))));
                i = close + 1;
            } else {
                text.append(c);
                i++;
            }
        }
        flush(text, parts);
        return new Template(template, parts);
    }

    /** Index of the closing '>' when a tag marker starts at i, else -1. */
    private static int tagAt(String s, int i) {
        int j = i + 1;
        if (j >= s.length() || !Character.isLetter(s.charAt(j))) return -1;
        while (j < s.length()) {
            char c = s.charAt(j);
            if (c == '>') return j;
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '+' || c == '-')) return -1;
            j++;
        }
        return -1;
    }

    private static Field field(String spec, int at, String template) {
        String[] bits = spec.split(":", -1);
        String column = bits[0].trim();
        if (column.isEmpty()) throw new TemplateException("empty placeholder {} at character " + (at + 1) + " of template: " + template);
        boolean spaced = false;
        int max = 0;
        for (int k = 1; k < bits.length; k++) {
            String opt = bits[k].trim();
            if (opt.equals("spaced")) {
                spaced = true;
            } else if (opt.startsWith("max=")) {
                try {
                    max = Integer.parseInt(opt.substring(4).trim());
                } catch (NumberFormatException e) {
                    max = -1;
                }
                if (max <= 0) throw new TemplateException("placeholder {" + spec + "}: max= needs a positive number of characters");
            } else {
                throw new TemplateException("placeholder {" + spec + "}: unknown option '" + opt + "' (known: spaced, max=N)");
            }
        }
        return new Field(column, spaced, max);
    }

    private static void flush(StringBuilder text, List<Part> parts) {
        if (!text.isEmpty()) parts.add(new Text(text.toString()));
        text.setLength(0);
    }

    /** The same template with every tag dropped (the paper's "no tags" ablation and the linear-probe prompt). */
    public Template withoutTags() { return without(name -> true); }

    /** The same template without the tags the predicate names (ablations drop the domain or the function tags). */
    public Template without(java.util.function.Predicate<String> drop) {
        List<Part> kept = new ArrayList<>();
        StringBuilder src = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof TagRef r && drop.test(r.name())) continue;
            if (p instanceof Text t && !kept.isEmpty() && kept.getLast() instanceof Text prev) {
                kept.set(kept.size() - 1, new Text(prev.text() + t.text())); // the text around a dropped tag is one part
            } else {
                kept.add(p);
            }
        }
        for (Part p : kept) {
            switch (p) {
                case Text t -> src.append(t.text().replace("\\", "\\\\").replace("<", "\\<").replace("{", "{{").replace("}", "}}"));
                case Field f -> src.append('{').append(f.column()).append(f.spaced() ? ":spaced" : "")
                        .append(f.maxChars() > 0 ? ":max=" + f.maxChars() : "").append('}');
                case TagRef r -> src.append(r.name());
            }
        }
        return new Template(src.toString(), kept);
    }

    /** The column names of the placeholders, in order of first use. */
    public Set<String> columns() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) if (p instanceof Field f) out.add(f.column());
        return out;
    }

    /** The tag names the template uses, in order of first use. */
    public Set<String> tagNames() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) if (p instanceof TagRef t) out.add(t.name());
        return out;
    }

    /** How a data row becomes a sequence. */
    public record RenderOptions(boolean bos, boolean isolateDomains, String outputColumn, boolean includeOutput, boolean eosAfterOutput) {
        public static RenderOptions plain() { return new RenderOptions(true, false, null, true, false); }
    }

    /** Resolves a tag name to its kind and length; throws with a clear message when the tag is unknown. */
    public interface TagLookup {
        TagKind kind(String name);

        int length(String name);
    }

    public static TagLookup lookup(TagSet tags) {
        return new TagLookup() {
            public TagKind kind(String name) { return tags.require(name).kind(); }

            public int length(String name) { return tags.require(name).length(); }
        };
    }

    /**
     * Renders one row. values maps a column to its text (null when missing: an error naming the column).
     * With includeOutput false the sequence stops just before the output placeholder (a prompt).
     */
    public Sequence render(Function<String, String> values, TagLookup tags, TextEncoder enc, RenderOptions opt) {
        Sequence.Builder b = Sequence.builder();
        if (opt.bos()) {
            if (enc.bosId() < 0) throw new TemplateException("the tokenizer has no BOS token; set bos: false for this task");
            b.token(enc.bosId());
        }
        int openSpan = -1;
        boolean outputSeen = false;
        int functionRead = -1;
        for (int k = 0; k < parts.size(); k++) {
            Part p = parts.get(k);
            switch (p) {
                case Text t -> {
                    String s = stripSpaces(t.text());
                    if (!s.isEmpty()) b.tokens(enc.encodePart(s));
                }
                case Field f -> {
                    boolean isOutput = f.column().equals(opt.outputColumn());
                    if (isOutput) {
                        if (!opt.includeOutput()) {
                            b.outputStart(b.size());
                            return finish(b, functionRead);
                        }
                        b.outputStart(b.size());
                        outputSeen = true;
                    }
                    String v = values.apply(f.column());
                    if (v == null) throw new TemplateException("missing value for placeholder {" + f.column() + "}");
                    v = v.strip();
                    if (f.maxChars() > 0 && v.codePointCount(0, v.length()) > f.maxChars()) {
                        v = v.substring(0, v.offsetByCodePoints(0, f.maxChars()));
                    }
                    if (f.spaced()) v = spaced(v);
                    if (!v.isEmpty()) b.tokens(enc.encodePart(v));
                    if (openSpan >= 0) {
                        b.span(openSpan, b.size());
                        openSpan = -1;
                    }
                    if (isOutput && opt.eosAfterOutput()) {
                        if (enc.eosId() < 0) throw new TemplateException("the tokenizer has no EOS token to end the output with");
                        b.token(enc.eosId());
                    }
                }
                case TagRef r -> {
                    if (openSpan >= 0) {
                        b.span(openSpan, b.size());
                        openSpan = -1;
                    }
                    TagKind kind = tags.kind(r.name());
                    int start = b.size();
                    b.tag(r.name(), tags.length(r.name()));
                    if (kind == TagKind.FUNCTION && !outputSeen) functionRead = b.size() - 1;
                    if (kind == TagKind.DOMAIN && opt.isolateDomains()) {
                        // The span is the tag plus the data right after it (the official attention_mask_new).
                        boolean dataFollows = nextNonBlank(k + 1) instanceof Field;
                        if (dataFollows) openSpan = start;
                        else b.span(start, b.size());
                    }
                }
            }
        }
        if (openSpan >= 0) b.span(openSpan, b.size());
        return finish(b, functionRead);
    }

    private Part nextNonBlank(int from) {
        for (int k = from; k < parts.size(); k++) {
            if (!(parts.get(k) instanceof Text t) || !stripSpaces(t.text()).isEmpty()) return parts.get(k);
        }
        return null;
    }

    private static Sequence finish(Sequence.Builder b, int functionRead) {
        return b.readPosition(functionRead).build();
    }

    /**
     * The literal text written right before the first occurrence of a tag, trimmed of spaces as rendering
     * trims it (so it encodes to the tokens the model sees there); "" when a placeholder, another tag or the
     * start of the template comes right before it, or the tag is not in the template.
     */
    public String textBefore(String tagName) {
        for (int k = 0; k < parts.size(); k++) {
            if (parts.get(k) instanceof TagRef r && r.name().equals(tagName)) {
                return k > 0 && parts.get(k - 1) instanceof Text t ? stripSpaces(t.text()) : "";
            }
        }
        return "";
    }

    /** "MKT" → "M K T": the paper's code forces one residue per token this way. */
    public static String spaced(String v) {
        StringBuilder s = new StringBuilder(v.length() * 2);
        v.codePoints().filter(c -> !Character.isWhitespace(c)).forEach(c -> {
            if (!s.isEmpty()) s.append(' ');
            s.appendCodePoint(c);
        });
        return s.toString();
    }

    private static String stripSpaces(String s) {
        int a = 0, e = s.length();
        while (a < e && s.charAt(a) == ' ') a++;
        while (e > a && s.charAt(e - 1) == ' ') e--;
        return s.substring(a, e);
    }

    @Override
    public String toString() { return source; }
}
