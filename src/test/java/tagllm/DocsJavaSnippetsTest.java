package tagllm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java examples of the docs compile against the API as written: each is read from the markdown (so it cannot
 * drift from a copy), wrapped in a method whose parameters are the variables the text leaves to the reader, and
 * compiled with javac against the test classpath. A renamed method or changed signature fails here naming the line.
 */
class DocsJavaSnippetsTest {
    /** Imports the snippets take for granted (their own import lines are kept too). */
    private static final String IMPORTS = """
            import java.net.URI;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.List;
            import java.util.Map;
            import tagllm.embedded.EmbeddedSamples;
            import tagllm.tag.Sequence;
            import tagllm.task.TagPredictor;
            import tagllm.task.TaskSpec;
            """;

    @Test
    void trainingMdJavaApiSnippetCompiles(@TempDir Path dir) throws Exception {
        compiles(dir, "docs/training.md", "## Java API", "Sequence prompt, List<Sequence> prompts");
    }

    @Test
    void serveMdFromJavaSnippetCompiles(@TempDir Path dir) throws Exception {
        compiles(dir, "docs/serve.md", "## From Java", "");
    }

    /** The first ```java block after {@code heading} in {@code doc}. */
    static String snippet(String doc, String heading) throws Exception {
        String md = Files.readString(Path.of(doc));
        int h = md.indexOf("\n" + heading + "\n");
        assertTrue(h >= 0, doc + ": no heading '" + heading + "'");
        int start = md.indexOf("```java\n", h);
        int next = md.indexOf("\n## ", h + 1);
        assertTrue(start >= 0 && (next < 0 || start < next), doc + ": no ```java block under '" + heading + "'");
        start += "```java\n".length();
        int end = md.indexOf("\n```", start);
        return md.substring(start, end + 1);
    }

    private static void compiles(Path dir, String doc, String heading, String parameters) throws Exception {
        String code = snippet(doc, heading);
        StringBuilder imports = new StringBuilder(IMPORTS), body = new StringBuilder();
        for (String line : code.split("\n", -1)) {
            boolean isImport = line.startsWith("import ");
            if (isImport) imports.append(line).append('\n');
            body.append(isImport ? "" : line).append('\n'); // a blank line in its place keeps the line numbers
        }
        String source = "package snippet;\n" + imports + "class Snippet {\n    static void run(" + parameters + ") throws Exception {\n"
                + body + "    }\n}\n";
        Path file = dir.resolve("snippet/Snippet.java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        var javac = ToolProvider.getSystemJavaCompiler();
        var diagnostics = new DiagnosticCollector<JavaFileObject>();
        try (var files = javac.getStandardFileManager(diagnostics, null, null)) {
            List<String> options = new ArrayList<>(List.of("-classpath", System.getProperty("java.class.path"),
                    "-d", dir.resolve("out").toString(), "-proc:none"));
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(file)).call();
            StringBuilder why = new StringBuilder();
            // the snippet's own line: the wrapper adds the imports and two lines above it
            int offset = imports.toString().split("\n").length + 3;
            for (var d : diagnostics.getDiagnostics()) {
                why.append(doc).append(" snippet line ").append(d.getLineNumber() - offset).append(": ")
                        .append(d.getMessage(null)).append('\n');
            }
            assertTrue(ok, why + "\n" + source);
        }
    }
}
