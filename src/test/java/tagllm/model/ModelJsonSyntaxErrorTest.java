package tagllm.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A config.json or safetensors header cut short: the error says where, without Jackson's source excerpt or settings. */
class ModelJsonSyntaxErrorTest {
    @TempDir
    Path dir;

    @Test
    void truncatedConfigJson() throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"hidden_size\": 8");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.load(f));
        assertEquals(f + ": not valid JSON: Unexpected end-of-input: expected close marker for Object (line 1, column 18)", e.getMessage());
    }

    @Test
    void truncatedSafetensorsHeader() throws Exception {
        byte[] h = "{\"w\": {\"dtype\": \"F32\"".getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("m.safetensors");
        Files.write(f, ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        Exception e = assertThrows(Exception.class, () -> { try (var s = SafeTensors.open(f)) { } });
        assertEquals(f + ": header is not valid JSON: Unexpected end-of-input: expected close marker for Object (line 1, column 22)", e.getMessage());
    }
}
