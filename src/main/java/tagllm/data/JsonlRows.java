package tagllm.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * JSON Lines: one object per line. Strings are kept as they are, numbers (as the line writes them) and booleans as their JSON text,
 * nested arrays and objects as compact JSON; a null field counts as absent.
 */
final class JsonlRows {
    private JsonlRows() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    static List<String> read(TextInput.NamedReader in, RowIssues issues, Consumer<Row> sink) {
        LinkedHashSet<String> allColumns = new LinkedHashSet<>();
        boolean[] first = {true};
        boolean any = TextInput.forEachNonBlankLine(in, (origin, line, tooLong) -> {
            if (first[0] && line.stripLeading().startsWith("[")) {
                throw new DatasetException(origin, "this is a JSON array; expected JSON Lines (one object per line)");
            }
            first[0] = false;
            if (tooLong) {
                // read past without being held, as an over-long CSV record is: that row's error, the rest of the file read
                issues.reject(origin, "JSON line longer than " + TextInput.lineLimit + " characters");
                return;
            }
            Row row;
            try {
                row = streamed(origin, line);
            } catch (JsonProcessingException e) {
                row = null;
            } catch (NumberOutOfRange e) {
                issues.reject(origin, "invalid JSON: " + e.getMessage());
                return;
            }
            if (row == null) {
                issues.reject(origin, whyNotAnObject(line));
                return;
            }
            allColumns.addAll(row.columns());
            sink.accept(row);
        });
        if (!any) throw DatasetException.of(in.source, 0, "empty file: expected JSON objects, one per line");
        return List.copyOf(allColumns);
    }

    /**
     * The line read once, as a stream: strings as they are, numbers as the line writes them (a BigDecimal or long node
     * would turn 1.0 into 1, -0.0 and -0 into 0 and 1e2 into 1E+2), booleans as their JSON text, nested arrays and
     * objects as compact JSON from a tree (trailing zeros kept), null as absent. Null when the line is not exactly one
     * object: {@link #whyNotAnObject} then reads it as a tree, for the message it has always given.
     */
    private static Row streamed(Origin origin, String line) throws JsonProcessingException {
        try (JsonParser p = MAPPER.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            boolean[] json = new boolean[8];
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                String value = switch (t) {
                    case VALUE_NULL -> null;
                    case VALUE_STRING -> p.getText();
                    // the value is converted as the tree did, so that a number it could not hold is still refused
                    case VALUE_NUMBER_INT -> { held(p, key, false); yield p.getText(); }
                    case VALUE_NUMBER_FLOAT -> { held(p, key, true); yield p.getText(); }
                    case VALUE_TRUE -> "true";
                    case VALUE_FALSE -> "false";
                    default -> copied(p);
                };
                if (value == null) continue;
                if (names.size() == json.length) json = java.util.Arrays.copyOf(json, 2 * json.length);
                json[names.size()] = t != JsonToken.VALUE_STRING;
                names.add(key);
                values.add(value);
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) return null;
            return new Row(origin, new Columns(names), values.toArray(String[]::new), java.util.Arrays.copyOf(json, names.size()));
        } catch (JsonProcessingException e) {
            throw e;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // not reached: the parser reads a String
        }
    }

    /**
     * Converts the number as the tree did, so that one it could not hold is still refused; a NumberFormatException
     * (an exponent past int's range: 1e99999999999) is not a parse error and escaped the reader, stopping the file.
     */
    private static void held(JsonParser p, String key, boolean decimal) throws java.io.IOException {
        try {
            if (decimal) p.getDecimalValue();
            else p.getNumberValue();
        } catch (NumberFormatException e) {
            throw new NumberOutOfRange("the number " + p.getText() + " of field '" + key + "' is out of range");
        }
    }

    /**
     * The nested array or object starting at p's current token, as compact JSON copied token by token: its numbers
     * as the line writes them (a tree wrote -0.0 as 0.0, losing the sign Python's json reads back, and 1e2 as 1E+2),
     * its strings re-escaped as JSON needs (the same characters). A syntax error is the parser's, as the tree's was.
     */
    private static String copied(JsonParser p) throws java.io.IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = MAPPER.getFactory().createGenerator(w)) {
            int depth = 0;
            do {
                JsonToken t = p.currentToken();
                switch (t) {
                    case START_OBJECT -> { g.writeStartObject(); depth++; }
                    case START_ARRAY -> { g.writeStartArray(); depth++; }
                    case END_OBJECT -> { g.writeEndObject(); depth--; }
                    case END_ARRAY -> { g.writeEndArray(); depth--; }
                    case FIELD_NAME -> g.writeFieldName(p.currentName());
                    case VALUE_STRING -> g.writeString(p.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                    default -> g.copyCurrentEvent(p); // true, false, null
                }
            } while (depth > 0 && p.nextToken() != null);
        }
        return w.toString();
    }

    /** A number of the line that no BigDecimal or long can hold: that row's error. */
    private static final class NumberOutOfRange extends RuntimeException {
        NumberOutOfRange(String message) { super(message, null, false, false); }
    }

    /** Why a line that did not read as one object is refused, in the words of the tree read it always had. */
    private static String whyNotAnObject(String line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            return "invalid JSON: " + tagllm.util.JsonSyntaxError.message(e)
                    + (e.getLocation() != null && e.getLocation().getColumnNr() > 0 ? " (column " + e.getLocation().getColumnNr() + ")" : "");
        }
        return "expected a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
