package tagllm;

import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The classes docs/training.md's "Java API" section tells a Java user to call: every public constructor, method and
 * nested type of them has a doc comment (doclint's "no comment"), so an IDE shows what each argument means ({@code
 * strict}, {@code resume}, {@code force}) and what is thrown, rather than a bare signature. Of tagllm.model.Model, also
 * named there, the overloads of load, where a user starts: each has its comment and every @param, @return and @throws
 * (doclint's whole "missing" group), so what a bad folder, Hub id or JVM flag throws is written down.
 */
class ApiJavadocTest {
    static final List<String> API = List.of("tagllm/task/TagPredictor.java", "tagllm/train/ExperimentRunner.java", "tagllm/task/DatasetRows.java", "tagllm/train/Progress.java",
            "tagllm/embedded/EmbeddedSamples.java");
    static final String MODEL = "tagllm/model/Model.java";
    static final String LOAD = "public static Model load(";

    @Test
    void everyPublicMemberOfTheJavaApiIsDocumented() throws Exception {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        assertNotNull(tool, "a JDK (not a JRE) runs the tests");
        Path out = Files.createTempDirectory("tagllm-apidoc");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = new ArrayList<>(List.of("-quiet", "-Xdoclint:missing", "-Xmaxwarns", "10000", "-d", out.toString(),
                "-sourcepath", "src/main/java", "-classpath", System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector", "-encoding", "UTF-8"));
        for (String f : API) options.add("src/main/java/" + f);
        options.add("src/main/java/" + MODEL);
        try {
            tool.getTask(new StringWriter(), null, diagnostics, null, options, null).call();
        } finally {
            tagllm.util.FileTrees.delete(out);
        }
        List<String> modelLines = Files.readAllLines(Path.of("src/main/java", MODEL));
        assertEquals(5, modelLines.stream().filter(l -> l.strip().startsWith(LOAD)).count(), "Model's public load overloads");
        List<String> undocumented = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.WARNING && d.getSource() != null)
                .filter(d -> {
                    Path file = Path.of(d.getSource().toUri());
                    if (!file.endsWith(MODEL)) return d.getMessage(null).equals("no comment");
                    return d.getLineNumber() > 0 && modelLines.get((int) d.getLineNumber() - 1).strip().startsWith(LOAD);
                })
                .map(d -> Path.of(d.getSource().toUri()).getFileName() + ":" + d.getLineNumber() + " " + d.getMessage(null)).toList();
        assertEquals(List.of(), undocumented, "public members without a doc comment (Model.load: or a tag)");
    }
}
