package tagllm.data;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** CSV output in the style of ../shared/data: UTF-8, "\n" line ends, quotes only where needed. */
public final class CsvSink {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get();

    private final Writer writer;
    private final CSVPrinter printer;

    public CsvSink(OutputStream out) throws IOException {
        this.writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        this.printer = new CSVPrinter(writer, FORMAT);
    }

    public void row(List<String> values) throws IOException { printer.printRecord(values); }

    public void flush() throws IOException {
        printer.flush();
        writer.flush();
    }
}
