package tagllm.util;

/** A count with its noun for a message: "1 row", "2 rows", "1 test row". */
public final class Plural {
    private Plural() {}

    /** {@code n} and {@code singular}, with an "s" unless n is 1 (the nouns counted here take a plain "s"). */
    public static String count(long n, String singular) {
        return n + " " + singular + (n == 1 ? "" : "s");
    }
}
