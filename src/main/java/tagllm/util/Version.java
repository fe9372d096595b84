package tagllm.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** tagllm's version, as pom.xml gives it (Maven writes it into the class path resource tagllm/version.properties). */
public final class Version {
    private static final String CURRENT = load();

    private Version() {}

    public static String current() { return CURRENT; }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/tagllm/version.properties")) {
            if (in == null) throw new IllegalStateException("tagllm/version.properties is missing from the class path: build with Maven");
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            if (v == null || v.isBlank() || v.startsWith("${")) {
                throw new IllegalStateException("tagllm/version.properties holds no version (got '" + v + "'): build with Maven");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
