package tagllm.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashSet;

/**
 * What a compare report covers: its seeds, methods, ablations and tasks. --report-only rewrites DIR/report.json from
 * the runs already there; a rewrite for other seeds (say 3 where the runs used 2) would change what the report means
 * without a run changing, so it is told apart from an identical re-render.
 */
public final class ReportScope {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportScope() {}

    /**
     * How the scope asked for differs from the one report differs ("seeds [42, 43] in report.json, now [42, 43, 44]"),
     * an empty list when they agree or there is no report. Compared as sets: their order only orders the tables. A
     * field an older report.json did not record is no difference, and neither is a report.json that does not parse.
     */
    public static List<String> differences(Path report, List<Long> seeds, List<Method> methods, List<Ablation> ablations, Collection<String> tasks)
            throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isRegularFile(report)) return out;
        JsonNode r;
        try {
            r = JSON.readTree(report.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException unreadable) {
            return out; // a report that does not parse says nothing to keep: --report-only is the way to write it again
        }
        if (r == null) return out;
        JsonNode about = r.path("about");
        compare(out, "seeds", about.path("seeds"), seeds.stream().map(String::valueOf).toList());
        compare(out, "methods", about.path("methods"), methods.stream().map(Method::label).toList());
        compare(out, "ablations", about.path("ablations"), ablations.stream().map(Ablation::name).toList());
        if (r.path("tasks").isObject()) {
            List<String> before = new ArrayList<>();
            r.path("tasks").fieldNames().forEachRemaining(before::add);
            if (!new LinkedHashSet<>(before).equals(new LinkedHashSet<>(tasks))) out.add("tasks " + before + " in report.json, now " + new ArrayList<>(tasks));
        }
        return out;
    }

    private static void compare(List<String> out, String what, JsonNode before, List<String> now) {
        if (!before.isArray()) return;
        Set<String> was = new LinkedHashSet<>(), is = new LinkedHashSet<>(now);
        before.forEach(x -> was.add(x.asText()));
        if (!was.equals(is)) out.add(what + " " + was + " in report.json, now " + is);
    }
}
