package tagllm.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text of a configuration file (an experiment YAML), which must be UTF-8, with or without a byte order mark. A file
 * saved as UTF-16 or UTF-32 (Windows editors' "Unicode") or in a one-byte code page (Latin-1, Windows-1252) is refused
 * with the file, the line, what was found and what to do, as CSV input is ("re-save the file as UTF-8"), not with the
 * decoder's "Input length = 1".
 */
public final class ConfigText {
    private ConfigText() {}

    public static String readUtf8(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        String wide = wideEncoding(b);
        if (wide != null) throw new ConfigException(file + ": " + wide + ", not UTF-8; re-save the file as UTF-8");
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(b.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isUnderflow()) r = decoder.flush(out);
        if (r.isError()) {
            int at = in.position(), line = 1;
            for (int i = 0; i < at; i++) if (b[i] == '\n') line++;
            StringBuilder bytes = new StringBuilder();
            for (int i = at; i < Math.min(b.length, at + r.length()); i++) bytes.append(bytes.isEmpty() ? "" : " ").append(String.format("0x%02X", b[i] & 0xFF));
            throw new ConfigException(file + ":" + line + ": not valid UTF-8 text: " + (r.length() == 1 ? "byte " : "bytes ") + bytes
                    + " is no UTF-8 character (a file saved as Latin-1 or Windows-1252?); re-save the file as UTF-8");
        }
        return out.flip().toString();
    }

    /** "UTF-16 text (little-endian, byte order mark FF FE)" and the like, or null for a file that is not of 2 or 4 bytes a character. */
    private static String wideEncoding(byte[] b) {
        String marked = wideByteOrderMark(b);
        if (marked != null) return marked;
        // UTF-8 text has no zero byte (nor does YAML allow one); UTF-16 without a mark has one beside every ASCII character
        for (byte x : b) if (x == 0) return "zero bytes between the characters (UTF-16 or UTF-32 text without a byte order mark)";
        return null;
    }

    /**
     * "UTF-16 text (little-endian, byte order mark FF FE)" and the like when {@code head} (a file's first bytes, 4 or
     * all it has) starts with a UTF-16 or UTF-32 byte order mark, else null. Also used for data files (tagllm.data).
     */
    public static String wideByteOrderMark(byte[] head) {
        if (starts(head, 0x00, 0x00, 0xFE, 0xFF)) return "UTF-32 text (big-endian, byte order mark 00 00 FE FF)";
        if (starts(head, 0xFF, 0xFE, 0x00, 0x00)) return "UTF-32 text (little-endian, byte order mark FF FE 00 00)";
        if (starts(head, 0xFE, 0xFF)) return "UTF-16 text (big-endian, byte order mark FE FF)";
        if (starts(head, 0xFF, 0xFE)) return "UTF-16 text (little-endian, byte order mark FF FE)";
        return null;
    }

    private static boolean starts(byte[] b, int... prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if ((b[i] & 0xFF) != prefix[i]) return false;
        return true;
    }
}
