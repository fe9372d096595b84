package tagllm.data;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Column names and their positions, shared by all rows of a CSV file so each row stores only its values. */
final class Columns {
    private final List<String> names;
    private final Map<String, Integer> index;

    Columns(List<String> names) {
        this.names = List.copyOf(names);
        this.index = new HashMap<>(names.size() * 2);
        for (int i = 0; i < names.size(); i++) {
            if (index.putIfAbsent(names.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate column '" + names.get(i) + "'");
            }
        }
    }

    List<String> names() {
        return names;
    }

    int indexOf(String name) {
        Integer i = index.get(name);
        return i == null ? -1 : i;
    }

    int size() {
        return names.size();
    }
}
