package tagllm.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.SafeTensors;
import tagllm.testutil.Shared;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * docs/training.md, "Reproducibility": F32 training gives the same tags to the bit whatever the number of compute
 * threads and with or without the native kernels. The pool's size is fixed when a JVM first uses it, so each setting
 * trains in a JVM of its own (the CLI's train, as a user runs it) and the tag files' tensors are compared bit for bit.
 * (With -XX:UseAVX=2 added to the second JVM it fails: other vector widths are not promised the same bits.)
 */
class TrainThreadCountBitsTest {

    @Test
    @Tag("slow") // two JVMs that each start, compile and train: about 40 s on the 2-core machine; CI runs it (-Pslow)
    void oneThreadAndThreeThreadsWithoutNativeKernelsTrainTheSameTags(@TempDir Path dir) throws Exception {
        Path model = Shared.model("stories260K");
        Path zinc = Shared.data("smiles/zinc20k.csv");
        // batch 8: the packed batches have a few hundred rows, so three threads also split them into lanes
        Files.writeString(dir.resolve("exp.yaml"), """
                model: %s
                seed: 3
                tag_length: 2
                defaults: {lr: 0.003, batch_size: 8, grad_accum: 1}
                tasks:
                  smiles: {preset: SMILES, max_length: 200, data: {path: %s, max_train: 16, max_eval: 4}}
                  qed: {preset: QED, max_length: 200, head: {bias: true, standardize: true}, data: {path: %s, max_train: 16, max_eval: 4}}
                stages:
                  - {name: s1, stage: 1, tasks: [smiles], max_steps: 2}
                  - {name: s2, stage: 2, tasks: [qed], max_steps: 2}
                """.formatted(slashes(model), slashes(zinc), slashes(zinc)));
        Path one = train(dir, "one", "-Dtagllm.threads=1");
        Path three = train(dir, "three", "-Dtagllm.threads=3", "-Dtagllm.native=false");
        try (SafeTensors a = SafeTensors.open(one); SafeTensors b = SafeTensors.open(three)) {
            assertEquals(a.entries().keySet(), b.entries().keySet());
            assertTrue(a.entries().keySet().containsAll(List.of("tag.SMILES", "tag.QED", "head.QED.weight")), a.entries().keySet()::toString);
            for (String name : a.entries().keySet()) {
                float[] x = a.readF32(name), y = b.readF32(name);
                assertEquals(x.length, y.length, name);
                for (int i = 0; i < x.length; i++) {
                    int at = i;
                    assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]),
                            () -> name + "[" + at + "]: " + x[at] + " with 1 thread, " + y[at] + " with 3 threads and no native kernels");
                }
            }
        }
    }

    private static String slashes(Path p) {
        return p.toString().replace("\\", "/");
    }

    /** Trains the experiment into DIR/NAME in a JVM of its own with these options; returns the final tag file. */
    private static Path train(Path dir, String name, String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", dir.resolve("exp.yaml").toString(), "-o", dir.resolve(name).toString(), "--quiet"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(3, TimeUnit.MINUTES), "train ended");
            assertEquals(0, p.exitValue(), output);
            Path tags = dir.resolve(name).resolve("final.tags.safetensors");
            assertTrue(Files.exists(tags), output);
            return tags;
        } finally {
            p.destroyForcibly();
        }
    }
}
