package tagllm.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.tag.TagInit;
import tagllm.tag.TagSet;
import tagllm.tag.TokenizerEncoder;
import tagllm.task.DatasetRows;
import tagllm.task.Example;
import tagllm.testutil.Shared;
import tagllm.compare.DemoPreset;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class EmbeddedSamplesTest {
    private static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");
    private static final List<String> DATA_FILES = DemoPreset.DATA_FILES;

    @Test
    void extractsOnceIntoAFolderNamedAfterItsContent(@TempDir Path cache) throws Exception {
        Path a = EmbeddedSamples.extract(cache);
        for (String f : MODEL_FILES) assertTrue(Files.isRegularFile(a.resolve("models/stories260K").resolve(f)), f);
        for (String f : DATA_FILES) assertTrue(Files.isRegularFile(a.resolve("data").resolve(f)), f);
        assertFalse(Files.exists(a.resolve("data/binding_affinity/davis_sample.pairs.csv")), "the stored tables are joined, not copied");
        long modified = Files.getLastModifiedTime(a.resolve("models/stories260K/model.safetensors")).toMillis();
        Thread.sleep(20);
        assertEquals(a, EmbeddedSamples.extract(cache), "a second call finds the complete folder");
        assertEquals(modified, Files.getLastModifiedTime(a.resolve("models/stories260K/model.safetensors")).toMillis(), "and does not write it again");
        try (var s = Files.list(cache)) {
            assertEquals(List.of(a), s.toList(), "no temporary folder is left behind");
        }
        Model m = Model.load(a.resolve("models/stories260K"));
        assertEquals(64, m.config().hiddenSize());
        assertEquals(5, m.config().numLayers());
    }

    /**
     * A long-lived service whose cache folder was removed after the first call (a cleaner of old temporary files, a
     * user clearing ~/.cache) gets it extracted again: root() kept returning the removed folder, so every later
     * Model.load failed with "no such model folder" until the JVM restarted.
     */
    @Test
    void aCacheFolderRemovedAfterTheFirstCallIsExtractedAgain() throws Exception {
        // the build points tagllm.cache into target/: never remove a user's own cache
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("tagllm.cache") != null, "tagllm.cache is not set");
        Path first = EmbeddedSamples.root();
        tagllm.util.FileTrees.delete(first);
        assertFalse(Files.exists(first));
        Path again = EmbeddedSamples.root();
        assertEquals(first, again, "the same content-named folder");
        for (String f : MODEL_FILES) assertTrue(Files.isRegularFile(EmbeddedSamples.model().resolve(f)), f);
        for (String f : DATA_FILES) assertTrue(Files.isRegularFile(EmbeddedSamples.data().resolve(f)), f);
        assertEquals(64, Model.load(EmbeddedSamples.model()).config().hiddenSize());
    }

    /**
     * A cache folder that cannot be created (here a file is in its way; a read-only file system or /proc likewise)
     * is said in words, with the way out: the message was the bare path ("could not extract ...: /proc/tagllm-cache").
     */
    @Test
    void aCacheFolderThatCannotBeCreatedIsNamedWithWhyAndTheVariableToSet(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        var e = assertThrows(java.io.IOException.class, () -> EmbeddedSamples.extract(file.resolve("cache")));
        assertTrue(e.getMessage().contains(file.resolve("cache").toString()), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot create the cache folder " + file.resolve("cache") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("TAGLLM_CACHE"), e.getMessage());
    }

    /** The embedded files are the shared ones: the model byte for byte, the data as unchanged lines in the same order. */
    @Test
    void samplesAreTheSharedFilesRows(@TempDir Path cache) throws Exception {
        Path shared = Shared.root();
        Path a = EmbeddedSamples.extract(cache);
        for (String f : MODEL_FILES) {
            assertArrayEquals(Files.readAllBytes(shared.resolve("models/stories260K").resolve(f)), Files.readAllBytes(a.resolve("models/stories260K").resolve(f)), f);
        }
        assertArrayEquals(Files.readAllBytes(shared.resolve("data/binding_affinity/davis_sample.csv")),
                Files.readAllBytes(a.resolve("data/binding_affinity/davis_sample.csv")), "davis_sample.csv joined back byte for byte");
        assertArrayEquals(Files.readAllBytes(shared.resolve("data/drug_combination/oneil_css.csv")),
                Files.readAllBytes(a.resolve("data/drug_combination/oneil_css.csv")), "oneil_css.csv is carried whole");
        for (String f : List.of("smiles/zinc20k.csv", "protein/deepsol.csv")) {
            List<String> sample = Files.readAllLines(a.resolve("data").resolve(f)), full = Files.readAllLines(shared.resolve("data").resolve(f));
            assertEquals(full.getFirst(), sample.getFirst(), f + " header");
            Iterator<String> it = full.iterator();
            for (String line : sample) {
                boolean found = false;
                while (!found && it.hasNext()) found = it.next().equals(line);
                assertTrue(found, f + ": not a line of the shared file, in order: " + line);
            }
        }
    }

    /** The standard demo reads exactly the same examples from the samples as from the full shared files. */
    @Test
    void theDemoReadsTheSameExamplesAsFromTheFullData(@TempDir Path cache, @TempDir Path out) throws Exception {
        Path shared = Shared.root();
        Path a = EmbeddedSamples.extract(cache);
        Model m = Model.load(a.resolve("models/stories260K"));
        Experiment full = experiment(m, shared.resolve("data"), out.resolve("full")), sample = experiment(m, a.resolve("data"), out.resolve("sample"));
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        TokenizerEncoder enc = new TokenizerEncoder(m.tokenizer());
        TagSet tags = new TagSet(m.name(), m.fingerprint());
        for (var spec : full.tasks().values()) {
            for (String n : spec.parsedTemplate().tagNames()) {
                if (tags.get(n) == null) tags.put(TagInit.newTag(n, spec.kindOf(n), full.tagLength(), m.weights().embedTokens()));
            }
        }
        for (String task : full.tasks().keySet()) {
            for (String split : List.of("train", "valid", "test")) {
                int cap = split.equals("train") ? full.data().get(task).maxTrain() : full.data().get(task).maxEval();
                List<Example> f = runner.examples(full.tasks().get(task), full.data().get(task), split, cap, tags, enc);
                List<Example> s = runner.examples(sample.tasks().get(task), sample.data().get(task), split, cap, tags, enc);
                assertFalse(f.isEmpty(), task + " " + split);
                assertEquals(f.size(), s.size(), task + " " + split + " rows");
                for (int i = 0; i < f.size(); i++) {
                    assertEquals(f.get(i).sequence().toString(), s.get(i).sequence().toString(), task + " " + split + " row " + i);
                    assertEquals(f.get(i).label(), s.get(i).label(), task + " " + split + " label " + i);
                }
            }
        }
    }

    private static Experiment experiment(Model m, Path data, Path out) throws Exception {
        Files.createDirectories(out);
        Path yaml = out.resolve("demo.yaml");
        Files.writeString(yaml, DemoPreset.yaml(m.dir().toString(), data, null, DemoPreset.Sizes.standard(), 42));
        return Experiment.load(yaml);
    }
}
