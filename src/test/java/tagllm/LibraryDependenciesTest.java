package tagllm;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Java service that depends on the tagllm artifact inherits. A library must not bring an SLF4J provider: SLF4J
 * takes the first provider on the class path, and a service's own (Logback, log4j2, slf4j-simple) then loses to
 * ours, so its log lines vanish behind "Class path contains multiple SLF4J providers". The CLI and the server still
 * get slf4j-nop (an optional dependency is on this project's class path, in target/lib and the jar's manifest).
 */
class LibraryDependenciesTest {
    private static final String PROVIDER_SERVICE = "META-INF/services/org.slf4j.spi.SLF4JServiceProvider";

    @Test
    void noSlf4jProviderReachesAConsumer() throws Exception {
        Set<String> keptFromConsumers = optionalOrTestArtifacts(Path.of("pom.xml"));
        List<String> providers = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(jar)) continue;
            try (ZipFile z = new ZipFile(jar.toFile())) {
                if (z.getEntry(PROVIDER_SERVICE) != null) providers.add(artifactId(jar));
            }
        }
        assertFalse(providers.isEmpty(), "the build's class path should hold slf4j-nop (the CLI's provider): " + providers);
        for (String p : providers) {
            assertTrue(keptFromConsumers.contains(p), p + " is an SLF4J provider that pom.xml passes on to every project depending on "
                    + "tagllm; declare it <optional>true</optional>");
        }
    }

    /**
     * A service embedding tagllm (TagPredictor, training) got Jetty 12.1, Prometheus' client and Chart.js on its class
     * path, which only {@code tagllm serve} and compare's report page use: a service with its own Jetty or Prometheus
     * client could have its versions mediated to ours. No class outside tagllm.serve and tagllm.cli refers to them
     * (nor to tagllm.serve), so the pom passes none of them on.
     */
    @Test
    void theServersLibrariesReachNoConsumer() throws Exception {
        Path classes = Path.of("target/classes");
        List<String> reaching = new ArrayList<>();
        try (var files = Files.walk(classes.resolve("tagllm"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String rel = classes.relativize(f).toString().replace(File.separatorChar, '/');
                if (rel.startsWith("tagllm/serve/") || rel.startsWith("tagllm/cli/")) continue;
                // a class's constant pool holds the internal names of the classes it refers to, as plain UTF-8
                String pool = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                for (String name : List.of("org/eclipse/jetty/", "io/prometheus/", "tagllm/serve/")) {
                    if (pool.contains(name)) reaching.add(rel + " -> " + name);
                }
            }
        }
        assertTrue(reaching.isEmpty(), "classes a library user loads refer to the server's libraries: " + reaching);
        Set<String> keptFromConsumers = optionalOrTestArtifacts(Path.of("pom.xml"));
        for (String a : List.of("jetty-server", "prometheus-metrics-core", "prometheus-metrics-exposition-textformats", "chart.js")) {
            assertTrue(keptFromConsumers.contains(a), a + " is used only by tagllm serve or compare's report, yet pom.xml passes it on to "
                    + "every project depending on tagllm; declare it <optional>true</optional>");
        }
    }

    /** The artifactIds pom.xml declares optional or test-scoped: what a consumer does not inherit. */
    private static Set<String> optionalOrTestArtifacts(Path pom) throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        Element deps = (Element) doc.getDocumentElement().getElementsByTagName("dependencies").item(0);
        Set<String> out = new HashSet<>();
        NodeList list = deps.getElementsByTagName("dependency");
        for (int i = 0; i < list.getLength(); i++) {
            Element d = (Element) list.item(i);
            if (d.getParentNode() != deps) continue;
            if (text(d, "optional").equals("true") || text(d, "scope").equals("test") || text(d, "scope").equals("provided")) {
                out.add(text(d, "artifactId"));
            }
        }
        return out;
    }

    private static String text(Element e, String child) {
        NodeList n = e.getElementsByTagName(child);
        return n.getLength() == 0 ? "" : n.item(0).getTextContent().trim();
    }

    /** A local-repository jar's artifactId: .../ARTIFACT/VERSION/ARTIFACT-VERSION.jar. */
    private static String artifactId(Path jar) {
        return jar.getParent().getParent().getFileName().toString();
    }
}
