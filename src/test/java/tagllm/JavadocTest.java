package tagllm;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The javadoc of the public and protected API builds as {@code mvn javadoc:javadoc} (and {@code javadoc:jar}, which
 * publishing needs) builds it: doclint's errors fail it, and in an IDE a tag name written as HTML ("{@literal <SMILES>}")
 * shows as nothing at all.
 */
class JavadocTest {
    @Test
    @Tag("slow") // about 20 s of CPU: the whole source tree is parsed and attributed
    void theApiJavadocHasNoErrors() throws Exception {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        assertNotNull(tool, "a JDK (not a JRE) runs the tests");
        Path out = Files.createTempDirectory("tagllm-javadoc");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        List<String> options = List.of("-quiet", "-d", out.toString(), "-sourcepath", "src/main/java", "-subpackages", "tagllm",
                "-classpath", System.getProperty("java.class.path"), "--add-modules", "jdk.incubator.vector", "-encoding", "UTF-8");
        try {
            tool.getTask(log, null, diagnostics, null, options, null).call();
        } finally {
            tagllm.util.FileTrees.delete(out);
        }
        List<String> errors = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> (d.getSource() == null ? "" : Path.of(d.getSource().toUri()).getFileName() + ":" + d.getLineNumber() + ": ")
                        + d.getMessage(null)).toList();
        assertEquals(List.of(), errors, "javadoc errors\n" + log);
    }
}
