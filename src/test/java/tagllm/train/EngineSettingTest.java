package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** engine: / master: in an experiment file, and what the core says when the Spark module is not on the class path. */
class EngineSettingTest {
    private static final String BODY = """
            model: models/tiny
            tasks:
              qed: {preset: QED, data: data/s.csv}
            stages:
              - {name: s2, stage: 2, tasks: [qed], max_steps: 1}
            """;

    private static Experiment load(Path dir, String head) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, head + BODY);
        return Experiment.load(f);
    }

    @Test
    void localByDefaultSparkWithAMaster(@TempDir Path dir) throws Exception {
        assertTrue(load(dir, "").engine().isLocal());
        Experiment.Engine e = load(dir, "engine: spark\nmaster: local-cluster[2,1,1024]\n").engine();
        assertEquals(new Experiment.Engine("spark", "local-cluster[2,1,1024]"), e);
        assertEquals("local[*]", load(dir, "engine: spark\n").engine().master(), "embedded unless told otherwise");
        Experiment moved = load(dir, "engine: spark\n").toBuilder().model("other").output(dir.resolve("o")).seed(3).build();
        assertFalse(moved.engine().isLocal(), "the CLI's overrides keep the engine");
    }

    @Test
    void wrongSettingsNameTheField(@TempDir Path dir) {
        var e = assertThrows(ConfigException.class, () -> load(dir, "engine: ray\n"));
        assertTrue(e.getMessage().contains("engine") && e.getMessage().contains("local or spark"), e.getMessage());
        var m = assertThrows(ConfigException.class, () -> load(dir, "master: local[2]\n"));
        assertTrue(m.getMessage().contains("master") && m.getMessage().contains("engine: spark"), m.getMessage());
        // named by its field before a Spark session starts (Spark's own refusal came after one, with a stack trace)
        var url = assertThrows(ConfigException.class, () -> load(dir, "engine: spark\nmaster: bogus[2]\n"));
        assertTrue(url.getMessage().contains("exp.yaml:2: master: expected a Spark master URL") && url.getMessage().contains("'bogus[2]'"), url.getMessage());
        for (String ok : new String[]{"local", "local[4]", "local[*]", "local[2, 3]", "local-cluster[2, 1, 1024]", "spark://h:7077", "yarn"}) {
            assertEquals(ok, assertDoesNotThrow(() -> load(dir, "engine: spark\nmaster: '" + ok + "'\n")).engine().master());
        }
    }

    @Test
    void withoutTheSparkModuleTheErrorSaysHowToGetIt() {
        var e = assertThrows(IllegalArgumentException.class, () -> GradientEngine.provider("spark"));
        assertTrue(e.getMessage().contains("tagllm-spark"), e.getMessage());
        StringWriter err = new StringWriter();
        var cl = tagllm.cli.Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(1, cl.execute("spark", "score", "--master", "local[2]"));
        assertTrue(err.toString().contains("tagllm-spark module"), err.toString());
    }
}
