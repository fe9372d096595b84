package tagllm.util;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests as lower-case hex: what identifies a file's content (downloads, embedded samples, a run's data). */
public final class Sha256 {
    private Sha256() {}

    public static byte[] digest(byte[] bytes) { return newDigest().digest(bytes); }

    public static String hex(byte[] bytes) { return HexFormat.of().formatHex(digest(bytes)); }

    /** The file's content, read in 64 KB pieces (a data file may not fit in memory twice). */
    public static String hex(Path file) throws IOException {
        MessageDigest md = newDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }
}
