package tagllm.model;

import com.fasterxml.jackson.databind.JsonNode;
import tagllm.tensor.Matrix;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One memory-mapped .safetensors file. The header is validated before any tensor is touched:
 * a bounded length, strict JSON, known dtypes, shape × dtype size = byte range, ranges inside the file,
 * not overlapping and laid end to end over the whole data section (as the safetensors library requires). Every failure is a {@link ModelFormatException} naming the file and the tensor,
 * and nothing is allocated from a size the file claims before that size has been checked against the file.
 */
public final class SafeTensors implements AutoCloseable {
    /** Headers beyond this are refused (the reference implementation's bound too): real ones are a few hundred KiB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /**
     * Every dtype the safetensors format defines, so that a valid file with, say, an I64 buffer is still
     * read; only F32, BF16 and F16 can be turned into weights.
     */
    public enum DType {
        F32(4), BF16(2), F16(2),
        F64(8), I64(8), U64(8), I32(4), U32(4), I16(2), U16(2), I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);
        public final int bytes;
        DType(int bytes) { this.bytes = bytes; }

        public boolean isWeightType() { return this == F32 || this == BF16 || this == F16; }
    }

    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }

        public long bytes() { return end - begin; }
    }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final long fileSize;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafeTensors(Path file, long fileSize, Arena arena, MemorySegment data, Map<String, Entry> entries,
                        Map<String, String> metadata) {
        this.file = file;
        this.fileSize = fileSize;
        this.arena = arena;
        this.data = data;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new ModelFormatException(file + ": is a directory, expected a .safetensors file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new ModelFormatException(file + ": truncated safetensors file (" + size + " bytes, need at least 8)");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerLen = all.get(I64_LE, 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new ModelFormatException(file + ": header length " + headerLen + " is not in [2, " + MAX_HEADER_BYTES
                        + "] (not a safetensors file?)");
            }
            if (8 + headerLen > size) {
                throw new ModelFormatException(file + ": header length " + headerLen + " reaches beyond the end of the file ("
                        + size + " bytes; truncated?)");
            }
            byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                header = ModelConfig.strictMapper().readTree(hb);
            } catch (IOException e) {
                throw new ModelFormatException(file + ": header is not valid JSON: " + tagllm.util.JsonSyntaxError.describe(e));
            }
            if (header == null || !header.isObject()) throw new ModelFormatException(file + ": header is not a JSON object");
            MemorySegment data = all.asSlice(8 + headerLen);
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : header.properties()) {
                String name = f.getKey();
                JsonNode t = f.getValue();
                if (name.equals("__metadata__")) {
                    if (!t.isObject()) throw new ModelFormatException(file + ": '__metadata__' must be an object of strings");
                    for (Map.Entry<String, JsonNode> m : t.properties()) {
                        if (!m.getValue().isTextual()) {
                            throw new ModelFormatException(file + ": '__metadata__' value '" + m.getKey() + "' must be a string");
                        }
                        meta.put(m.getKey(), m.getValue().asText());
                    }
                    continue;
                }
                entries.put(name, parseEntry(file, name, t, data.byteSize()));
            }
            checkOverlaps(file, entries);
            checkContiguous(file, entries, data.byteSize());
            return new SafeTensors(file, size, arena, data, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(meta));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ModelFormatException(file + ": file not found");
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    private static void checkOverlaps(Path file, Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry widest = null; // the entry reaching furthest so far, so that a long range is compared with all it covers
        for (Entry b : sorted) {
            if (widest != null && b.begin() < widest.end() && b.end() > b.begin()) {
                throw new ModelFormatException(file + ": tensors '" + widest.name() + "' [" + widest.begin() + ", " + widest.end()
                        + ") and '" + b.name() + "' [" + b.begin() + ", " + b.end() + ") overlap");
            }
            if (widest == null || b.end() > widest.end()) widest = b;
        }
    }

    /**
     * The safetensors library's own rule (InvalidOffset, MetadataIncompleteBuffer): the tensors lie end to end from
     * the start of the data section to its end. Bytes no tensor claims (a gap, or data appended after the last one)
     * are refused rather than carried along unseen.
     */
    private static void checkContiguous(Path file, Map<String, Entry> entries, long dataBytes) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin() != at) {
                throw new ModelFormatException(file + ": tensor '" + e.name() + "' starts at data byte " + e.begin() + " but the tensors"
                        + " before it end at " + at + " (safetensors lays tensors end to end, with no unclaimed bytes)");
            }
            at = e.end();
        }
        if (at != dataBytes) {
            throw new ModelFormatException(file + ": the data section is " + dataBytes + " bytes but its tensors end at " + at
                    + " (" + (dataBytes - at) + " bytes after the last tensor: appended to, or a damaged header?)");
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode t, long dataBytes) {
        String where = file + ": tensor '" + name + "'";
        if (!t.isObject()) throw new ModelFormatException(where + ": expected an object with dtype, shape, data_offsets");
        JsonNode dtNode = t.get("dtype");
        if (dtNode == null || !dtNode.isTextual()) throw new ModelFormatException(where + ": missing 'dtype'");
        String dt = dtNode.asText();
        DType dtype;
        try {
            dtype = DType.valueOf(dt);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": dtype '" + dt + "' is not a safetensors dtype (expected F32, BF16 or F16)");
        }
        JsonNode sh = t.get("shape");
        if (sh == null || !sh.isArray()) throw new ModelFormatException(where + ": missing 'shape'");
        long[] shape = new long[sh.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = sh.get(i);
            if (!s.isIntegralNumber() || !s.canConvertToLong() || s.asLong() < 0) {
                throw new ModelFormatException(where + ": bad shape " + sh + " (dimensions must be non-negative integers)");
            }
            shape[i] = s.asLong();
            try {
                n = Math.multiplyExact(n, shape[i]);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(where + ": shape " + sh + " has more elements than the file could hold");
            }
        }
        JsonNode off = t.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()
                || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new ModelFormatException(where + ": 'data_offsets' must be [begin, end], got " + off);
        }
        long begin = off.get(0).asLong(), end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] outside the data section ("
                    + dataBytes + " bytes; truncated file?)");
        }
        long need = n > Long.MAX_VALUE / dtype.bytes ? Long.MAX_VALUE : n * dtype.bytes;
        if (end - begin != need) {
            throw new ModelFormatException(where + ": shape " + sh + " × " + dtype + " needs " + need
                    + " bytes but data_offsets give " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    public Path file() { return file; }

    /** Size of the file on disk, header included. */
    public long fileSize() { return fileSize; }

    public Map<String, Entry> entries() { return entries; }

    public Map<String, String> metadata() { return metadata; }

    public boolean has(String name) { return entries.containsKey(name); }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new ModelFormatException(file + ": missing tensor '" + name + "'");
        return e;
    }

    /** The stored bytes of a tensor, read-only and valid until {@link #close()}. */
    public MemorySegment bytes(String name) {
        Entry e = entry(name);
        return data.asSlice(e.begin(), e.bytes()).asReadOnly();
    }

    private int arrayLength(Entry e) {
        long n = e.elements();
        if (n > ModelConfig.MAX_MATRIX_ELEMENTS) {
            throw new ModelFormatException(file + ": tensor '" + e.name() + "' has " + n
                    + " elements, more than one Java array holds");
        }
        return (int) n;
    }

    private void requireWeightType(Entry e) {
        if (!e.dtype().isWeightType()) {
            throw new ModelFormatException(file + ": tensor '" + e.name() + "' is " + e.dtype()
                    + "; weights must be F32, BF16 or F16");
        }
    }

    /** Reads a tensor as float (F32 copied, BF16/F16 upcast exactly). */
    public float[] readF32(String name) {
        Entry e = entry(name);
        requireWeightType(e);
        int n = arrayLength(e);
        float[] out = new float[n];
        MemorySegment s = data.asSlice(e.begin(), e.bytes());
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(s, F32_LE, 0, out, 0, n);
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat(s.getAtIndex(I16_LE, i) << 16); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.getAtIndex(I16_LE, i)); }
            default -> throw new IllegalStateException("unreachable: " + e.dtype());
        }
        return out;
    }

    /** Reads a tensor's raw 16-bit values (BF16 only). */
    public short[] readBf16(String name) {
        Entry e = entry(name);
        if (e.dtype() != DType.BF16) throw new ModelFormatException(file + ": tensor '" + name + "' is " + e.dtype() + ", not BF16");
        int n = arrayLength(e);
        short[] out = new short[n];
        MemorySegment.copy(data.asSlice(e.begin(), e.bytes()), I16_LE, 0, out, 0, n);
        return out;
    }

    /** A 2-D tensor checked against the expected shape; BF16 stays BF16, F16 is upcast to F32. */
    public Matrix matrix(String name, int rows, int cols) { return matrix(name, rows, cols, false); }

    /**
     * The same, held as BF16 when {@code asBf16} (F32 and F16 rows rounded to the nearest BF16 as they are read, so
     * no F32 copy of the matrix ever exists; BF16 tensors as they are).
     */
    public Matrix matrix(String name, int rows, int cols, boolean asBf16) {
        Entry e = matrixEntry(name, rows, cols);
        // Row by row straight into the matrix's packed layout: no second full copy of the weights on the heap.
        MemorySegment s = data.asSlice(e.begin(), e.bytes());
        if (asBf16) return Matrix.bf16(rows, cols, bf16Rows(e, s, cols));
        return switch (e.dtype()) {
            case F32 -> Matrix.f32(rows, cols, (r, dst) -> MemorySegment.copy(s, F32_LE, 4L * r * cols, dst, 0, cols));
            case F16 -> Matrix.f32(rows, cols, (r, dst) -> {
                for (int c = 0; c < cols; c++) dst[c] = Float.float16ToFloat(s.getAtIndex(I16_LE, (long) r * cols + c));
            });
            case BF16 -> Matrix.bf16(rows, cols, bf16Rows(e, s, cols));
            default -> throw new IllegalStateException("unreachable: " + e.dtype());
        };
    }

    /**
     * The same as {@code matrix(name, rows, cols, true)}, computing in BF16 ({@link Matrix#bf16Compute}): read
     * straight into the one copy the native kernels use, so neither Java's panels nor an F32 copy is ever held.
     */
    public Matrix bf16ComputeMatrix(String name, int rows, int cols) {
        Entry e = matrixEntry(name, rows, cols);
        return Matrix.bf16Compute(rows, cols, bf16Rows(e, data.asSlice(e.begin(), e.bytes()), cols));
    }

    private Entry matrixEntry(String name, int rows, int cols) {
        Entry e = entry(name);
        if (e.shape().length != 2 || e.shape()[0] != rows || e.shape()[1] != cols) {
            throw new ModelFormatException(file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                    + ", expected [" + rows + ", " + cols + "]");
        }
        requireWeightType(e);
        arrayLength(e);
        return e;
    }

    /** Rows of the tensor at s as BF16 bits: BF16 as stored, F32 and F16 rounded to the nearest BF16. */
    private static Matrix.Bf16Rows bf16Rows(Entry e, MemorySegment s, int cols) {
        if (e.dtype() == DType.BF16) return (r, dst) -> MemorySegment.copy(s, I16_LE, 2L * r * cols, dst, 0, cols);
        float[] row = new float[cols];
        return (r, dst) -> {
            if (e.dtype() == DType.F32) MemorySegment.copy(s, F32_LE, 4L * r * cols, row, 0, cols);
            else for (int c = 0; c < cols; c++) row[c] = Float.float16ToFloat(s.getAtIndex(I16_LE, (long) r * cols + c));
            for (int c = 0; c < cols; c++) dst[c] = tagllm.tensor.Bf16.round(row[c]);
        };
    }

    /** A 1-D tensor checked against the expected length, as float. */
    public float[] vector(String name, int length) {
        Entry e = entry(name);
        if (e.shape().length != 1 || e.shape()[0] != length) {
            throw new ModelFormatException(file + ": tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                    + ", expected [" + length + "]");
        }
        return readF32(name);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) arena.close();
    }
}
