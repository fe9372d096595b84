package tagllm.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import tagllm.util.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds a .safetensors file (F32 or BF16 tensors plus string metadata) and writes it atomically. */
public final class SafeTensorsWriter {
    private record Pending(String name, SafeTensors.DType dtype, long[] shape, byte[] bytes) {}

    private final Map<String, Pending> tensors = new TreeMap<>(); // name order, like HF writers
    private final Map<String, String> metadata = new TreeMap<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafeTensorsWriter addF32(String name, float[] data, long... shape) {
        check(name, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        tensors.put(name, new Pending(name, SafeTensors.DType.F32, shape.clone(), b.array()));
        return this;
    }

    /** Stores BF16 rounded to nearest-even, the bits PyTorch's .to(torch.bfloat16) gives. */
    public SafeTensorsWriter addBf16(String name, float[] data, long... shape) {
        check(name, data.length, shape);
        ByteBuffer b = ByteBuffer.allocate(2 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) b.putShort(toBf16(f));
        tensors.put(name, new Pending(name, SafeTensors.DType.BF16, shape.clone(), b.array()));
        return this;
    }

    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void check(String name, int n, long[] shape) {
        long e = 1;
        for (long s : shape) e *= s;
        if (e != n) throw new IllegalArgumentException("tensor '" + name + "': shape does not match " + n + " values");
    }

    public byte[] toBytes() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long off = 0;
        List<byte[]> parts = new ArrayList<>();
        for (Pending p : tensors.values()) {
            ObjectNode t = header.putObject(p.name());
            t.put("dtype", p.dtype().name());
            ArrayNode sh = t.putArray("shape");
            for (long s : p.shape()) sh.add(s);
            ArrayNode o = t.putArray("data_offsets");
            o.add(off);
            o.add(off + p.bytes().length);
            off += p.bytes().length;
            parts.add(p.bytes());
        }
        byte[] h;
        try {
            h = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + off)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded);
        out.put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        parts.forEach(out::put);
        return out.array();
    }

    public void write(Path file) throws IOException {
        byte[] bytes = toBytes();
        AtomicFiles.write(file, o -> o.write(bytes));
    }
}
