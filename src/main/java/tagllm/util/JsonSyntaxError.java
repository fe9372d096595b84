package tagllm.util;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Jackson's parse error in words a user can act on: its first line, without the source excerpt ("(start marker at
 * [Source: REDACTED ...])") and without the parser settings it names, which no user of tagllm can change.
 */
public final class JsonSyntaxError {
    private JsonSyntaxError() {}

    private static final java.util.regex.Pattern NESTED_START =
            java.util.regex.Pattern.compile("\\(for (Array|Object) starting at \\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]\\)");

    /** The problem alone; the caller says where (file and line, or the request body). */
    public static String message(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null || m.isBlank()) return "unreadable";
        if (m.startsWith("Trailing token")) return "more data after the JSON value (one JSON value expected)";
        int cut = m.indexOf(" (start marker at");
        if (cut >= 0) m = m.substring(0, cut);
        // an unclosed nested array or object: where it started, without the source note (no user can enable it)
        m = NESTED_START.matcher(m).replaceAll(r -> "(for the " + r.group(1).toLowerCase(java.util.Locale.ROOT)
                + " started at line " + r.group(2) + ", column " + r.group(3) + ")");
        m = m.lines().findFirst().orElse(m);
        return withoutParserSettings(m);
    }

    /** The problem and where in the text: "Unexpected end-of-input ... (line 1, column 17)"; any other I/O error's first line. */
    public static String describe(java.io.IOException e) {
        if (!(e instanceof JsonProcessingException j)) return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
        return message(j) + (at != null && at.getLineNr() > 0 ? " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")" : "");
    }

    /**
     * Jackson tells which of its settings would accept the input ("enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS`
     * to allow", "Feature 'ALLOW_COMMENTS' not enabled", "from `StreamReadConstraints.getMaxNestingDepth()`"): a
     * user can change none of them, so the message says instead that JSON does not allow it.
     */
    public static String withoutParserSettings(String m) {
        return m.replaceAll(": enable `[^`]*` to allow", " (not JSON)")
                .replace("maybe a (non-standard) comment? ", "")
                .replaceAll("\\(not recognized as one since Feature '[^']*' not enabled for parser\\)", "(JSON has no comments)")
                .replaceAll(", from `[^`]*`\\)", ")");
    }
}
