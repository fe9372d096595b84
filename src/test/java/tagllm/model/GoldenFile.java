package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.testutil.Shared;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A ../shared/fixtures/*.golden.json file and its model, loaded once per test run, plus tolerance checks. */
final class GoldenFile {
    static final String[] MODELS = {"stories260K", "tiny-llama-gqa", "tiny-llama-tied"};
    private static final Map<String, GoldenFile> CACHE = new ConcurrentHashMap<>();

    final String name;
    final JsonNode json;
    final Transformer model;

    private GoldenFile(String name, JsonNode json, Transformer model) {
        this.name = name;
        this.json = json;
        this.model = model;
    }

    static GoldenFile load(String name) {
        Path fixture = Shared.fixture(name + ".golden.json");
        Path dir = Shared.model(name);
        return CACHE.computeIfAbsent(name, n -> {
            try {
                JsonNode json = new ObjectMapper().readTree(fixture.toFile());
                ModelConfig c = ModelConfig.load(dir.resolve("config.json"));
                return new GoldenFile(n, json, new Transformer(Weights.load(c, dir)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    /** The fixtures' array tolerance: max|got − ref| ≤ rel · max|ref| (an all-zero reference: ≤ absZero). */
    static void assertArrayClose(double[] ref, float[] got, double rel, double absZero, String what) {
        assertTrue(ref.length == got.length, what + ": length " + got.length + ", expected " + ref.length);
        double maxRef = 0, maxErr = 0;
        int worst = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double e = Math.abs(got[i] - ref[i]);
            if (e > maxErr) {
                maxErr = e;
                worst = i;
            }
        }
        double tol = maxRef == 0 ? absZero : rel * maxRef;
        double err = maxErr;
        int w = worst;
        assertTrue(err <= tol, () -> what + ": max error " + err + " at [" + w + "] (got " + got[w] + ", ref " + ref[w]
                + ") exceeds " + tol);
    }

    static void assertRelClose(double ref, double got, double rel, String what) {
        assertTrue(Math.abs(got - ref) <= rel * Math.abs(ref), () -> what + ": got " + got + ", expected " + ref);
    }
}
