package tagllm.tag;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * One learned tag: p continuous vectors of the model's hidden size that stand in the input embedding
 * sequence where the template writes the tag's name. The values array is trained in place.
 */
public final class Tag {
    private static final Pattern NAME = Pattern.compile("<[A-Za-z][A-Za-z0-9_.+-]*>");

    private final String name;
    private final TagKind kind;
    private final int length;
    private final int hidden;
    private final float[] values;

    public Tag(String name, TagKind kind, int length, int hidden, float[] values) {
        this.name = canonicalName(name);
        if (length <= 0) throw new IllegalArgumentException("tag " + this.name + ": length p must be positive, got " + length);
        if (hidden <= 0) throw new IllegalArgumentException("tag " + this.name + ": hidden size must be positive, got " + hidden);
        if (values.length != length * hidden) {
            throw new IllegalArgumentException("tag " + this.name + ": " + values.length + " values, expected p×d = "
                    + length + "×" + hidden);
        }
        this.kind = kind;
        this.length = length;
        this.hidden = hidden;
        this.values = values;
    }

    /** Accepts "SMILES" or "{@code <SMILES>}" and returns "{@code <SMILES>}"; refuses names a template could not mark. */
    public static String canonicalName(String name) {
        if (name == null) throw new IllegalArgumentException("tag name missing");
        String n = name.trim();
        if (!n.startsWith("<")) n = "<" + n + ">";
        if (!NAME.matcher(n).matches()) {
            throw new IllegalArgumentException("tag name '" + name + "' is not valid: use letters, digits, _ . + - (e.g. <SMILES>)");
        }
        return n;
    }

    /** The name without angle brackets, used in tensor names ("tag.SMILES"). */
    public static String bareName(String name) {
        String n = canonicalName(name);
        return n.substring(1, n.length() - 1);
    }

    public String name() { return name; }

    public String bareName() { return name.substring(1, name.length() - 1); }

    public TagKind kind() { return kind; }

    /** p, the number of slots (input vectors). */
    public int length() { return length; }

    public int hidden() { return hidden; }

    /** The p×d values, row-major, live (not a copy): the trainer updates them in place. */
    public float[] values() { return values; }

    public void slot(int j, float[] dst, int off) {
        if (j < 0 || j >= length) throw new IndexOutOfBoundsException("tag " + name + " has " + length + " slots, asked for slot " + j);
        System.arraycopy(values, j * hidden, dst, off, hidden);
    }

    public Tag copy() { return new Tag(name, kind, length, hidden, values.clone()); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tag t && t.name.equals(name) && t.kind == kind && t.length == length && t.hidden == hidden
                && Arrays.equals(t.values, values);
    }

    @Override
    public int hashCode() { return name.hashCode(); }

    @Override
    public String toString() { return name + "(" + kind.label() + ", p=" + length + ", d=" + hidden + ")"; }
}
