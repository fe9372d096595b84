package tagllm.task;

import tagllm.config.ConfigNode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The classification keys of a task definition: {@code classes: [0, 1]} (optional; else found in the training
 * rows), {@code labels: [colA, colB]} (a multi-label task: one 0/1 column per label) and
 * {@code class_weights: balanced | [w0, w1, ...]}.
 */
final class ClassConfig {
    private ClassConfig() {}

    static ClassSpec read(ConfigNode c, ClassSpec base) {
        List<Double> weights = base != null ? base.weights() : null;
        boolean balanced = base != null && base.balanced();
        if (c.has("class_weights")) {
            JsonNode w = c.raw().get("class_weights");
            if (w.isTextual() && w.asText().equals("balanced")) {
                balanced = true;
                weights = null;
            } else if (w.isArray()) {
                weights = new ArrayList<>();
                for (JsonNode x : w) {
                    if (!x.isNumber() || !(x.asDouble() > 0)) throw c.error("class_weights", "expected positive numbers, got " + x);
                    weights.add(x.asDouble());
                }
                balanced = false;
            } else {
                throw c.error("class_weights", "expected balanced or a list of positive numbers (one per class), got " + w);
            }
        }
        if (c.has("labels")) {
            List<String> cols = c.strings("labels");
            if (cols.size() < 2) throw c.error("labels", "a multi-label task needs at least two label columns (one column: use label: and classes:)");
            if (c.has("classes")) throw c.error("classes", "a multi-label task's classes are its label columns (labels:); drop classes:");
            if (weights != null && weights.size() != cols.size()) throw c.error("class_weights", "expected " + cols.size() + " values (one per label column), got " + weights.size());
            return new ClassSpec(ClassSpec.Kind.MULTILABEL, cols, cols, weights, balanced);
        }
        if (c.has("classes")) {
            List<String> cls = c.strings("classes").stream().map(String::strip).toList();
            if (cls.size() < 2) throw c.error("classes", "expected at least two classes, got " + cls);
            if (cls.stream().distinct().count() != cls.size()) throw c.error("classes", "a class is listed twice: " + cls);
            if (weights != null && weights.size() != cls.size()) throw c.error("class_weights", "expected " + cls.size() + " values (one per class), got " + weights.size());
            return new ClassSpec(null, cls, null, weights, balanced);
        }
        if (base != null && base.resolved() && !base.multiLabel()) {
            // the preset's classes: class_weights counted against them as against classes: written in the file
            if (weights != null && weights.size() != base.classes().size()) {
                throw c.error("class_weights", "expected " + base.classes().size() + " values (one per class: " + String.join(", ", base.classes())
                        + "), got " + weights.size());
            }
            return new ClassSpec(null, base.classes(), null, weights, balanced);
        }
        return ClassSpec.unresolved(weights, balanced);
    }

    static void write(ClassSpec cs, ObjectNode o) {
        if (cs.multiLabel()) {
            ArrayNode l = o.putArray("labels");
            cs.labelColumns().forEach(l::add);
        } else if (cs.resolved()) {
            ArrayNode a = o.putArray("classes");
            cs.classes().forEach(a::add);
        }
        if (cs.weights() != null) {
            ArrayNode w = o.putArray("class_weights");
            cs.weights().forEach(w::add);
        } else if (cs.balanced()) {
            o.put("class_weights", "balanced");
        }
    }
}
