package example;

import tagllm.embedded.EmbeddedSamples;
import tagllm.model.Model;
import tagllm.model.Transformer;
import tagllm.task.DatasetRows;
import tagllm.task.TagPredictor;
import tagllm.train.Experiment;
import tagllm.train.ExperimentRunner;
import tagllm.train.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Trains a ⟨SMILES⟩ domain tag and a ⟨QED⟩ function tag with its regression head on stories260K (both embedded in
 * tagllm), writes the tag file, then predicts the QED of a few molecules through it.
 */
public final class TrainAndPredict {
    public static void main(String[] args) throws Exception {
        Path model = EmbeddedSamples.model();
        Path zinc = EmbeddedSamples.data().resolve("smiles/zinc20k.csv");
        Path run = Files.createTempDirectory("tagllm-example");

        // an experiment file, as `tagllm train` reads it (paths resolve against the file's folder; absolute here)
        Path yaml = run.resolve("qed.yaml");
        Files.writeString(yaml, """
                model: %s
                output: out
                seed: 7
                tag_length: 2
                tasks:
                  smiles: {preset: SMILES, max_length: 96, data: {path: %s, max_train: 64, max_eval: 16}}
                  qed: {preset: QED, head: {bias: true, standardize: true}, data: {path: %s, max_train: 64, max_eval: 16}}
                stages:
                  - {name: domain, stage: 1, tasks: [smiles], max_steps: 4, lr: 0.01, batch_size: 4}
                  - {name: qed, stage: 2, tasks: [qed], max_steps: 8, lr: 0.01, batch_size: 4}
                """.formatted(model, zinc, zinc));

        Experiment exp = Experiment.load(yaml);
        Model m = Model.load(model);
        ExperimentRunner runner = new ExperimentRunner(new Transformer(m.weights()), m.tokenizer(), m.name(), m.fingerprint(),
                new DatasetRows(false)::load, Progress.silent(), false);
        Path tags = runner.run(exp, false, false).finalFile();
        System.out.println("trained: " + tags);

        TagPredictor p = TagPredictor.open(m, List.of(tags));
        for (String smiles : List.of("CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1")) {
            double qed = p.predict("qed", Map.of("smiles", smiles));
            if (!Double.isFinite(qed)) throw new IllegalStateException("QED of " + smiles + " is not a number: " + qed);
            System.out.printf("predicted QED %-22s %.4f%n", smiles, qed);
        }
    }
}
