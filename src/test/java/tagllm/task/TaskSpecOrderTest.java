package tagllm.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tag file's task JSON must be the same bytes for the same task in every JVM: tags in the template's order and
 * columns in the order given (an unordered copy listed them in an order that changed with each JVM's hash salt, so
 * two identical training runs wrote different tag files).
 */
class TaskSpecOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void tagsFollowTheTemplateAndColumnsTheirOrderInTheJson() throws Exception {
        List<String> tags = List.of("<Zeta>", "<Alpha>", "<Mid>", "<Beta>", "<Omega>", "<Gamma>");
        StringBuilder template = new StringBuilder();
        ObjectNode kinds = JSON.createObjectNode();
        for (String t : tags) {
            template.append(t).append(" {").append(t.substring(1, t.length() - 1).toLowerCase()).append("} ");
            kinds.put(t.substring(1, t.length() - 1), t.equals("<Omega>") ? "function" : "domain");
        }
        template.append("{label}");
        ObjectNode o = JSON.createObjectNode();
        o.put("type", "regression");
        o.put("template", template.toString());
        o.set("tags", kinds);
        o.put("label", "y");
        ObjectNode columns = o.putObject("columns");
        List<String> placeholders = List.of("zeta", "alpha", "mid", "beta", "omega", "gamma");
        for (String p : placeholders) columns.put(p, "col_" + p);

        TaskSpec spec = TaskSpec.fromJson("order", o, "test");
        ObjectNode written = spec.toJson();
        assertEquals(tags, names(written.get("tags")));
        assertEquals(placeholders, names(written.get("columns")));
        // and read back, the same again
        assertEquals(written.toString(), TaskSpec.fromJson("order", written, "test").toJson().toString());
    }

    private static List<String> names(com.fasterxml.jackson.databind.JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
