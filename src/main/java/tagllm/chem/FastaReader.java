package tagllm.chem;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads FASTA files (protein or nucleotide): '>' header lines, sequence lines joined with all whitespace
 * removed, ';' comment lines and blank lines ignored. Text before the first header is an error naming the
 * file and line, not silently dropped.
 */
public final class FastaReader {
    private FastaReader() {}

    public static List<FastaRecord> read(Path file) throws IOException {
        List<FastaRecord> records = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long lineNo = 0, headerLine = 0;
            String id = null, description = null;
            StringBuilder seq = new StringBuilder();
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                String t = line.strip();
                if (t.isEmpty() || t.startsWith(";")) continue;
                if (t.startsWith(">")) {
                    if (id != null) records.add(new FastaRecord(id, description, seq.toString(), headerLine));
                    String header = t.substring(1).strip();
                    int sp = indexOfWhitespace(header);
                    id = sp < 0 ? header : header.substring(0, sp);
                    description = sp < 0 ? "" : header.substring(sp + 1).strip();
                    headerLine = lineNo;
                    seq.setLength(0);
                } else {
                    if (id == null)
                        throw new IOException(file + ": line " + lineNo + ": sequence text before the first '>' header; is this a FASTA file?");
                    for (int i = 0; i < t.length(); i++) {
                        char c = t.charAt(i);
                        if (!Character.isWhitespace(c)) seq.append(c);
                    }
                }
            }
            if (id != null) records.add(new FastaRecord(id, description, seq.toString(), headerLine));
        }
        return records;
    }

    /** True when the file's first non-blank character is '>'. */
    public static boolean looksLikeFasta(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String t = line.replace("\uFEFF", "").strip();
                if (!t.isEmpty()) return t.startsWith(">");
            }
        }
        return false;
    }

    private static int indexOfWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }
}
