package tagllm.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A YAML/JSON object being read as configuration, carrying its path ("exp.yaml: stages[1].lr") so that
 * every error names the file and the field, and refusing keys it does not know (typos fail loudly).
 */
public final class ConfigNode {
    private final JsonNode node;
    private final String where;
    /** Where the document's fields are: the file's prefix of where ("exp.yaml: ") and each field's line by JSON pointer. */
    private final Lines lines;
    private final String pointer;

    /** The lines of a YAML document's fields, by JSON pointer ("/stages/0/lr"), and the prefix its paths start with. */
    public record Lines(String prefix, Map<String, Integer> byPointer) {
        /** Each key's and list element's line (1-based) in YAML text; an unreadable text gives none (its parse error says). */
        public static Lines of(String prefix, String yaml) {
            Map<String, Integer> out = new java.util.HashMap<>();
            try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.dataformat.yaml.YAMLFactory().createParser(yaml)) {
                for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                    // a key: its own line; a list element: the line it starts on
                    if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME || p.getParsingContext().inArray()
                            && t != com.fasterxml.jackson.core.JsonToken.END_ARRAY) {
                        out.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
                    }
                }
            } catch (java.io.IOException e) {
                return new Lines(prefix, Map.of());
            }
            return new Lines(prefix, out);
        }
    }

    public ConfigNode(JsonNode node, String where) {
        this(node, where, null, "");
    }

    /** A document's root whose errors also give the line of the field they name (where starts with lines.prefix()). */
    public ConfigNode(JsonNode node, String where, Lines lines) {
        this(node, where, lines, "");
    }

    private ConfigNode(JsonNode node, String where, Lines lines, String pointer) {
        this.node = node;
        this.where = where;
        this.lines = lines;
        this.pointer = pointer;
    }

    /** "exp.yaml:12: stages[0].lr": the path with the line of the field (else of its parent) after the file, when known. */
    private String located(String path, String key) {
        if (lines == null || !path.startsWith(lines.prefix())) return path;
        Integer line = key == null ? null : lines.byPointer().get(pointer + "/" + escape(key));
        if (line == null) line = lines.byPointer().get(pointer);
        if (line == null) return path;
        String file = lines.prefix().endsWith(": ") ? lines.prefix().substring(0, lines.prefix().length() - 2) : lines.prefix();
        return file + ":" + line + ": " + path.substring(lines.prefix().length());
    }

    private static String escape(String key) { return key.replace("~", "~0").replace("/", "~1"); }

    public String where() { return where; }

    public JsonNode raw() { return node; }

    /** Another value at this node's place (a copy with defaults filled in): its errors keep the path and lines. */
    public ConfigNode withValue(JsonNode value) { return new ConfigNode(value, where, lines, pointer); }

    public boolean has(String key) { return node != null && node.has(key) && !node.get(key).isNull(); }

    /** The field's path as errors name it, with its line when known ("exp.yaml:12: stages[0].lr"): for checks made later. */
    public String locate(String key) {
        return located(where + (key == null ? "" : (where.endsWith(": ") ? "" : ".") + key), key);
    }

    public ConfigException error(String key, String message) {
        return new ConfigException(located(where + (key == null ? "" : (where.endsWith(": ") ? "" : ".") + key), key) + ": " + message);
    }

    public ConfigNode requireObject() {
        if (node != null && node.isObject()) return this;
        String at = located(where, null);
        // the document itself has no field to name: "exp.yaml: expected ...", not "exp.yaml: : expected ..."
        if (at.endsWith(": ")) at = at.substring(0, at.length() - 2);
        if (node == null || node.isMissingNode() || node.isNull()) {
            boolean document = pointer.isEmpty() && where.endsWith(": ");
            throw new ConfigException(at + ": " + (document ? "the file is empty or holds only comments" : "no value") + "; expected a mapping (key: value)");
        }
        throw new ConfigException(at + ": expected a mapping (key: value), got " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }

    public void allowOnly(String... keys) {
        Set<String> ok = new TreeSet<>(Arrays.asList(keys));
        for (String k : fieldNames()) {
            if (!ok.contains(k)) throw error(k, "unknown key (known here: " + String.join(", ", ok) + ")");
        }
    }

    public List<String> fieldNames() {
        List<String> out = new ArrayList<>();
        if (node != null && node.isObject()) node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    public String string(String key, String dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (!v.isValueNode()) throw error(key, "expected a text value, got " + v.getNodeType().name().toLowerCase());
        return v.asText();
    }

    public String requireString(String key) {
        String s = string(key, null);
        if (s == null || s.isBlank()) throw error(key, "missing (required)");
        return s;
    }

    public int integer(String key, int dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (v.isIntegralNumber() && v.canConvertToInt()) return v.asInt();
        if (v.isTextual()) {
            try {
                return Integer.parseInt(v.asText().trim());
            } catch (NumberFormatException e) { /* falls through to the error */ }
        }
        throw error(key, "expected an integer, got '" + v.asText() + "'");
    }

    public double number(String key, double dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (v.isNumber()) return v.asDouble();
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText().trim());
            } catch (NumberFormatException e) { /* falls through to the error */ }
        }
        throw error(key, "expected a number, got '" + v.asText() + "'");
    }

    public boolean bool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        JsonNode v = node.get(key);
        if (v.isBoolean()) return v.asBoolean();
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) return Boolean.parseBoolean(v.asText());
        throw error(key, "expected true or false, got '" + v.asText() + "'");
    }

    public ConfigNode child(String key) {
        return new ConfigNode(has(key) ? node.get(key) : null, where + (where.endsWith(": ") ? "" : ".") + key, lines,
                pointer + "/" + escape(key));
    }

    /** A list of text values; a single value counts as a one-element list. */
    public List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        if (!has(key)) return out;
        JsonNode v = node.get(key);
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isValueNode()) throw error(key, "expected a list of text values");
                out.add(e.asText());
            }
        } else if (v.isValueNode()) {
            out.add(v.asText());
        } else {
            throw error(key, "expected a list of text values");
        }
        return out;
    }

    /** The elements of a list of mappings, each with its own path ("stages[2]"). */
    public List<ConfigNode> objects(String key) {
        List<ConfigNode> out = new ArrayList<>();
        if (!has(key)) return out;
        JsonNode v = node.get(key);
        if (!v.isArray()) throw error(key, "expected a list");
        String base = where + (where.endsWith(": ") ? "" : ".") + key;
        for (int i = 0; i < v.size(); i++) {
            out.add(new ConfigNode(v.get(i), base + "[" + i + "]", lines, pointer + "/" + escape(key) + "/" + i).requireObject());
        }
        return out;
    }

    /** The entries of a mapping, each with its own path ("tasks.qed"). */
    public Map<String, ConfigNode> entries(String key) {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        if (!has(key)) return out;
        ConfigNode c = child(key).requireObject();
        for (String k : c.fieldNames()) out.put(k, c.child(k));
        return out;
    }

    /** A mapping of text to text. */
    public Map<String, String> stringMap(String key) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : entries(key).entrySet()) {
            JsonNode v = e.getValue().node;
            if (v == null || !v.isValueNode()) throw e.getValue().error(null, "expected a text value");
            out.put(e.getKey(), v.asText());
        }
        return out;
    }
}
