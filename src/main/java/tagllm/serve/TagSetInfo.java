package tagllm.serve;

import java.util.List;
import java.util.Map;

/**
 * A loaded tag set as GET /v1/tag-sets lists it.
 *
 * @param name      what a request's {@code tag_set} says ({@link TagSetFiles} says how names are made)
 * @param files     the tag file(s) it was read from, in composition order
 * @param tasks     the tasks it serves
 * @param notServed tasks stored in its files that it cannot serve, with the reason
 */
public record TagSetInfo(String name, List<String> files, List<String> tasks, Map<String, String> notServed) {
    public TagSetInfo {
        files = List.copyOf(files);
        tasks = List.copyOf(tasks);
        notServed = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notServed));
    }
}
