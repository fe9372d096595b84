package tagllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.testutil.CliRun;
import tagllm.testutil.Shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The data errors train finds before its first stage (a later stage's split column missing from its file, a
 * classification task's training rows of one class) exit 1, the code of a failure on what a command read (README,
 * docs/reliability.md), with one error line naming the file, the line or stage and the column or class; and they leave
 * the run folder as it was: no tag file, and with --force the earlier run's files were removed before the refusal.
 */
class TrainRefusedBeforeStageOneTest {
    private static final String YAML = """
            model: %s
            output: out
            tag_length: 2
            tasks:
              first: {preset: Solubility, data: {path: d.csv}}
              later:
                preset: Solubility
                data: {path: %s, split: {column: %s}}
            stages:
              - {name: a, stage: 2, tasks: [first], batch_size: 2, grad_accum: 1, max_steps: 1}
              - {name: b, stage: 2, tasks: [later], batch_size: 2, grad_accum: 1, max_steps: 1}
            """;

    private static List<String> files(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void refusalsBeforeStageOneExit1AndLeaveTheRunFolderAsItWas(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        StringBuilder two = new StringBuilder("sequence,solubility,split\n"), one = new StringBuilder("sequence,solubility,split\n");
        for (int i = 0; i < 6; i++) {
            two.append("MKVLA").append("ACDEFG".charAt(i)).append(',').append(i % 2).append(",train\n");
            one.append("MKVLA").append("ACDEFG".charAt(i)).append(",1,train\n");
        }
        Files.writeString(dir.resolve("d.csv"), two + "MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Files.writeString(dir.resolve("sorted.csv"), one + "MKVLAW,0,valid\nMKVLAY,1,valid\n");
        Path good = Files.writeString(dir.resolve("good.yaml"), YAML.formatted(model, "d.csv", "split"));
        Path noColumn = Files.writeString(dir.resolve("fold.yaml"), YAML.formatted(model, "d.csv", "fold"));
        Path oneClass = Files.writeString(dir.resolve("oneclass.yaml"), YAML.formatted(model, "sorted.csv", "split"));
        Path out = dir.resolve("out");

        CliRun missing = CliRun.of("train", noColumn.toString(), "-q");
        assertEquals(1, missing.exit(), missing.err());
        assertTrue(missing.err().contains("error: " + noColumn + ":8: tasks.later.data.split.column: " + dir.resolve("d.csv")
                + " has no column 'fold' (its columns: sequence, solubility, split)\n"), missing.err());
        assertEquals(List.of(), files(out), "a refused run writes nothing into its folder");

        CliRun sorted = CliRun.of("train", oneClass.toString(), "-q");
        assertEquals(1, sorted.exit(), sorted.err());
        assertTrue(sorted.err().contains("error: stage b: task later: all 6 training rows used are of class '1' (classes [0, 1]) in "
                + dir.resolve("sorted.csv")), sorted.err());
        assertEquals(List.of(), files(out));

        CliRun trained = CliRun.of("train", good.toString(), "-q");
        assertEquals(0, trained.exit(), trained.err());
        List<String> run = files(out);
        assertTrue(run.contains("final.tags.safetensors"), run.toString());
        byte[] finalTags = Files.readAllBytes(out.resolve("final.tags.safetensors"));
        String manifest = Files.readString(out.resolve("run.json"));

        // --force starts over, but a run refused before stage 1 must not have removed the earlier run first
        for (Path refused : List.of(oneClass, noColumn)) {
            CliRun forced = CliRun.of("train", refused.toString(), "-q", "--force");
            assertEquals(1, forced.exit(), forced.err());
            assertEquals(run, files(out), forced.err());
            assertArrayEquals(finalTags, Files.readAllBytes(out.resolve("final.tags.safetensors")));
            assertEquals(manifest, Files.readString(out.resolve("run.json")));
        }
    }
}
