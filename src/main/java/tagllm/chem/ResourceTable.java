package tagllm.chem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The chemistry tables the jar carries (resources under tagllm/chem/): UTF-8 text, blank lines and # comments skipped. */
final class ResourceTable {
    private ResourceTable() {}

    /** The resource's lines, without blank lines and lines starting with #. */
    static List<String> lines(String resource) {
        List<String> lines = new ArrayList<>();
        try (InputStream in = ResourceTable.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource tagllm/chem/" + resource);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank() && !line.startsWith("#")) lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** The resource's lines split at tabs. */
    static List<String[]> rows(String resource) {
        List<String[]> rows = new ArrayList<>();
        for (String line : lines(resource)) rows.add(line.split("\t"));
        return rows;
    }
}
