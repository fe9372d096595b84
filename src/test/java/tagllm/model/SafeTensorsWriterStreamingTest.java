package tagllm.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsWriterStreamingTest {
    @TempDir
    Path dir;

    @Test
    void streamedProducersGiveTheSameFileAsArrays() throws IOException {
        float[] a = new float[7 * 14_287];
        for (int i = 0; i < a.length; i++) a[i] = (float) Math.sin(i * 0.37);
        byte[] eager = new SafeTensorsWriter().metadata("format", "pt").addF32("a", a, 7, 14_287)
                .addBf16("b", a, a.length).toBytes();
        Path streamed = dir.resolve("s.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt")
                .add("b", SafeTensors.DType.BF16, new long[]{a.length}, out -> out.put(a, 0, a.length))
                .add("a", SafeTensors.DType.F32, new long[]{7, 14_287}, out -> {
                    for (int off = 0; off < a.length; off += 999) out.put(a, off, Math.min(999, a.length - off));
                });
        w.write(streamed);
        assertArrayEquals(eager, Files.readAllBytes(streamed));
        assertEquals(Files.size(streamed), w.fileBytes());
        try (SafeTensors st = SafeTensors.open(streamed)) {
            assertArrayEquals(a, st.readF32("a"));
            float[] b = st.readF32("b");
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], Math.abs(a[i]) / 128 + 1e-30, "bf16 keeps 8 bits");
        }
    }

    @Test
    void bf16AndF16RoundToNearestEven() throws IOException {
        // 1 + 2^-8 lies halfway between bf16 1.0 and 1 + 2^-7: ties go to the even mantissa (1.0);
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6.
        float[] v = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, -2.5f};
        Path p = dir.resolve("r.safetensors");
        new SafeTensorsWriter().addBf16("b", v, 3).addF16("h", new float[]{1f + 0x1p-11f, 65504f, 0.1f}, 3).write(p);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertArrayEquals(new short[]{0x3F80, 0x3F82, (short) 0xC020}, st.readBf16("b"));
            // F16: 1+2^-11 is the tie between 1.0 and 1+2^-10 -> 1.0; 65504 is the largest half; 0.1 -> 0x2E66 = 0.0999755859375
            assertArrayEquals(new float[]{1f, 65504f, 0.0999755859375f}, st.readF32("h"));
            assertEquals(SafeTensors.DType.F16, st.entry("h").dtype());
        }
    }

    @Test
    void aProducerWritingTheWrongCountFailsAndLeavesNoFile() {
        Path p = dir.resolve("bad.safetensors");
        SafeTensorsWriter few = new SafeTensorsWriter().add("w", SafeTensors.DType.F32, new long[]{4}, out -> out.put(new float[3], 0, 3));
        var e = assertThrows(IllegalStateException.class, () -> few.write(p));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("3 of 4"), e.getMessage());
        SafeTensorsWriter many = new SafeTensorsWriter().add("w", SafeTensors.DType.F32, new long[]{2}, out -> out.put(new float[3], 0, 3));
        assertThrows(IllegalStateException.class, () -> many.write(p));
        assertFalse(Files.exists(p));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "no temporary file left behind");
        } catch (IOException io) {
            fail(io);
        }
    }

    @Test
    void dataStartsEightByteAligned() {
        byte[] b = new SafeTensorsWriter().addF32("x", new float[]{1}, 1).toBytes();
        long headerLen = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8);
        assertEquals(8 + headerLen + 4, b.length);
    }
}
