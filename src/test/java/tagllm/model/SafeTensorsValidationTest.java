package tagllm.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.tensor.Matrix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-made safetensors files, valid and broken: every broken one must give a ModelFormatException naming the file and tensor. */
class SafeTensorsValidationTest {
    @TempDir
    Path dir;

    /** A file from a literal header and data bytes, exactly as the format lays them out. */
    private Path file(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static byte[] le(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static byte[] le16(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) b.putShort((short) s);
        return b.array();
    }

    private ModelFormatException openFails(Path p) {
        return assertThrows(ModelFormatException.class, () -> SafeTensors.open(p).close());
    }

    @Test
    void readsF32Bf16AndF16WithExactValues() throws IOException {
        // BF16 0x3F80 = 1.0, 0xC040 = -3.0; F16 0x3C00 = 1.0, 0xC500 = -5.0, 0x3555 = 0.333251953125 (hand-decoded)
        byte[] data = new byte[8 + 4 + 6];
        System.arraycopy(le(1.5f, -2.25f), 0, data, 0, 8);
        System.arraycopy(le16(0x3F80, 0xC040), 0, data, 8, 4);
        System.arraycopy(le16(0x3C00, 0xC500, 0x3555), 0, data, 12, 6);
        Path p = file("ok.safetensors", """
                {"__metadata__":{"format":"pt"},
                 "a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},
                 "b":{"dtype":"BF16","shape":[2,1],"data_offsets":[8,12]},
                 "c":{"dtype":"F16","shape":[3],"data_offsets":[12,18]}}""", data);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals("pt", st.metadata().get("format"));
            Matrix a = st.matrix("a", 1, 2);
            assertEquals(Matrix.Storage.F32, a.storage());
            assertEquals(1.5f, a.get(0, 0));
            assertEquals(-2.25f, a.get(0, 1));
            Matrix b = st.matrix("b", 2, 1);
            assertEquals(Matrix.Storage.BF16, b.storage(), "BF16 weights stay BF16 in memory");
            assertEquals(1.0f, b.get(0, 0));
            assertEquals(-3.0f, b.get(1, 0));
            float[] c = st.vector("c", 3);
            assertArrayEquals(new float[]{1.0f, -5.0f, 0.333251953125f}, c);
        }
    }

    @Test
    void f16MatrixIsUpcastToF32() throws IOException {
        Path p = file("h.safetensors", "{\"w\":{\"dtype\":\"F16\",\"shape\":[1,2],\"data_offsets\":[0,4]}}", le16(0x4000, 0xBC00));
        try (SafeTensors st = SafeTensors.open(p)) {
            Matrix m = st.matrix("w", 1, 2);
            assertEquals(Matrix.Storage.F32, m.storage());
            assertEquals(2.0f, m.get(0, 0));
            assertEquals(-1.0f, m.get(0, 1));
        }
    }

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path p = dir.resolve("tiny.safetensors");
        Files.write(p, new byte[]{1, 2, 3});
        var e = openFails(p);
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedDataNamesTheTensor() throws IOException {
        Path full = file("full.safetensors", "{\"emb\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", le(1, 2, 3, 4));
        byte[] all = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 5));
        var e = openFails(cut);
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("'emb'"), e.getMessage());
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1000).put("{\"a\":1}   ".getBytes(StandardCharsets.UTF_8));
        Path p = dir.resolve("long.safetensors");
        Files.write(p, b.array());
        var e = openFails(p);
        assertTrue(e.getMessage().contains("beyond the end of the file") && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void absurdHeaderLengthIsRefusedWithoutAllocating() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(Long.MAX_VALUE / 2).putLong(0);
        Path p = dir.resolve("huge.safetensors");
        Files.write(p, b.array());
        assertTrue(openFails(p).getMessage().contains("header length"));
        b.clear();
        b.putLong(-8).putLong(0);
        Files.write(p, b.array());
        assertTrue(openFails(p).getMessage().contains("header length"));
    }

    @Test
    void overlappingOffsetsNameBothTensors() throws IOException {
        Path p = file("ov.safetensors", """
                {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
                 "y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", le(1, 2, 3));
        var e = openFails(p);
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("'y'") && e.getMessage().contains("overlap"), e.getMessage());
    }

    @Test
    void aLongTensorOverlappingANonNeighbourIsFound() throws IOException {
        // sorted by start: big [0,24), a [8,12), b [16,20): a and b do not overlap each other, both overlap big
        Path p = file("ov2.safetensors", """
                {"big":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},
                 "a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},
                 "b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}""", le(1, 2, 3, 4, 5, 6));
        assertTrue(openFails(p).getMessage().contains("overlap"));
    }

    @Test
    void offsetsOutsideTheData() throws IOException {
        Path p = file("oor.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", le(1, 2));
        var e = openFails(p);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("outside the data section"), e.getMessage());
        Path neg = file("neg.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[-4,0]}}", le(1));
        assertTrue(openFails(neg).getMessage().contains("'w'"));
    }

    /**
     * The safetensors library refuses bytes no tensor claims (InvalidOffset for a gap, MetadataIncompleteBuffer for
     * bytes after the last tensor); they used to be taken silently.
     */
    @Test
    void aGapOrTrailingBytesAreRefusedAsTheReferenceLibraryDoes() throws IOException {
        Path gap = file("gap.safetensors", """
                {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},
                 "y":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", le(1, 2, 3));
        var g = openFails(gap);
        assertTrue(g.getMessage().contains(gap.toString()) && g.getMessage().contains("'y' starts at data byte 8")
                && g.getMessage().contains("end at 4"), g.getMessage());
        Path tail = file("tail.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", le(1, 2, 3));
        var t = openFails(tail);
        assertTrue(t.getMessage().contains(tail.toString()) && t.getMessage().contains("12 bytes") && t.getMessage().contains("end at 8"),
                t.getMessage());
        Path late = file("late.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", le(1, 2));
        assertTrue(openFails(late).getMessage().contains("'w' starts at data byte 4"));
        // end to end, in any header order and with an empty tensor among them: accepted
        Path ok = file("ok.safetensors", """
                {"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},
                 "e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},
                 "a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", le(5, 6));
        try (SafeTensors st = SafeTensors.open(ok)) {
            assertArrayEquals(new float[]{6}, st.readF32("b"));
        }
    }

    @Test
    void unknownDtypeNamesTheTensor() throws IOException {
        Path p = file("dt.safetensors", "{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", le(1));
        var e = openFails(p);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("F33") && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void nonWeightDtypeIsReadableHeaderButNotAWeight() throws IOException {
        Path p = file("i64.safetensors", "{\"steps\":{\"dtype\":\"I64\",\"shape\":[1,1],\"data_offsets\":[0,8]}}", new byte[8]);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(SafeTensors.DType.I64, st.entry("steps").dtype());
            var e = assertThrows(ModelFormatException.class, () -> st.matrix("steps", 1, 1));
            assertTrue(e.getMessage().contains("'steps'") && e.getMessage().contains("I64"), e.getMessage());
        }
    }

    @Test
    void shapeTimesDtypeMustMatchTheByteRange() throws IOException {
        Path p = file("sz.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", le(1, 2));
        var e = openFails(p);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("needs 12 bytes"), e.getMessage());
    }

    @Test
    void overflowingShapeIsAClearError() throws IOException {
        Path p = file("ovf.safetensors",
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", le(1, 2));
        assertTrue(openFails(p).getMessage().contains("'w'"));
        Path neg = file("negshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", le(1, 2));
        assertTrue(openFails(neg).getMessage().contains("bad shape"));
    }

    @Test
    void headerThatIsNotJsonOrNotAnObject() throws IOException {
        assertTrue(openFails(file("nj.safetensors", "{\"w\": [1, 2", new byte[0])).getMessage().contains("not valid JSON"));
        assertTrue(openFails(file("arr.safetensors", "[1, 2, 3]", new byte[0])).getMessage().contains("not a JSON object"));
        var dup = openFails(file("dup.safetensors", """
                {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", le(1)));
        assertTrue(dup.getMessage().contains("not valid JSON") && dup.getMessage().contains("w"), dup.getMessage());
    }

    @Test
    void missingTensorAndWrongShapeNameFileAndTensor() throws IOException {
        Path p = file("m.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", le(1, 2, 3, 4));
        try (SafeTensors st = SafeTensors.open(p)) {
            var missing = assertThrows(ModelFormatException.class, () -> st.matrix("lm_head.weight", 2, 2));
            assertTrue(missing.getMessage().contains(p.toString()) && missing.getMessage().contains("'lm_head.weight'"));
            var shape = assertThrows(ModelFormatException.class, () -> st.matrix("w", 4, 1));
            assertTrue(shape.getMessage().contains("'w'") && shape.getMessage().contains("[2, 2]")
                    && shape.getMessage().contains("[4, 1]"), shape.getMessage());
        }
    }

    @Test
    void missingFileIsAFormatErrorNamingIt() {
        Path p = dir.resolve("absent.safetensors");
        var e = openFails(p);
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("not found"));
    }

    /** Random corruption of a valid file: opening must succeed or fail with ModelFormatException — nothing else. */
    @Test
    void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
        byte[] good = new SafeTensorsWriter().metadata("format", "pt")
                .addF32("a", new float[]{1, 2, 3, 4, 5, 6}, 2, 3)
                .addBf16("b", new float[]{1, 2}, 2)
                .toBytes();
        Random r = new Random(42);
        Path p = dir.resolve("fuzz.safetensors");
        for (int round = 0; round < 300; round++) {
            byte[] bad = good.clone();
            int flips = 1 + r.nextInt(4);
            for (int i = 0; i < flips; i++) bad[r.nextInt(Math.min(bad.length, 8 + 160))] = (byte) r.nextInt(256);
            if (r.nextInt(4) == 0) bad = java.util.Arrays.copyOf(bad, r.nextInt(bad.length));
            Files.write(p, bad);
            try (SafeTensors st = SafeTensors.open(p)) {
                for (String n : st.entries().keySet()) {
                    try {
                        st.readF32(n);
                    } catch (ModelFormatException expected) {
                        // a non-weight dtype after corruption
                    }
                }
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().contains(p.toString()), expected.getMessage());
            } catch (Throwable t) {
                fail("round " + round + ": " + t, t);
            }
        }
    }
}
