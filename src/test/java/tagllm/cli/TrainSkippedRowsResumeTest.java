package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OUTPUT/skipped_rows.jsonl after {@code train --resume --force} on a data file that changed meanwhile: the rows of the
 * stage kept from the earlier run stay (with that run's time), the rows the continued stage skipped in the earlier data
 * go, and the rows it skips in the new data are listed with the time run.json's history gives the change. It used to
 * keep the earlier data's rows beside the new ones, naming lines that no longer held them.
 */
class TrainSkippedRowsResumeTest {
    private static final String EXPERIMENT = """
            tags: {F: function, G: function}
            tasks:
              a:
                type: regression
                template: "The sequence is {seq}. The score is <F>"
                label: y
                max_length: 40
                data: a.csv
              b:
                type: regression
                template: "The sequence is {seq}. The value is <G>"
                label: y
                max_length: 40
                data: b.csv
            stages:
              - {name: first, stage: 2, tasks: [a], batch_size: 4, grad_accum: 1, max_steps: 1}
              - {name: second, stage: 2, tasks: [b], batch_size: 4, grad_accum: 1, max_steps: 2}
            """;
    private static final String TOO_LONG = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHM";

    /** A CSV of eight short training rows with too-long training rows at the given lines (the header is line 1). */
    private static String csv(int... tooLongLines) {
        List<String> rows = new ArrayList<>();
        int shortRows = 0;
        for (int line = 2; shortRows < 8; line++) {
            final int l = line;
            if (java.util.Arrays.stream(tooLongLines).anyMatch(x -> x == l)) rows.add(TOO_LONG + ",1.0,train");
            else rows.add("MKTAYIAK" + "QRSTV".charAt(shortRows % 5) + "," + (shortRows++ % 4) * 0.5 + ",train");
        }
        return "seq,y,split\n" + String.join("\n", rows) + "\n";
    }

    @Test
    void aResumeWithChangedDataListsTheKeptStagesRowsAndTheNewData(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.csv"), csv(3));
        Files.writeString(dir.resolve("b.csv"), csv(2, 5));
        TinyExperiment.write(dir, EXPERIMENT);
        Path run = dir.resolve("run");
        String exp = dir.resolve("exp.yaml").toString();
        // stage first finishes (its one step), stage second stops after its first step
        CliRun stopped = CliRun.of("train", exp, "-o", run.toString(), "--quiet", "--stop-after", "1");
        assertEquals(0, stopped.exit(), stopped.err());
        assertTrue(Files.exists(run.resolve("first.tags.safetensors")) && !Files.exists(run.resolve("second.tags.safetensors")),
                stopped.err());
        String started = new ObjectMapper().readTree(run.resolve("run.json").toFile()).path("started").asText();
        assertEquals(Set.of("a.csv:3 first " + started, "b.csv:2 second " + started, "b.csv:5 second " + started),
                rows(run, dir), "the first run's listing");

        // b's too-long rows move: lines 2 and 5 are short rows now, line 7 is too long
        Files.writeString(dir.resolve("b.csv"), csv(7));
        CliRun resumed = CliRun.of("train", exp, "-o", run.toString(), "--quiet", "--resume", "--force");
        assertEquals(0, resumed.exit(), resumed.err());
        JsonNode history = new ObjectMapper().readTree(run.resolve("run.json").toFile()).path("history");
        assertEquals(1, history.size(), history.toString());
        assertTrue(history.get(0).path("changed").toString().contains("tasks.b.data"), history.toString());
        String changed = history.get(0).path("resumed").asText();
        assertNotEquals(started, changed);
        assertEquals(Set.of("a.csv:3 first " + started, "b.csv:7 second " + changed), rows(run, dir),
                "stage first's row kept, stage second's rows those of the new b.csv");
    }

    /** Each row of the listing as "file:line stage run", the file relative to dir. */
    private static Set<String> rows(Path run, Path dir) throws Exception {
        Set<String> out = new TreeSet<>();
        List<String> lines = Files.readAllLines(run.resolve("skipped_rows.jsonl"));
        for (String l : lines) {
            JsonNode o = new ObjectMapper().readTree(l);
            assertTrue(o.path("reason").asText().startsWith("too long"), l);
            out.add(dir.relativize(Path.of(o.path("file").asText())) + ":" + o.path("line").asInt() + " " + o.path("stage").asText("-")
                    + " " + o.path("run").asText("-"));
        }
        assertEquals(out.size(), lines.size(), "each row once: " + lines);
        return out;
    }
}
