package tagllm.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * A YAML parse error as a user reads it: "exp.yaml:2:6: duplicate key 'model': given twice". Jackson's and SnakeYAML's own
 * messages carry "[Source: (StringReader); ...]", escaped newlines, SnakeYAML event class names and Jackson settings
 * ("StreamReadConstraints.getMaxNestingDepth()"), none of which a user can act on.
 */
public final class YamlSyntaxError {
    private YamlSyntaxError() {}

    /** The message for a parse error in {@code file}: the file, line and column, then what is wrong. */
    public static String describe(String file, JsonProcessingException e) {
        int line = -1, column = -1;
        String problem = null;
        // SnakeYAML's scanner and parser errors: the wrapped exception holds the problem and where it is apart
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
                problem = m.getProblem();
                if (m.getProblemMark() != null) {
                    line = m.getProblemMark().getLine() + 1;
                    column = m.getProblemMark().getColumn() + 1;
                }
                if (m.getContext() != null && m.getContextMark() != null) {
                    problem += " (" + m.getContext() + " that starts at line " + (m.getContextMark().getLine() + 1)
                            + ", column " + (m.getContextMark().getColumn() + 1) + ")";
                }
                break;
            }
        }
        if (problem == null) {
            problem = plain(e.getOriginalMessage());
            JsonLocation at = e.getLocation();
            if (at != null && at.getLineNr() > 0) {
                line = at.getLineNr();
                column = at.getColumnNr();
            }
        }
        return file + (line > 0 ? ":" + line + (column > 0 ? ":" + column : "") : "") + ": not valid YAML: " + problem;
    }

    private static String plain(String m) {
        if (m == null || m.isBlank()) return "unreadable";
        m = m.lines().findFirst().orElse(m);
        java.util.regex.Matcher dup = java.util.regex.Pattern.compile("^Duplicate field '(.*)'$").matcher(m);
        if (dup.matches()) return "duplicate key '" + dup.group(1) + "': given twice (a repeated key would silently take its last value)";
        java.util.regex.Matcher num = java.util.regex.Pattern.compile("^Malformed numeric value '(.*)'$").matcher(m);
        if (num.matches()) return "'" + num.group(1) + "' is not a finite number; write a number such as 0.5 or 1e-3";
        if (m.startsWith("Expected a field name")) return "a key must be plain text, not a list or mapping";
        if (m.startsWith("Document nesting depth")) return "nested more than 1000 levels deep";
        // any other Jackson wording: without the settings it names, which the user cannot change
        return m.replaceAll(",? ?\\(?from `[^`]*`\\)?", "").replaceAll(": enable `[^`]*` to allow", "");
    }
}
