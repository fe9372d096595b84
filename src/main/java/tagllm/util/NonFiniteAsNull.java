package tagllm.util;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.util.Arrays;

/**
 * Jackson's doubles as standard JSON: NaN and ±Infinity are written as null, where Jackson writes the strings "NaN"
 * and "Infinity", which Python's json (parse_constant strict), jq and JavaScript read as strings, not numbers.
 * Read back, null is NaN (no value), as are the strings "NaN" and "±Infinity" of files written before (they read as
 * their own value, so an old file reads as it did). An infinite value written so reads back as NaN: every double the
 * product writes through this module (result.json's losses and predictions) means "no usable value" when not finite.
 * Register it with {@link #register}; a double[] or double[][] field, a List of double[] and a Double map value all
 * follow the rule.
 */
public final class NonFiniteAsNull {
    private NonFiniteAsNull() {}

    /** The mapper with the module registered (for chaining onto a static mapper's construction). */
    public static <M extends com.fasterxml.jackson.databind.ObjectMapper> M register(M mapper) {
        mapper.registerModule(module());
        return mapper;
    }

    public static SimpleModule module() {
        SimpleModule m = new SimpleModule("NonFiniteAsNull");
        m.addSerializer(Double.class, new DoubleWriter());
        m.addSerializer(Double.TYPE, (JsonSerializer) new DoubleWriter());
        m.addSerializer(double[].class, new ArrayWriter());
        m.addDeserializer(Double.class, new DoubleReader());
        m.addDeserializer(Double.TYPE, (JsonDeserializer) new DoubleReader());
        m.addDeserializer(double[].class, new ArrayReader());
        return m;
    }

    private static void write(double v, JsonGenerator g) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeNull();
    }

    private static final class DoubleWriter extends JsonSerializer<Double> {
        @Override
        public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException { write(v, g); }
    }

    private static final class ArrayWriter extends JsonSerializer<double[]> {
        @Override
        public void serialize(double[] a, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartArray(a, a.length);
            for (double v : a) write(v, g);
            g.writeEndArray();
        }
    }

    /** A number as it is; null as NaN; the strings an older file holds ("NaN", "Infinity", "-Infinity") as their value. */
    private static double read(JsonParser p, DeserializationContext c) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) return Double.NaN;
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) return p.getDoubleValue();
        if (t == JsonToken.VALUE_STRING) {
            String s = p.getText().strip();
            switch (s) {
                case "NaN": return Double.NaN;
                case "Infinity", "+Infinity", "INF": return Double.POSITIVE_INFINITY;
                case "-Infinity", "-INF": return Double.NEGATIVE_INFINITY;
                default:
                    try {
                        return Double.parseDouble(s);
                    } catch (NumberFormatException e) {
                        return (Double) c.handleWeirdStringValue(Double.class, s, "not a number, null, or \"NaN\"");
                    }
            }
        }
        return (Double) c.handleUnexpectedToken(Double.class, p);
    }

    private static final class DoubleReader extends JsonDeserializer<Double> {
        @Override
        public Double deserialize(JsonParser p, DeserializationContext c) throws IOException { return read(p, c); }

        @Override
        public Double getNullValue(DeserializationContext c) { return Double.NaN; }
    }

    private static final class ArrayReader extends JsonDeserializer<double[]> {
        @Override
        public double[] deserialize(JsonParser p, DeserializationContext c) throws IOException {
            if (!p.isExpectedStartArrayToken()) return (double[]) c.handleUnexpectedToken(double[].class, p);
            double[] out = new double[8];
            int n = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (n == out.length) out = Arrays.copyOf(out, 2 * n);
                out[n++] = read(p, c);
            }
            return Arrays.copyOf(out, n);
        }
    }
}
