package tagllm.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tagllm.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Out-of-range experiment keys are refused when the file is read, naming the file, the line and the field. */
class ExperimentKeyRangesTest {
    private static final String TASKS = """
            model: m
            tasks:
              s: {preset: SMILES, data: d.csv}
              q: {preset: QED, data: d.csv}
            stages:
            """;

    private static String refusal(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        return assertThrows(ConfigException.class, () -> Experiment.load(f)).getMessage();
    }

    private static void loads(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("exp.yaml");
        Files.writeString(f, yaml);
        Experiment.load(f);
    }


    /** A negative max_eval was refused as "max_train: must be >= 0", naming the field that was right. */
    @Test
    void negativeMaxEvalNamesMaxEval(@TempDir Path dir) throws Exception {
        String yaml = "model: m\ntasks:\n  q:\n    preset: QED\n    data: {path: d.csv, max_train: 5, max_eval: -1}\nstages:\n  - {stage: 2, tasks: [q]}\n";
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.max_eval: must be >= 0 (0 = all rows), got -1", refusal(dir, yaml));
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.max_train: must be >= 0 (0 = all rows), got -5",
                refusal(dir, yaml.replace("max_train: 5", "max_train: -5").replace("max_eval: -1", "max_eval: 0")));
    }

    /** Adam's betas and eps out of range were refused naming the stage and "AdamW betas", not the field given. */
    @Test
    void adamBetasAndEpsAreChecked(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].beta1: must be in [0, 1), got 1.0", refusal(dir, TASKS + "  - {stage: 2, tasks: [q], beta1: 1}"));
        assertEquals(f + ":6: stages[0].beta2: must be in [0, 1), got -0.1", refusal(dir, TASKS + "  - {stage: 2, tasks: [q], beta2: -0.1}"));
        assertEquals(f + ":6: stages[0].eps: must be a finite number > 0, got 0.0", refusal(dir, TASKS + "  - {stage: 2, tasks: [q], eps: 0}"));
        assertEquals(f + ":6: stages[0].eps: must be a finite number > 0, got -1.0E-8", refusal(dir, TASKS + "  - {stage: 2, tasks: [q], eps: -1e-8}"));
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], beta1: 0, beta2: 0.95, eps: 1e-6}");
    }

    /** epochs: -1 passed whenever max_steps was given (only "both below 1" was checked). */
    @Test
    void negativeEpochsAreRefusedBesideMaxSteps(@TempDir Path dir) throws Exception {
        assertEquals(dir.resolve("exp.yaml") + ":6: stages[0].epochs: must be in 0..100000 (0 with max_steps), got -1",
                refusal(dir, TASKS + "  - {stage: 2, tasks: [q], epochs: -1, max_steps: 10}"));
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], epochs: 0, max_steps: 10}");
    }

    /** An unknown optimizer or schedule named the stage ("stages[0]: optimizer 'x'..."), not the field. */
    @Test
    void unknownOptimizerOrScheduleNamesItsField(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].optimizer: optimizer 'adamx' is not known (adamw, adam, sgd)",
                refusal(dir, TASKS + "  - {stage: 2, tasks: [q], optimizer: adamx}"));
        assertEquals(f + ":3: defaults.schedule: schedule 'cosin' is not known (constant, linear, cosine)",
                refusal(dir, "model: m\ndefaults:\n  schedule: cosin\ntasks:\n  q: {preset: QED, data: d.csv}\nstages:\n  - {stage: 2, tasks: [q]}\n"));
    }

    /**
     * split: keys that the split kind given does not read were silently dropped: a seed beside a split column (the
     * column split was used), a column or split names beside random: or scaffold:.
     */
    @Test
    void splitKeysTheSplitDoesNotReadAreRefused(@TempDir Path dir) throws Exception {
        String head = "model: m\ntasks:\n  q:\n    preset: QED\n    data: {path: d.csv, split: ";
        String tail = "}\nstages:\n  - {stage: 2, tasks: [q]}\n";
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":5: tasks.q.data.split.seed: only a random or scaffold split takes a seed (split: {random: [0.8, 0.1, 0.1], seed: N});"
                + " a split column has none", refusal(dir, head + "{seed: 3}" + tail));
        assertEquals(f + ":5: tasks.q.data.split.column: a random split reads no split column; give random: or column:, not both",
                refusal(dir, head + "{random: [0.8, 0.1, 0.1], column: fold}" + tail));
        assertEquals(f + ":5: tasks.q.data.split.train: a scaffold split reads no split column, so it has no split names; give scaffold: or column:, not both",
                refusal(dir, head + "{scaffold: [0.8, 0.1, 0.1], train: tr}" + tail));
        loads(dir, head + "{column: fold, train: tr, valid: va, test: te}" + tail);
        loads(dir, head + "{random: [0.8, 0.1, 0.1], seed: 3}" + tail);
        loads(dir, head + "{scaffold: [0.8, 0.1, 0.1], seed: 0, smiles: smiles, order: balanced}" + tail);
    }

    /** lr: 0 was accepted, and the run trained nothing (every step left the tags where they started). */
    @Test
    void zeroLearningRateIsRefused(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].lr: must be a number in (0, 10] (0 would train nothing), got 0.0",
                refusal(dir, TASKS + "  - {stage: 2, tasks: [q], lr: 0}"));
        assertEquals(f + ":3: defaults.lr: must be a number in (0, 10] (0 would train nothing), got -1.0E-4",
                refusal(dir, "model: m\ndefaults:\n  lr: -1e-4\ntasks:\n  q: {preset: QED, data: d.csv}\nstages:\n  - {stage: 2, tasks: [q]}\n"));
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], lr: 1.0e-30}");
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], lr: 10}");
    }

    /** mse_scale: 0 on a stage of regression tasks (or ce_weight: 0 on one of domain text) was accepted: its loss was 0, it trained nothing. */
    @Test
    void aStageWhoseLossIsZeroIsRefused(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].mse_scale: is 0, so this stage's loss is 0 whatever its tags and it would train nothing (mse_scale 0.0;"
                + " from the stage or defaults:): give it a value > 0", refusal(dir, TASKS + "  - {stage: 2, tasks: [q], mse_scale: 0}"));
        assertEquals(f + ":6: stages[0].ce_weight: is 0, so this stage's loss is 0 whatever its tags and it would train nothing (ce_weight 0.0;"
                + " from the stage or defaults:): give it a value > 0", refusal(dir, TASKS + "  - {stage: 1, tasks: [s], ce_weight: 0}"));
        // an enriched stage 2 keeps the prompt text's CE: mse_scale 0 there trains the domain tags by it alone
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], mse_scale: 0, enrich: true}");
        // with no text task and no enrichment there is no next-token loss: ce_weight (0 or not) changes nothing, and is refused
        assertEquals(f + ":6: stages[0].ce_weight: weighs the next-token loss, and stage 2 has no text or language-model task and is not enriched"
                + " (enrich: true), so it has no next-token loss and ce_weight would change nothing: drop it",
                refusal(dir, TASKS + "  - {stage: 2, tasks: [q], ce_weight: 0}"));
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], ce_weight: 0.5, enrich: true}");
        loads(dir, "model: m\ndefaults:\n  ce_weight: 0.5\ntasks:\n  s: {preset: SMILES, data: d.csv}\n  q: {preset: QED, data: d.csv}\n"
                + "stages:\n  - {stage: 1, tasks: [s]}\n  - {stage: 2, tasks: [q]}\n");
    }

    /**
     * A stage whose trainable set is only heads, with head_lr_scale 0 freezing them, trained nothing: it was found when
     * the stage started (after the earlier stages had trained), naming no file or line. Refused when the file is read.
     */
    @Test
    void aStageThatTrainsNothingIsRefused(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        String noTag = """
                model: m
                tasks:
                  h: {type: regression, template: "Molecule {smiles} has QED", label: qed, data: d.csv}
                  s: {type: lm, template: "{smiles}", data: d.csv}
                stages:
                """;
        // train: lists only a head, and head_lr_scale 0 freezes it
        assertEquals(f + ":6: stages[0].train: lists only heads (<h.head>), and head_lr_scale 0 freezes heads, so this stage would train"
                + " nothing: list a tag too, or give head_lr_scale > 0", refusal(dir, noTag + "  - {stage: 2, tasks: [h], train: [<h.head>], head_lr_scale: 0}"));
        // the default: a template without a function tag trains its head alone
        assertEquals(f + ":6: stages[0].head_lr_scale: is 0, which freezes heads, and stage 2 trains no tag of its tasks (it trains"
                + " function tags, and the domain tags when enriched; the tasks use none), so it would train nothing: give"
                + " head_lr_scale > 0, or a function tag in a template", refusal(dir, noTag + "  - {stage: 2, tasks: [h], head_lr_scale: 0}"));
        // head_lr_scale 0 from defaults: the stage is named, as for mse_scale
        assertTrue(refusal(dir, noTag.replace("stages:", "defaults: {head_lr_scale: 0}\nstages:") + "  - {stage: 3, tasks: [h]}")
                .contains("stage 3 trains no tag of its tasks"));
        // stage 1 trains domain tags: a domain text without one has nothing to train
        assertEquals(f + ":6: stages[0].tasks: stage 1 trains domain tags, and no template of its tasks has one, so it would train"
                + " nothing: put a domain tag (such as <SMILES>) in a template, or list a tag in train:", refusal(dir, noTag + "  - {stage: 1, tasks: [s]}"));
        loads(dir, noTag + "  - {stage: 2, tasks: [h], train: [<h.head>]}");
        loads(dir, noTag + "  - {stage: 2, tasks: [h]}");
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], head_lr_scale: 0}");
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], train: [<QED>], head_lr_scale: 0}");
    }

    /**
     * enrich: true on a stage 2 does two things (ExperimentRunner.trainableNames, Trainer.losses): the domain tags of its
     * templates train, and every example gets the next-token loss on its prompt text. Where the templates hold no domain
     * tag that loss reaches no tag (a regression prompt ends at its function tag; text tasks have the loss anyway), so
     * the stage trained bit for bit as without it (checked: `train` with enrich true and false gave identical tag files for
     * a regression-only and a text-only stage) while the file said it was enriched. Refused when written. A stage mixing
     * both kinds is accepted: there enrichment changes the text tasks' loss weight (their tag files differed). The robust
     * recipe's default (enrich on) is not refused.
     */
    @Test
    void enrichThatChangesNothingIsRefused(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        String noDomain = """
                model: m
                tasks:
                  t: {type: text, template: "Name <Say> {name}", tags: {Say: function}, output: name, data: d.csv}
                  q: {type: regression, template: "Molecule {smiles} has QED <Q> {qed}.", tags: {Q: function}, label: qed, data: d.csv}
                  h: {type: regression, template: "Molecule {smiles} has QED", label: qed, data: d.csv}
                  d: {type: text, template: "Molecule <SMILES> {smiles} is <Say> {name}", tags: {SMILES: domain, Say: function}, output: name, data: d.csv}
                stages:
                """;
        String tail = ", so it would change nothing: drop enrich: true, or put a domain tag in a template";
        assertEquals(f + ":8: stages[0].enrich: is true, but no template of this stage's tasks has a domain tag for it to train, and the"
                + " next-token loss it adds is on already for text tasks" + tail, refusal(dir, noDomain + "  - {stage: 2, tasks: [t], enrich: true}"));
        assertEquals(f + ":8: stages[0].enrich: is true, but no template of this stage's tasks has a domain tag for it to train, and the"
                + " next-token loss it adds on the prompt text of regression and classification tasks ends before their function tag (the"
                + " prompt stops at the position the head reads), so it reaches no tag" + tail, refusal(dir, noDomain + "  - {stage: 2, tasks: [q, h], enrich: true}"));
        assertTrue(refusal(dir, noDomain + "  - {stage: 2, tasks: [q, t], enrich: true, ce_weight: 0}")
                .contains("and ce_weight is 0, so the next-token loss it adds is 0" + tail));
        // mixed: the head tasks' prompt tokens lower the text task's share of the loss
        loads(dir, noDomain + "  - {stage: 2, tasks: [q, t], enrich: true}");
        // a domain tag: enrichment trains it
        loads(dir, noDomain + "  - {stage: 2, tasks: [d], enrich: true}");
        loads(dir, noDomain + "  - {stage: 2, tasks: [t], enrich: false}");
        // the robust recipe turns enrichment on by default: not written, not refused
        loads(dir, noDomain.replace("model: m", "model: m\nrecipe: robust") + "  - {stage: 2, tasks: [q]}");
    }

    /** seed: beside order: largest_first was read and ignored: that order places scaffold groups by size, with no shuffle to seed. */
    @Test
    void seedBesideLargestFirstIsRefused(@TempDir Path dir) throws Exception {
        String head = "model: m\ntasks:\n  q:\n    preset: QED\n    data: {path: d.csv, split: ";
        String tail = "}\nstages:\n  - {stage: 2, tasks: [q]}\n";
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.split.seed: order: largest_first places scaffold groups by size alone and"
                + " takes no seed; remove seed:, or give order: balanced, whose shuffle it seeds",
                refusal(dir, head + "{scaffold: [0.8, 0.1, 0.1], seed: 0, order: largest_first}" + tail));
        loads(dir, head + "{scaffold: [0.8, 0.1, 0.1], order: largest_first}" + tail);
        loads(dir, head + "{scaffold: [0.8, 0.1, 0.1], seed: 0, order: balanced}" + tail);
    }

    /** An unknown data format passed the reading and failed when the stage read its data, naming no field or line. */
    @Test
    void unknownDataFormatIsRefusedWithItsField(@TempDir Path dir) throws Exception {
        String yaml = "model: m\ntasks:\n  q:\n    preset: QED\n    data: {path: d.dat, format: xlsx}\nstages:\n  - {stage: 2, tasks: [q]}\n";
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.q.data.format: unknown data format 'xlsx': expected csv, tsv, jsonl, fasta or text",
                refusal(dir, yaml));
        loads(dir, yaml.replace("xlsx", "TSV"));
    }

    /**
     * train: was only checked when its stage began (after the stages before it had trained), naming no file or line: an
     * unknown tag, a tag no task of the stage uses (it gets no gradient), and stage 3 listing a domain tag.
     */
    @Test
    void stageTrainListIsCheckedWhenRead(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].train: <Nope> is no tag of this stage's tasks (they use <SMILES>, <QED>), so it would get no gradient",
                refusal(dir, TASKS + "  - {stage: 2, tasks: [q], train: [QED, Nope]}"));
        assertEquals(f + ":7: stages[1].train: stage 3 keeps domain tags frozen, but train: lists <SMILES> (a domain tag of task 'q'): train it in a"
                + " stage 1 or an enriched stage 2 (enrich: true) before this stage",
                refusal(dir, TASKS + "  - {stage: 1, tasks: [s]}\n  - {stage: 3, tasks: [q], train: [QED, SMILES]}"));
        loads(dir, TASKS + "  - {stage: 1, tasks: [s]}\n  - {stage: 2, tasks: [q], train: [\"<QED>\", SMILES]}");
        loads(dir, "model: m\ntasks:\n  r: {type: regression, template: 'Value of <SMILES> {smiles} is', label: v, data: d.csv}\n"
                + "stages:\n  - {stage: 2, tasks: [r], train: [\"<r.head>\"]}\n");
    }

    /** An unknown preset or task type named the task ("exp.yaml: tasks.q: ..."), with no line; the type's was no ConfigException. */
    @Test
    void unknownPresetOrTypeNamesItsFieldAndLine(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        String preset = refusal(dir, "model: m\ntasks:\n  q:\n    preset: Nope\nstages:\n  - {stage: 2, tasks: [q]}\n");
        assertTrue(preset.startsWith(f + ":4: tasks.q.preset: preset 'Nope' is not known (known: "), preset);
        assertEquals(f + ":4: tasks.q.type: task type 'regresion' is not known (regression, classification, text, lm)",
                refusal(dir, "model: m\ntasks:\n  q:\n    type: regresion\n    template: 'a <QED> {x}'\n    label: x\nstages:\n  - {stage: 2, tasks: [q]}\n"));
    }

    /**
     * An unknown tag kind was named twice under a task ("exp.yaml:5: tasks.q.tags.QED: /tmp/.../exp.yaml: tasks.q.tags.QED:
     * tag kind ...") and without its line at the top ("exp.yaml: tags.Foo: kind: tag kind ...").
     */
    @Test
    void unknownTagKindNamesItsFieldOnceWithItsLine(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":5: tasks.q.tags.QED: tag kind 'domian' is not domain or function",
                refusal(dir, "model: m\ntasks:\n  q:\n    preset: QED\n    tags: {QED: domian}\nstages:\n  - {stage: 2, tasks: [q]}\n"));
        assertEquals(f + ":3: tags.Foo: tag kind 'fn' is not domain or function",
                refusal(dir, "model: m\ntags:\n  Foo: fn\ntasks:\n  q:\n    preset: QED\nstages:\n  - {stage: 2, tasks: [q]}\n"));
    }

    /** class_weights beside a preset's classes (BBBP: 0, 1) was not counted: three weights for two classes loaded. */
    @Test
    void classWeightsAreCountedAgainstAPresetsClasses(@TempDir Path dir) throws Exception {
        String yaml = "model: m\ntasks:\n  b:\n    preset: BBBP\n    class_weights: [1, 2, 3]\n    data: d.csv\nstages:\n  - {stage: 2, tasks: [b]}\n";
        assertEquals(dir.resolve("exp.yaml") + ":5: tasks.b.class_weights: expected 2 values (one per class: 0, 1), got 3", refusal(dir, yaml));
        loads(dir, yaml.replace("[1, 2, 3]", "[1, 2]"));
    }


    /**
     * head_lr_scale or eval_every on a stage 1 (domain text: no head to train or score), mse_scale on a stage with no regression task, beta1, beta2 or
     * eps on an SGD stage were accepted and changed nothing. Refused, as enrich that changes nothing is, naming the key
     * and the stage; the same keys under defaults: apply to every stage and are let be.
     */
    @Test
    void aStageKeyThatChangesNothingIsRefused(@TempDir Path dir) throws Exception {
        String f = dir.resolve("exp.yaml").toString();
        assertEquals(f + ":6: stages[0].head_lr_scale: is a head's setting, and stage 1 trains domain tags on domain text with no head,"
                + " so it would change nothing: drop it", refusal(dir, TASKS + "  - {stage: 1, tasks: [s], head_lr_scale: 2}"));
        assertEquals(f + ":6: stages[0].mse_scale: scales the regression heads' loss, and stage 1 has no regression task, so it would"
                + " change nothing: drop it", refusal(dir, TASKS + "  - {stage: 1, tasks: [s], mse_scale: 10}"));
        assertEquals(f + ":6: stages[0].eval_every: scores the valid split of regression and classification tasks, and stage 1 has none (the"
                + " next-token loss is not a validation score here), so it would change nothing: drop it",
                refusal(dir, TASKS + "  - {stage: 1, tasks: [s], eval_every: 5}"));
        loads(dir, TASKS + "  - {stage: 1, tasks: [s], eval_every: 0}");
        for (String key : new String[]{"beta1: 0.8", "beta2: 0.99", "eps: 1e-6"}) {
            assertEquals(f + ":6: stages[0]." + key.substring(0, key.indexOf(':')) + ": is an Adam setting, and this stage's optimizer is sgd,"
                    + " so it would change nothing: drop it, or give optimizer: adamw",
                    refusal(dir, TASKS + "  - {stage: 2, tasks: [q], optimizer: sgd, " + key + "}"));
        }
        loads(dir, TASKS + "  - {stage: 2, tasks: [q], head_lr_scale: 2, mse_scale: 10, optimizer: adamw, beta1: 0.8}");
        loads(dir, TASKS.replace("stages:", "defaults: {head_lr_scale: 2, mse_scale: 10}\nstages:") + "  - {stage: 1, tasks: [s]}\n  - {stage: 2, tasks: [q]}");
    }
}
