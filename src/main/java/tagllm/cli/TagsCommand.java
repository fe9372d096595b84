package tagllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tagllm.head.RegressionHead;
import tagllm.tag.Tag;
import tagllm.tag.TagFile;
import tagllm.tag.TagSet;
import tagllm.util.Plural;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** tagllm tags inspect FILE / tagllm tags merge A B … -o OUT: look into and compose tag files. */
@Command(name = "tags", mixinStandardHelpOptions = true,
        description = "Inspect or compose tag files (*.tags.safetensors).",
        subcommands = {TagsCommand.Inspect.class, TagsCommand.Merge.class})
public final class TagsCommand {
    // a group: without one of its commands it is refused (exit 2) by Main.commandLine(), so it has nothing to run
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Tags, heads, tasks, base model and provenance of a tag file.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "a *.tags.safetensors file")
        Path file;

        @Option(names = "--json", description = "print one JSON object")
        boolean json;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            TagSet s = TagFile.read(file);
            String writtenBy;
            try (tagllm.model.SafeTensors st = tagllm.model.SafeTensors.open(file)) {
                writtenBy = TagFile.writtenBy(st);
            }
            var out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode o = describe(s, om);
                o.put("tagllm_version", writtenBy); // null: written before tag files recorded it
                out.println(om.writeValueAsString(o));
                return 0;
            }
            out.println(file);
            out.println("  written by  " + writtenByLine(writtenBy));
            out.println("  base model  " + s.modelName() + "  (fingerprint " + s.modelFingerprint() + ")");
            if (s.hubSnapshot() != null) {
                out.println("  hub         " + s.hubSnapshot().repo() + "  (revision " + s.hubSnapshot().revision() + ")");
            }
            out.println("  tokenizer   " + (s.tokenizer() == null ? "not recorded (a file written by a tagllm that did not record it: not checked against the model's tokenizer)"
                    : "sha256 " + s.tokenizer().sha256()));
            out.println("  tags");
            for (Tag t : s.tags()) {
                out.printf(Locale.ROOT, "    %-14s %-8s p=%d d=%d  mean |v| %.4f%n", t.name(), t.kind().label(), t.length(), t.hidden(), rowNorm(t));
            }
            if (!s.heads().isEmpty()) {
                out.println("  heads");
                for (RegressionHead h : s.heads().values()) {
                    out.printf(Locale.ROOT, "    %-14s %d output(s), %s, label shift %s scale %s%n", h.tag(), h.outputs(),
                            h.bias() != null ? "bias" : "no bias", java.util.Arrays.toString(h.shift()), java.util.Arrays.toString(h.scale()));
                }
            }
            if (!s.tasks().isEmpty()) {
                out.println("  tasks");
                s.tasks().forEach((k, v) -> {
                    out.println("    " + k + " (" + v.path("type").asText() + "): " + v.path("template").asText().replace("\n", "\\n"));
                    // what predict's prob_ columns will be named after, and in which order its probabilities come
                    if (v.has("classes")) out.println("      classes: " + joined(v.path("classes")));
                    if (v.has("labels")) out.println("      labels (multi-label): " + joined(v.path("labels")));
                });
            }
            if (!s.provenance().isEmpty()) {
                out.println("  provenance");
                for (var p : s.provenance()) {
                    List<String> trained = new java.util.ArrayList<>();
                    p.path("trained").forEach(x -> trained.add(x.asText()));
                    List<String> data = new java.util.ArrayList<>();
                    p.path("data").forEach(x -> data.add(x.asText()));
                    // the compute precision moves results by about a percent (docs/training.md): the text says it, as the JSON
                    // does (files from before it was recorded have none)
                    String compute = p.hasNonNull("compute") ? ", " + p.path("compute").asText() + " compute" : "";
                    out.printf(Locale.ROOT, "    %s (stage %d): trained %s; %d examples, %d steps, seed %d, lr %s%s, %s, tagllm %s%n",
                            p.path("stage").asText(), p.path("stage_number").asInt(), String.join(", ", trained), p.path("examples").asInt(),
                            p.path("steps").asInt(), p.path("seed").asLong(), p.path("hyper").path("lr").asText(), compute, p.path("time").asText(),
                            p.path("tagllm_version").asText());
                    out.println("      data: " + String.join(", ", data));
                    JsonNode engine = p.path("engine");
                    if (engine.isObject()) {
                        // the tensors are one JVM's bits either way: only this line tells a Spark-trained stage
                        out.printf(Locale.ROOT, "      trained on %s (master %s, Spark %s, %s, %s a step)%n",
                                engine.path("name").asText(), engine.path("master").asText(), engine.path("spark_version").asText(),
                                Plural.count(engine.path("executors").asInt(), "executor"), Plural.count(engine.path("partitions_per_step").asInt(), "partition"));
                    }
                }
            }
            return 0;
        }

        /**
         * Who wrote the file. A bare version (no "+g" commit: written before builds recorded their commit, or by a
         * build that found no git history) says so, else it read as the same build as any other of that pom version.
         */
        static String writtenByLine(String writtenBy) {
            if (writtenBy == null) return "tagllm (not recorded: a file from before 7 Dec 2026)";
            boolean known = !writtenBy.isBlank() && tagllm.util.BuildVersion.parse(writtenBy).commitKnown();
            return "tagllm " + writtenBy + (known ? "" : " (its git commit was not recorded)");
        }

        private static String joined(com.fasterxml.jackson.databind.JsonNode values) {
            List<String> out = new java.util.ArrayList<>();
            values.forEach(x -> out.add(x.asText()));
            return String.join(", ", out);
        }

        static double rowNorm(Tag t) {
            double total = 0;
            for (int j = 0; j < t.length(); j++) {
                double n = 0;
                for (int k = 0; k < t.hidden(); k++) n += Math.pow(t.values()[j * t.hidden() + k], 2);
                total += Math.sqrt(n);
            }
            return total / t.length();
        }

        static ObjectNode describe(TagSet s, ObjectMapper om) {
            ObjectNode o = om.createObjectNode();
            ObjectNode model = o.putObject("model").put("name", s.modelName()).put("fingerprint", s.modelFingerprint());
            // null: a file from before the tokenizer was recorded
            if (s.tokenizer() == null) model.putNull("tokenizer_sha256");
            else model.put("tokenizer_sha256", s.tokenizer().sha256());
            // null: a local model folder, or a file from before the Hub snapshot was recorded
            if (s.hubSnapshot() == null) model.putNull("hub");
            else model.putObject("hub").put("repo", s.hubSnapshot().repo()).put("revision", s.hubSnapshot().revision());
            ArrayNode tags = o.putArray("tags");
            // tag_length as the experiment file names p, hidden_size as model info names the width; the tag file's own
            // short names (p, hidden), all builds up to 82e45ea wrote here, kept beside them for scripts that read them
            for (Tag t : s.tags()) {
                tags.addObject().put("name", t.name()).put("kind", t.kind().label()).put("tag_length", t.length()).put("hidden_size", t.hidden())
                        .put("p", t.length()).put("hidden", t.hidden());
            }
            ArrayNode heads = o.putArray("heads");
            for (RegressionHead h : s.heads().values()) {
                // the label map too, as the text form shows it: predictions are (w·h + b)·scale + shift
                ObjectNode o1 = heads.addObject().put("tag", h.tag()).put("outputs", h.outputs()).put("bias", h.bias() != null);
                ArrayNode shift = o1.putArray("label_shift"), scale = o1.putArray("label_scale");
                for (double v : h.shift()) shift.add(v);
                for (double v : h.scale()) scale.add(v);
            }
            ObjectNode tasks = o.putObject("tasks");
            s.tasks().forEach(tasks::set);
            ArrayNode prov = o.putArray("provenance");
            for (JsonNode p : s.provenance()) prov.add(withSnakeCaseHyper(p));
            return o;
        }

        /**
         * A provenance entry with its hyper keys as tag files record them now (max_steps): files from builds before
         * ee0ca2d have the Java names (maxSteps), which the JSON would otherwise pass on beside snake_case everywhere else.
         */
        static JsonNode withSnakeCaseHyper(JsonNode p) {
            if (!(p instanceof ObjectNode o)) return p;
            ObjectNode copy = o.deepCopy();
            tagllm.train.Hyper.snakeCaseKeysOfHyperIn(copy);
            return copy;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Compose tag files of one base model into one (e.g. language tags of one run with <Translate> of another).")
    static final class Merge implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "2..*", description = "tag files to merge (any order: the output is the same file)")
        List<Path> files;

        @Option(converter = StandardStreams.Out.class, names = {"-o", "--output"}, required = true, description = "the merged tag file to write")
        Path output;

        @Option(names = "--force", description = "replace an existing output file")
        boolean force;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            OutputGuard.requireNew(output, force);
            OutputGuard.removeLeftovers(output, spec.commandLine().getErr());
            TagSet merged = TagFile.read(files.get(0));
            for (Path f : files.subList(1, files.size())) merged.merge(TagFile.read(f), f.toString());
            // the files' order decides nothing in the content (a conflict is refused), so none in the bytes either
            merged = merged.inCanonicalOrder();
            TagFile.write(merged, output);
            spec.commandLine().getErr().println("wrote " + output + ": " + merged.tags().size() + " tags ("
                    + String.join(", ", merged.tags().stream().map(Tag::name).toList()) + "), " + merged.heads().size() + " head(s)");
            return 0;
        }
    }
}
