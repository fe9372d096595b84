package tagllm.spark;

/**
 * Every file of a CSV input has the header the rows are read under. Spark's CSV reader takes one file's header as
 * the schema and reads every other file's fields by position (it only logs "CSV header does not conform to the
 * schema"), so a file written with its columns in another order, id,note,smiles beside id,smiles,note, had each row
 * scored from its note column without a word. predict reads one file, by its own header; here a file whose header
 * differs from the first file's is refused before any job, naming both files and headers. The headers are read
 * with the line ends ({@link CsvFileHeads}).
 */
final class CsvFileHeaders {
    private CsvFileHeaders() {}

    /** Refuses a file of the input whose header, its names stripped as predict strips them, is not the first file's. */
    static void requireSame(CsvFileHeads heads) {
        CsvFileHeads.Head first = null;
        for (CsvFileHeads.Head h : heads.files()) {
            if (h.unreadable() != null) throw h.unreadable();
            if (h.header() == null) continue;
            if (first == null) {
                first = h;
            } else if (!h.header().equals(first.header())) {
                throw new IllegalArgumentException(CsvFileHeads.shown(h.file()) + ":1: CSV header: " + String.join(",", h.header()) + " differs from "
                        + CsvFileHeads.shown(first.file()) + "'s " + String.join(",", first.header()) + "; Spark's CSV reader reads every file's fields "
                        + "in one file's column order, so give the files one header (or score them one at a time)");
            }
        }
    }
}
