package tagllm.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.util.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a .safetensors file (F32, BF16 or F16 tensors plus string metadata) and writes it atomically.
 * Tensors are either given as arrays or as {@link Producer}s that stream their values when the file is
 * written, so a file of many GB (TinyLlama in F32 is 4.4 GB) never has to exist in memory.
 */
public final class SafeTensorsWriter {
    /** Streams one tensor's values, in row-major order, into the file being written. */
    @FunctionalInterface
    public interface Producer {
        void write(TensorOutput out) throws IOException;
    }

    private record Pending(String name, SafeTensors.DType dtype, long[] shape, long elements, Producer producer) {
        long bytes() { return elements * dtype.bytes; }
    }

    private final Map<String, Pending> tensors = new TreeMap<>(); // name order, like HF writers
    private final Map<String, String> metadata = new TreeMap<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafeTensorsWriter addF32(String name, float[] data, long... shape) {
        return addCopy(name, SafeTensors.DType.F32, data, shape);
    }

    /** Stores BF16 rounded to nearest-even, the bits PyTorch's .to(torch.bfloat16) gives. */
    public SafeTensorsWriter addBf16(String name, float[] data, long... shape) {
        return addCopy(name, SafeTensors.DType.BF16, data, shape);
    }

    /** Stores IEEE half precision, rounded to nearest-even. */
    public SafeTensorsWriter addF16(String name, float[] data, long... shape) {
        return addCopy(name, SafeTensors.DType.F16, data, shape);
    }

    private SafeTensorsWriter addCopy(String name, SafeTensors.DType dtype, float[] data, long[] shape) {
        long n = elements(name, shape);
        if (n != data.length) throw new IllegalArgumentException("tensor '" + name + "': shape does not match " + data.length + " values");
        float[] copy = data.clone(); // the caller may reuse its array before the file is written
        return add(name, dtype, shape, out -> out.put(copy, 0, copy.length));
    }

    /** Adds a tensor whose values the producer writes (exactly shape's element count of them) when the file is written. */
    public SafeTensorsWriter add(String name, SafeTensors.DType dtype, long[] shape, Producer producer) {
        if (!dtype.isWeightType()) throw new IllegalArgumentException("tensor '" + name + "': cannot write " + dtype);
        if (name.equals("__metadata__") || name.isEmpty()) throw new IllegalArgumentException("bad tensor name '" + name + "'");
        if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        tensors.put(name, new Pending(name, dtype, shape.clone(), elements(name, shape), producer));
        return this;
    }

    private static long elements(String name, long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension");
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    public static short toBf16(float f) { return tagllm.tensor.Bf16.round(f); }

    private byte[] header() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long off = 0;
        for (Pending p : tensors.values()) {
            ObjectNode t = header.putObject(p.name());
            t.put("dtype", p.dtype().name());
            ArrayNode sh = t.putArray("shape");
            for (long s : p.shape()) sh.add(s);
            ArrayNode o = t.putArray("data_offsets");
            o.add(off);
            o.add(off + p.bytes());
            off += p.bytes();
        }
        byte[] h;
        try {
            h = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded);
        b.put(h);
        while (b.hasRemaining()) b.put((byte) ' ');
        return b.array();
    }

    /** Size of the whole file: header plus data. */
    public long fileBytes() {
        long n = header().length;
        for (Pending p : tensors.values()) n += p.bytes();
        return n;
    }

    /** Streams the whole file to out (header, then each tensor in name order). */
    public void writeTo(OutputStream out) throws IOException {
        out.write(header());
        for (Pending p : tensors.values()) {
            TensorOutput t = new TensorOutput(p.name(), p.dtype(), p.elements(), out);
            p.producer().write(t);
            t.finish();
        }
    }

    /** The file in memory; only for files below 2 GB (use {@link #write(Path)} for larger ones). */
    public byte[] toBytes() {
        long size = fileBytes();
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("safetensors file of " + size + " bytes does not fit in one array; write it to a file");
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) size);
        try {
            writeTo(bos);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    /** Writes the file atomically, streaming tensor by tensor. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, this::writeTo);
    }

    /** Where a producer puts one tensor's values; converts to the tensor's dtype and counts them. */
    public static final class TensorOutput {
        private final String name;
        private final SafeTensors.DType dtype;
        private final long expected;
        private final OutputStream out;
        private final ByteBuffer buf;
        private long written;

        TensorOutput(String name, SafeTensors.DType dtype, long expected, OutputStream out) {
            this.name = name;
            this.dtype = dtype;
            this.expected = expected;
            this.out = out;
            this.buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        }

        public long remaining() { return expected - written; }

        public void put(float[] values, int off, int len) throws IOException {
            if (len > remaining()) {
                throw new IllegalStateException("tensor '" + name + "': producer wrote more than its " + expected + " values");
            }
            int i = off, end = off + len;
            while (i < end) {
                if (buf.remaining() < dtype.bytes) drain();
                int n = Math.min(end - i, buf.remaining() / dtype.bytes);
                int pos = buf.position();
                switch (dtype) {
                    case F32 -> buf.asFloatBuffer().put(values, i, n);
                    case BF16 -> { var sb = buf.asShortBuffer(); for (int k = i; k < i + n; k++) sb.put(toBf16(values[k])); }
                    case F16 -> { var sb = buf.asShortBuffer(); for (int k = i; k < i + n; k++) sb.put(Float.floatToFloat16(values[k])); }
                    default -> throw new IllegalStateException("unreachable: " + dtype);
                }
                buf.position(pos + n * dtype.bytes);
                i += n;
            }
            written += len;
        }

        private void drain() throws IOException {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }

        void finish() throws IOException {
            drain();
            if (written != expected) {
                throw new IllegalStateException("tensor '" + name + "': producer wrote " + written + " of " + expected + " values");
            }
        }
    }
}
