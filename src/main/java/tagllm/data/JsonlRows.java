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
import java.util.Map;
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
            JsonNode node;
            try {
                node = MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                issues.reject(origin, "invalid JSON: " + tagllm.util.JsonSyntaxError.message(e)
                        + (e.getLocation() != null && e.getLocation().getColumnNr() > 0 ? " (column " + e.getLocation().getColumnNr() + ")" : ""));
                return;
            }
            if (!node.isObject()) {
                issues.reject(origin, "expected a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
                return;
            }
            List<String> names = new ArrayList<>(node.size());
            List<String> values = new ArrayList<>(node.size());
            boolean[] json = new boolean[node.size()];
            Map<String, String> numbers = numberTexts(node, line);
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                JsonNode v = field.getValue();
                if (v.isNull()) continue;
                json[names.size()] = !v.isTextual();
                names.add(field.getKey());
                values.add(v.isTextual() ? v.textValue() : v.isNumber() ? numbers.get(field.getKey())
                        : v.isValueNode() ? v.asText() : v.toString());
            }
            allColumns.addAll(names);
            sink.accept(new Row(origin, new Columns(names), values.toArray(String[]::new), java.util.Arrays.copyOf(json, names.size())));
        });
        if (!any) throw DatasetException.of(in.source, 0, "empty file: expected JSON objects, one per line");
        return List.copyOf(allColumns);
    }

    /**
     * The text of each top-level number as the line writes it: a BigDecimal or long node turns 1.0 into 1, -0.0 and -0
     * into 0 and 1e2 into 1E+2, so an output would not hold the input's value as written. The line has parsed already
     * (its keys are unique), so this second read of it cannot fail.
     */
    private static Map<String, String> numberTexts(JsonNode node, String line) {
        Map<String, String> out = new java.util.HashMap<>();
        boolean anyNumber = false;
        for (JsonNode v : node) anyNumber |= v.isNumber();
        if (!anyNumber) return out;
        try (JsonParser p = MAPPER.createParser(line)) {
            p.nextToken(); // the object's start
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) out.put(key, p.getText());
                else p.skipChildren();
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // not reached: the same text parsed as a tree
        }
        return out;
    }
}
