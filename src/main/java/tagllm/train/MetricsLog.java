package tagllm.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's metrics as JSON lines (one object per logged step: stage, step, loss, lr, tokens/s …).
 * On resume, lines of the resumed stage after the checkpoint's step are dropped first, so the log of a
 * resumed run reads like the log of an uninterrupted one. A line is appended whole or not at all: a write that fails
 * part-way (a full disk) is cut back to the line before, so a reader of the log never meets half a record.
 */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;
    private final Opener opener;
    private SeekableByteChannel out;

    /** How the log's file is opened for appending (tests give one that fails part-way). */
    interface Opener {
        SeekableByteChannel open(Path file) throws IOException;
    }

    public MetricsLog(Path file) {
        this(file, f -> Files.newByteChannel(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
    }

    MetricsLog(Path file, Opener opener) {
        this.file = file;
        this.opener = opener;
    }

    public Path file() { return file; }

    public ObjectNode newRecord() { return JSON.createObjectNode(); }

    /** Starts a fresh log (an earlier one at the same path is replaced). */
    public void reset() throws IOException {
        closeWriter();
        AtomicFiles.writeString(file, "");
    }

    /** Keeps the lines of earlier stages and the lines of this stage up to step (inclusive). */
    public void truncateAfter(String stage, int step, List<String> earlierStages) throws IOException {
        closeWriter();
        if (!Files.exists(file)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue; // a line cut short by the kill
            }
            String s = n.path("stage").asText();
            if (earlierStages.contains(s) || (s.equals(stage) && n.path("step").asInt(Integer.MAX_VALUE) <= step)) keep.add(line);
        }
        AtomicFiles.writeString(file, keep.isEmpty() ? "" : String.join("\n", keep) + "\n");
    }

    public synchronized void write(ObjectNode record) throws IOException {
        nonFiniteAsNull(record);
        ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
        long before = -1;
        try {
            if (out == null) {
                Path dir = file.toAbsolutePath().getParent();
                if (dir != null) Files.createDirectories(dir);
                out = opener.open(file);
            }
            before = out.size();
            while (line.hasRemaining()) out.write(line);
        } catch (IOException e) { // e.g. a full disk: the JDK's message names no file
            if (before >= 0) {
                try {
                    out.truncate(before); // the part of the line that was written goes
                } catch (IOException t) {
                    e.addSuppressed(t);
                }
            }
            dropWriter();
            throw new AtomicFiles.WriteFailedException("cannot append to the metrics log " + file + ": " + AtomicFiles.reason(e, null), e);
        }
    }

    private void dropWriter() {
        try {
            if (out != null) out.close();
        } catch (IOException ignored) {
            // the write's error is the one reported
        }
        out = null;
    }

    private void closeWriter() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    @Override
    public void close() throws IOException { closeWriter(); }

    /**
     * A number that is not finite (a gradient norm that overflowed while the loss stayed finite) as null: Jackson would
     * write the string "Infinity" or "NaN", which a reader expecting numbers (jq, pandas, JavaScript) trips on.
     */
    private static void nonFiniteAsNull(JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (var e : o.properties()) {
                if (e.getValue().isFloatingPointNumber() && !Double.isFinite(e.getValue().doubleValue())) e.setValue(o.nullNode());
                else nonFiniteAsNull(e.getValue());
            }
        } else if (n instanceof com.fasterxml.jackson.databind.node.ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isFloatingPointNumber() && !Double.isFinite(a.get(i).doubleValue())) a.set(i, a.nullNode());
                else nonFiniteAsNull(a.get(i));
            }
        }
    }
}
