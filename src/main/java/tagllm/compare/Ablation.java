package tagllm.compare;

import tagllm.head.HeadInit;
import tagllm.head.HeadSpec;
import tagllm.tag.TagKind;
import tagllm.tag.Template;
import tagllm.task.TaskSpec;
import tagllm.task.TaskType;
import tagllm.train.Experiment;
import tagllm.train.StageSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One change to the experiment that the Tag-LLM method is also run with (the paper's Table 4 and the options
 * this project adds). Names as on the command line: {@code no-domain-tags}, {@code no-function-tag}
 * (the head reads the last input position), {@code domain-p=N}, {@code function-p=N}, {@code enrich=on|off},
 * {@code isolation=on|off}, {@code head-init=embedding|zero|ridge}, {@code standardize=on|off}.
 */
public record Ablation(String name, String key, String value) {

    public static final List<String> KNOWN = List.of("no-domain-tags", "no-function-tag", "domain-p=N", "function-p=N", "enrich=on|off",
            "isolation=on|off", "head-init=embedding|zero|ridge", "standardize=on|off");

    public static Ablation parse(String s) {
        String n = s.trim();
        int eq = n.indexOf('=');
        String key = eq < 0 ? n : n.substring(0, eq), value = eq < 0 ? "" : n.substring(eq + 1);
        switch (key) {
            case "no-domain-tags", "no-function-tag" -> {
                if (eq >= 0) throw bad(s, key + " takes no value");
            }
            case "domain-p", "function-p" -> {
                int p;
                try {
                    p = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw bad(s, key + " needs a positive number of vectors, e.g. " + key + "=10");
                }
                if (p < 1) throw bad(s, key + " needs a positive number of vectors, e.g. " + key + "=10");
                // as an experiment's tag_length: refused here, not after the runs before this variant's
                if (p > tagllm.train.Experiment.MAX_TAG_LENGTH) {
                    throw bad(s, key + " must be at most " + tagllm.train.Experiment.MAX_TAG_LENGTH + " vectors, as an experiment's tag_length");
                }
            }
            case "enrich", "isolation", "standardize" -> {
                if (!value.equals("on") && !value.equals("off")) throw bad(s, key + " takes on or off");
            }
            case "head-init" -> {
                try {
                    HeadInit.parse(value);
                } catch (IllegalArgumentException e) {
                    throw bad(s, "head-init: " + e.getMessage());
                }
            }
            default -> throw bad(s, "unknown ablation");
        }
        return new Ablation(n, key, value);
    }

    private static IllegalArgumentException bad(String s, String why) {
        return new IllegalArgumentException("ablation '" + s + "': " + why + " (known: " + String.join(", ", KNOWN) + ")");
    }

    public static List<Ablation> parseList(String s) {
        List<Ablation> out = new ArrayList<>();
        if (s == null) return out;
        for (String part : s.split(",")) {
            if (part.isBlank()) continue;
            Ablation a = parse(part);
            if (out.stream().noneMatch(x -> x.name.equals(a.name))) out.add(a);
        }
        return out;
    }

    /** The experiment with this change. */
    public Experiment apply(Experiment e) {
        Map<String, TaskSpec> tasks = new LinkedHashMap<>();
        List<StageSpec> stages = new ArrayList<>(e.stages());
        int p = e.tagLength(), pf = e.functionTagLength();
        boolean on = value.equals("on");
        for (Map.Entry<String, TaskSpec> t : e.tasks().entrySet()) {
            TaskSpec spec = t.getValue();
            if (spec.type().readsHead()) {
                spec = switch (key) {
                    case "no-domain-tags" -> drop(spec, TagKind.DOMAIN);
                    case "no-function-tag" -> drop(spec, TagKind.FUNCTION);
                    case "isolation" -> spec.withHead(spec.head(), on);
                    case "head-init" -> spec.withHead(new HeadSpec(spec.head().outputs(), spec.head().bias(), spec.head().standardize(),
                            HeadInit.parse(value)), spec.isolateDomains());
                    // a classification head has no label scale to standardise
                    case "standardize" -> spec.type() != TaskType.REGRESSION ? spec : spec.withHead(new HeadSpec(spec.head().outputs(), spec.head().bias(), on, spec.head().init()),
                            spec.isolateDomains());
                    default -> spec;
                };
            }
            tasks.put(t.getKey(), spec);
        }
        switch (key) {
            case "domain-p" -> p = Integer.parseInt(value);
            case "function-p" -> pf = Integer.parseInt(value);
            case "enrich" -> stages.replaceAll(s -> s.stage() == 2 ? s.withEnrich(on) : s);
            case "no-domain-tags" -> {
                // no domain tags to learn or enrich: stage 1 goes, stage 2 trains the function tags alone
                stages.removeIf(s -> s.stage() == 1);
                stages.replaceAll(s -> s.stage() == 2 ? s.withEnrich(false) : s);
            }
            default -> { }
        }
        return e.toBuilder().tagLengths(p, pf).tasks(tasks).stages(stages).build();
    }

    private static TaskSpec drop(TaskSpec spec, TagKind kind) {
        Set<String> names = spec.parsedTemplate().tagNames();
        Template t = spec.parsedTemplate().without(n -> spec.kindOf(n) == kind);
        Map<String, String> kinds = new LinkedHashMap<>();
        for (String n : names) if (spec.kindOf(n) != kind) kinds.put(n, spec.tags().get(n));
        return spec.withTemplate(t.source(), kinds);
    }
}
