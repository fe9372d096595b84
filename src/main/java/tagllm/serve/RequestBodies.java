package tagllm.serve;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import tagllm.util.JsonSyntaxError;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads and checks request bodies; every refusal is a 400 naming the field and what was expected. */
final class RequestBodies {
    /** Duplicate keys and trailing garbage are refused: silently taking one of two "task" values would mislead. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RequestBodies() {}

    static ObjectNode parseObject(byte[] body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + describe(e));
        } catch (IOException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getMessage());
        }
        if (n == null || n.isMissingNode()) throw ApiException.badRequest("empty body: expected a JSON object");
        if (!n.isObject()) throw ApiException.badRequest("the body must be a JSON object, got " + typeName(n));
        return (ObjectNode) n;
    }

    /** The encodings the parser finds by itself from a body's first bytes (RFC 4627's detection): what a body may declare. */
    private static final Set<String> JSON_CHARSETS = Set.of("utf-8", "utf8", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-32be", "utf-32le");

    /**
     * 415 for a declared Content-Type other than application/json (its name in any case, parameters allowed; the
     * charset is then checked by {@link #requireJsonCharset}). A body sent as text/plain or as form fields
     * (curl -d's default) was read as JSON anyway, so a client that got the type wrong got an answer for a body it
     * had said was something else, or a 400 about the JSON. No Content-Type at all is read as JSON: the endpoints
     * take nothing else, the body is still parsed strictly, and clients that send none keep working.
     */
    static void requireJson(String contentType) {
        if (contentType == null) return;
        int semi = contentType.indexOf(';');
        String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
        if (!type.equalsIgnoreCase("application/json")) {
            throw new ApiException(415, "Content-Type " + (type.isEmpty() ? "(empty)" : type) + " is not JSON: this endpoint takes "
                    + "application/json (Content-Type: application/json; charset=utf-8)");
        }
        requireJsonCharset(contentType);
    }

    /**
     * 415 for a Content-Type whose charset the API cannot read: JSON is UTF-8 (RFC 8259), and reading a body declared
     * ISO-8859-1 as UTF-8 either fails with a misleading "invalid UTF-8" 400 or, where its bytes happen to be valid
     * UTF-8, answers for other text than was sent. No Content-Type or no charset is UTF-8.
     */
    private static void requireJsonCharset(String contentType) {
        if (contentType == null) return;
        for (String param : contentType.split(";")) {
            String p = param.strip();
            if (!p.regionMatches(true, 0, "charset=", 0, 8)) continue;
            String cs = p.substring(8).strip().replace("\"", "").toLowerCase(Locale.ROOT);
            if (!JSON_CHARSETS.contains(cs)) {
                throw new ApiException(415, "Content-Type: charset " + cs + " is not one JSON is sent in; send the body in UTF-8 "
                        + "(Content-Type: application/json; charset=utf-8)");
            }
        }
    }

    /** Jackson's message without its source excerpt, plus where the problem is. */
    private static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token")
                ? "more data after the JSON object (send one object per request)" : JsonSyntaxError.message(e);
        JsonLocation at = e.getLocation();
        return at != null && at.getLineNr() > 0 ? m + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")" : m;
    }

    static void allowOnly(ObjectNode o, Set<String> keys) { allowOnly(o, keys, Set.of()); }

    /** As {@link #allowOnly(ObjectNode, Set)}, letting through {@code refusedLater}: keys the caller refuses itself, for a reason it knows. */
    static void allowOnly(ObjectNode o, Set<String> keys, Set<String> refusedLater) {
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!keys.contains(k) && !refusedLater.contains(k)) {
                throw ApiException.badRequest("unknown field '" + k + "' (expected " + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
    }

    static String requiredString(ObjectNode o, String key) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) throw ApiException.badRequest(key + ": missing");
        if (!v.isTextual()) throw ApiException.badRequest(key + ": expected a string, got " + typeName(v));
        return v.asText();
    }

    /**
     * A task or tag-set name: matched exactly (case aside), so whitespace around it or control characters in it are
     * refused here rather than quietly trimmed or reported as an unknown name that looks like a known one.
     */
    static String requiredName(ObjectNode o, String key) {
        String s = requiredString(o, key);
        if (!s.equals(s.strip())) throw ApiException.badRequest(key + ": whitespace around the name " + JSON.valueToTree(s) + " (names are matched exactly)");
        if (s.chars().anyMatch(Character::isISOControl)) throw ApiException.badRequest(key + ": control character in the name " + JSON.valueToTree(s));
        return s;
    }

    static int optionalInt(ObjectNode o, String key, int dflt, int min, int max) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiException.badRequest(key + ": expected an integer " + min + ".." + max + ", got " + (v.isNumber() ? v.asText() : typeName(v)));
        }
        int n = v.intValue();
        if (n < min || n > max) throw ApiException.badRequest(key + ": expected an integer " + min + ".." + max + ", got " + n);
        return n;
    }

    static double optionalDouble(ObjectNode o, String key, double dflt, double min, double max) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw ApiException.badRequest(key + ": expected a number " + range(min, max) + ", got " + typeName(v));
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) throw ApiException.badRequest(key + ": expected a number " + range(min, max) + ", got " + v.asText());
        return d;
    }

    private static String range(double min, double max) {
        return min == Double.MIN_VALUE ? "in (0, " + fmt(max) + "]" : fmt(min) + ".." + fmt(max);
    }

    private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d); }

    static long optionalLong(ObjectNode o, String key, long dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badRequest(key + ": expected a 64-bit integer, got " + (v.isNumber() ? v.asText() : typeName(v)));
        }
        return v.longValue();
    }

    static boolean optionalBoolean(ObjectNode o, String key, boolean dflt) {
        JsonNode v = o.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiException.badRequest(key + ": expected true or false, got " + typeName(v));
        return v.booleanValue();
    }

    /**
     * The "inputs" array: objects whose task fields are strings. Other keys are ignored, so clients may send
     * whole data rows (an id column, the label); missing task fields are reported by the service.
     */
    static List<Map<String, String>> inputs(ObjectNode o, TaskInfo task, int maxInputs) {
        JsonNode a = o.get("inputs");
        if (a == null || a.isNull()) throw ApiException.badRequest("inputs: missing; expected an array of objects with " + task.describeFields());
        if (!a.isArray()) throw ApiException.badRequest("inputs: expected an array of objects, got " + typeName(a));
        if (a.size() > maxInputs) throw new ApiException(413, "inputs: " + a.size() + " inputs, this server takes at most " + maxInputs + " per request");
        List<Map<String, String>> out = new ArrayList<>(a.size());
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonNode in = a.get(i);
            if (!in.isObject()) {
                refused.add("inputs[" + i + "]: expected an object with " + task.describeFields() + ", got " + typeName(in));
                continue;
            }
            Map<String, String> fields = new HashMap<>();
            for (String f : task.fields()) {
                JsonNode v = in.get(f);
                if (v == null || v.isNull()) continue;
                if (!v.isTextual()) {
                    refused.add("inputs[" + i + "]." + f + ": expected a string, got " + typeName(v));
                    break;
                }
                fields.put(f, v.asText());
            }
            out.add(fields);
        }
        if (!refused.isEmpty()) throw refusedInputs(refused, a.size());
        return out;
    }

    /** Most reasons one refusal lists (each names its input); the rest are counted. */
    private static final int MOST_REASONS = 50;

    /**
     * The 400 for a request some of whose inputs are refused: a request is answered whole or not at all, and the
     * refusal gives the reason of every input refused (up to 50, the rest counted), so that one resend without them
     * succeeds. One refused input: its reason alone.
     */
    static ApiException refusedInputs(List<String> reasons, int inputs) {
        if (reasons.size() == 1) return ApiException.badRequest(reasons.getFirst());
        int shown = Math.min(reasons.size(), MOST_REASONS);
        return ApiException.badRequest(reasons.size() + " of " + inputs + " inputs refused (none was run; resend the others without them): "
                + String.join("; ", reasons.subList(0, shown)) + (shown < reasons.size() ? "; and " + (reasons.size() - shown) + " more" : ""));
    }

    static String typeName(JsonNode n) {
        JsonNodeType t = n.getNodeType();
        return switch (t) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case STRING -> "a string";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }
}
