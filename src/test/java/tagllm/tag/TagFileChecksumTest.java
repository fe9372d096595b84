package tagllm.tag;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.head.RegressionHead;
import tagllm.model.ModelFormatException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tag file damaged after it was written (a flipped bit in a copy, a bad disk) is refused naming the file and the
 * tensor: a flipped byte in the tensor data read as other, finite values, and predictions were silently wrong.
 */
class TagFileChecksumTest {
    private static TagSet sample() {
        TagSet s = new TagSet("tiny", "fp");
        s.put(new Tag("<SMILES>", TagKind.DOMAIN, 2, 3, new float[]{1, 2, 3, 4, 5, 6}));
        s.put(new Tag("<QED>", TagKind.FUNCTION, 1, 3, new float[]{-1, 0.5f, 7}));
        s.putHead(new RegressionHead("<QED>", 1, 3, new float[]{0.25f, -2, 3}, new float[]{0.5f}, new double[]{0.7}, new double[]{0.2}));
        return s;
    }

    /** The byte offset in the file where a tensor's data begins, read from the header as any safetensors reader does. */
    private static int dataStart(byte[] all, String tensor) throws Exception {
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        var header = new com.fasterxml.jackson.databind.ObjectMapper().readTree(java.util.Arrays.copyOfRange(all, 8, 8 + (int) n));
        return 8 + (int) n + header.get(tensor).get("data_offsets").get(0).intValue();
    }

    @Test
    void aFlippedBitInATensorIsRefusedNamingTheFileAndTensor(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.tags.safetensors");
        TagFile.write(sample(), f);
        byte[] all = Files.readAllBytes(f);
        for (String tensor : new String[]{"tag.SMILES", "tag.QED", "head.QED.weight", "head.QED.bias"}) {
            byte[] damaged = all.clone();
            damaged[dataStart(all, tensor)] ^= 0x01; // the lowest mantissa bit of the first value: still a finite number
            Path g = dir.resolve("damaged-" + tensor + ".tags.safetensors");
            Files.write(g, damaged);
            var e = assertThrows(ModelFormatException.class, () -> TagFile.read(g), tensor);
            assertTrue(e.getMessage().startsWith(g + ": tensor '" + tensor + "' does not match the checksum recorded when it was written"),
                    e.getMessage());
        }
        // the undamaged file reads, with its values
        TagSet r = TagFile.read(f);
        assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6}, r.get("<SMILES>").values());
        assertArrayEquals(new float[]{0.5f}, r.head("<QED>").bias());
    }

    /** The checksum is CRC-32C of the tensor's little-endian F32 bytes, computed here independently of TagFile. */
    @Test
    void theRecordedChecksumIsCrc32cOfTheTensorsBytes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.tags.safetensors");
        TagFile.write(sample(), f);
        byte[] all = Files.readAllBytes(f);
        try (var st = tagllm.model.SafeTensors.open(f)) {
            var meta = new com.fasterxml.jackson.databind.ObjectMapper().readTree(st.metadata().get("tagllm"));
            var crc = new java.util.zip.CRC32C();
            int at = dataStart(all, "tag.SMILES");
            crc.update(all, at, 6 * 4);
            assertEquals(String.format("%08x", crc.getValue()), meta.path("crc32c").path("tag.SMILES").asText());
        }
    }
}
