package tagllm.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;

/**
 * GET /openapi.json: the API described in OpenAPI 3 (a resource next to this class), with this server's limits
 * (most inputs, highest max_tokens) and the names of the served tasks and loaded tag sets filled in.
 */
final class OpenApi {
    private static final ObjectNode BASE = load();

    private OpenApi() {}

    private static ObjectNode load() {
        try (InputStream in = OpenApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json is missing from the classpath next to " + OpenApi.class.getName());
            return (ObjectNode) RequestBodies.JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("openapi.json could not be read", e);
        }
    }

    static ObjectNode document(TagService service, ServerOptions options) {
        ObjectNode doc = BASE.deepCopy();
        ObjectNode schemas = (ObjectNode) doc.path("components").path("schemas");
        for (String req : new String[]{"PredictRequest", "GenerateRequest"}) {
            ObjectNode props = (ObjectNode) schemas.path(req).path("properties");
            ((ObjectNode) props.path("inputs")).put("maxItems", options.maxInputs());
            var names = RequestBodies.JSON.createArrayNode();
            java.util.Set<String> seen = new java.util.HashSet<>(); // a task name served by several sets is listed once
            for (TaskInfo t : service.tasks()) {
                boolean predict = t.kind().equals("regression") || t.kind().equals("classification");
                if ((req.equals("PredictRequest") ? predict : t.kind().equals("text")) && seen.add(t.name())) names.add(t.name());
            }
            if (!names.isEmpty()) ((ObjectNode) props.path("task")).set("enum", names); // OpenAPI refuses an empty enum
            var sets = RequestBodies.JSON.createArrayNode();
            service.tagSets().forEach(t -> sets.add(t.name()));
            if (!sets.isEmpty()) ((ObjectNode) props.path("tag_set")).set("enum", sets);
        }
        ((ObjectNode) schemas.path("GenerateRequest").path("properties").path("max_tokens")).put("maximum", options.maxTokens());
        return doc;
    }
}
