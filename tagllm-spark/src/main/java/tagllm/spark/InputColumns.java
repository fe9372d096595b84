package tagllm.spark;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * spark score's --input-cols entries: each occurrence of the option is one CSV record (RFC 4180), its fields the
 * entries, and the occurrences' entries follow one another. "mol" and "prot,drug" read as before; a column whose name
 * holds a comma is quoted as a CSV field is ('"mol, salt"' or '"smiles=mol, salt"'), where the option split every
 * value at each comma and no such column could be named.
 */
final class InputColumns {
    private InputColumns() {}

    /** The entries of the option's values, in order; refuses a value that is no CSV record, naming it. */
    static List<String> parse(List<String> values) {
        List<String> entries = new ArrayList<>();
        for (String v : values) {
            if (v.isEmpty()) throw new IllegalArgumentException("--input-cols '': give a column (or PLACEHOLDER=COLUMN)");
            try (CSVParser p = CSVParser.parse(v, CSVFormat.RFC4180)) {
                Iterator<CSVRecord> it = p.iterator();
                CSVRecord r = it.next();
                if (it.hasNext()) throw new IllegalArgumentException("--input-cols " + v + ": one line of comma-separated columns expected");
                r.forEach(entries::add);
            } catch (IOException | UncheckedIOException e) {
                throw new IllegalArgumentException("--input-cols " + v + ": not a comma-separated list of columns, with a name that holds a comma "
                        + "in double quotes (\"mol, salt\") and a double quote in one doubled (" + e.getMessage() + ")", e);
            }
        }
        return entries;
    }

    /** A column's name as --input-cols takes it: in double quotes (CSV's) when it holds a comma or quote, or edge spaces. */
    static String shown(String name) {
        boolean quote = name.contains(",") || name.contains("\"") || !name.equals(name.strip());
        return quote ? "\"" + name.replace("\"", "\"\"") + "\"" : name;
    }
}
