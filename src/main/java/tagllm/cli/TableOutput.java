package tagllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The format of a results table a command writes: from --output-format, else the output file's extension (.csv,
 * .tsv, .jsonl), else CSV on standard output. Values listed as numeric are written as JSON numbers in JSONL, and
 * an empty one (a row without a prediction) as null.
 */
enum TableOutput {
    CSV, TSV, JSONL;

    static TableOutput of(String option, Path output) {
        if (option != null) {
            return switch (option.toLowerCase(Locale.ROOT)) {
                case "csv" -> CSV;
                case "tsv" -> TSV;
                case "jsonl", "ndjson" -> JSONL;
                default -> throw new IllegalArgumentException("--output-format must be csv, tsv or jsonl, got '" + option + "'");
            };
        }
        if (output == null) return CSV;
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return CSV;
        if (name.endsWith(".tsv") || name.endsWith(".tab")) return TSV;
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return JSONL;
        throw new IllegalArgumentException(output + ": the extension does not say the format (.csv, .tsv, .jsonl); add --output-format");
    }

    String render(List<String> header, List<List<String>> rows, Set<String> numeric) throws IOException {
        StringWriter sw = new StringWriter();
        if (this == JSONL) {
            ObjectMapper om = new ObjectMapper();
            for (List<String> r : rows) {
                ObjectNode o = om.createObjectNode();
                for (int i = 0; i < header.size(); i++) {
                    String v = r.get(i);
                    if (numeric.contains(header.get(i)) && isNumber(v)) o.put(header.get(i), Double.parseDouble(v));
                    else if (numeric.contains(header.get(i)) && (v == null || v.isEmpty())) o.putNull(header.get(i)); // no value: null, not ""
                    else o.put(header.get(i), v);
                }
                sw.write(om.writeValueAsString(o));
                sw.write('\n');
            }
            return sw.toString();
        }
        CSVFormat f = (this == TSV ? CSVFormat.TDF : CSVFormat.DEFAULT).builder().setRecordSeparator("\n").get();
        try (CSVPrinter csv = new CSVPrinter(sw, f)) {
            csv.printRecord(header);
            for (List<String> r : rows) csv.printRecord(r);
        }
        return sw.toString();
    }

    private static boolean isNumber(String v) {
        try {
            return v != null && Double.isFinite(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
