package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import tagllm.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped .safetensors file. The header is validated before any tensor is touched:
 * a bounded length, JSON, known dtypes, shape × dtype size = byte range, ranges inside the file
 * and not overlapping. Every failure names the file and the tensor.
 */
public final class SafeTensors implements AutoCloseable {
    /** Headers beyond this are refused: real ones are a few hundred KiB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    public enum DType {
        F32(4), BF16(2), F16(2);
        public final int bytes;
        DType(int bytes) { this.bytes = bytes; }
    }

    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, Arena arena, MemorySegment data, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new ModelFormatException(file + ": truncated safetensors file (" + size + " bytes, need at least 8)");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelFormatException(file + ": header length " + headerLen + " is not in [2, " + MAX_HEADER_BYTES + "]");
            }
            if (8 + headerLen > size) {
                throw new ModelFormatException(file + ": header length " + headerLen + " reaches beyond the end of the file (" + size + " bytes)");
            }
            byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(hb);
            } catch (IOException e) {
                throw new ModelFormatException(file + ": header is not valid JSON: " + e.getMessage());
            }
            if (header == null || !header.isObject()) throw new ModelFormatException(file + ": header is not a JSON object");
            MemorySegment data = all.asSlice(8 + headerLen);
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : header.properties()) {
                String name = f.getKey();
                JsonNode t = f.getValue();
                if (name.equals("__metadata__")) {
                    if (t.isObject()) t.properties().forEach(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(name, parseEntry(file, name, t, data.byteSize()));
            }
            List<Entry> sorted = new ArrayList<>(entries.values());
            sorted.sort(Comparator.comparingLong(Entry::begin));
            for (int i = 1; i < sorted.size(); i++) {
                Entry a = sorted.get(i - 1), b = sorted.get(i);
                if (b.begin() < a.end()) {
                    throw new ModelFormatException(file + ": tensors '" + a.name() + "' and '" + b.name() + "' overlap");
                }
            }
            return new SafeTensors(file, arena, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode t, long dataBytes) {
        String where = file + ": tensor '" + name + "'";
        if (!t.isObject()) throw new ModelFormatException(where + ": expected an object");
        String dt = t.path("dtype").asText("");
        DType dtype;
        try {
            dtype = DType.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": dtype '" + dt + "' is not supported (F32, BF16, F16)");
        }
        JsonNode sh = t.get("shape");
        if (sh == null || !sh.isArray()) throw new ModelFormatException(where + ": missing 'shape'");
        long[] shape = new long[sh.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = sh.get(i);
            if (!s.canConvertToLong() || s.asLong() < 0) throw new ModelFormatException(where + ": bad shape " + sh);
            shape[i] = s.asLong();
            n = Math.multiplyExact(n, shape[i]);
        }
        JsonNode off = t.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new ModelFormatException(where + ": 'data_offsets' must be [begin, end]");
        }
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] outside the data section (" + dataBytes + " bytes)");
        }
        if (end - begin != n * dtype.bytes) {
            throw new ModelFormatException(where + ": shape " + sh + " × " + dtype + " needs " + n * dtype.bytes
                    + " bytes but data_offsets give " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    public Path file() { return file; }

    public Map<String, Entry> entries() { return entries; }

    public Map<String, String> metadata() { return metadata; }

    public boolean has(String name) { return entries.containsKey(name); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new ModelFormatException(file + ": missing tensor '" + name + "'");
        return e;
    }

    /** Reads a tensor as float (F32 copied, BF16/F16 upcast exactly). */
    public float[] readF32(String name) {
        Entry e = entry(name);
        int n = Math.toIntExact(e.elements());
        float[] out = new float[n];
        MemorySegment s = data.asSlice(e.begin(), e.end() - e.begin());
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(s, F32_LE, 0, out, 0, n);
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(s.getAtIndex(I16_LE, i) << 16); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i)); }
        }
        return out;
    }

    /** Reads a tensor's raw 16-bit values (BF16 only). */
    public short[] readBf16(String name) {
        Entry e = entry(name);
        if (e.dtype() != DType.BF16) throw new ModelFormatException(file + ": tensor '" + name + "' is " + e.dtype() + ", not BF16");
        int n = Math.toIntExact(e.elements());
        short[] out = new short[n];
        MemorySegment.copy(data.asSlice(e.begin(), e.end() - e.begin()), I16_LE, 0, out, 0, n);
        return out;
    }

    /** A 2-D tensor checked against the expected shape; BF16 stays BF16, F16 is upcast to F32. */
    public Matrix matrix(String name, int rows, int cols) {
        Entry e = entry(name);
        if (e.shape().length != 2 || e.shape()[0] != rows || e.shape()[1] != cols) {
            throw new ModelFormatException(file + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        return e.dtype() == DType.BF16 ? Matrix.bf16(rows, cols, readBf16(name)) : Matrix.f32(rows, cols, readF32(name));
    }

    /** A 1-D tensor checked against the expected length, as float. */
    public float[] vector(String name, int length) {
        Entry e = entry(name);
        if (e.shape().length != 1 || e.shape()[0] != length) {
            throw new ModelFormatException(file + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(e.shape())
                    + ", expected [" + length + "]");
        }
        return readF32(name);
    }

    @Override
    public void close() { arena.close(); }
}
