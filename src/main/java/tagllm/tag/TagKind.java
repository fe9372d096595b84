package tagllm.tag;

/**
 * Domain tags mark where a span of specialised data starts (placed before it); function tags name
 * the task and sit at the end of the input, where they can attend to the data and its domain tags.
 */
public enum TagKind {
    DOMAIN, FUNCTION;

    public static TagKind parse(String s, String where) {
        if (s == null) throw new IllegalArgumentException(where + ": tag kind missing (expected domain or function)");
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "domain" -> DOMAIN;
            case "function" -> FUNCTION;
            default -> throw new IllegalArgumentException(where + ": tag kind '" + s + "' is not domain or function");
        };
    }

    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
