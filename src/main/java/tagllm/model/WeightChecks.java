package tagllm.model;

import tagllm.tensor.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks made once weights are loaded, so that a damaged or mismatched model is refused by name instead of giving
 * NaN or silently different results: every value finite (the first NaN/Inf is named with its tensor and row), and
 * every tensor of the files explained by config.json (a file with more layers than num_hidden_layers, or tensors of
 * another architecture, is refused naming them).
 */
public final class WeightChecks {
    private WeightChecks() {}

    /** Tensors a Llama-family checkpoint may hold that the forward pass rightly ignores. */
    private static boolean ignorable(String name, ModelConfig c) {
        return name.endsWith(".rotary_emb.inv_freq") || (c.tieWordEmbeddings() && name.equals("lm_head.weight"));
    }

    /**
     * Everything loading checks from the headers alone: each tensor config.json implies present with its shape and a
     * weight dtype, and no tensor it does not explain. Loading runs this before reading any value, and
     * `model inspect` runs it too, so inspect says the same thing loading would without reading the weights.
     */
    public static void requireStructure(ModelConfig c, TensorSource src) {
        TensorLayout layout = TensorLayout.of(c);
        layout.check(src);
        requireExplained(c, src, layout.tensors().stream().map(TensorLayout.Tensor::name).toList());
    }

    static void requireExplained(ModelConfig c, TensorSource src, List<String> used) {
        java.util.Set<String> known = new java.util.HashSet<>(used);
        Map<String, Integer> extra = new TreeMap<>();
        for (String name : src.tensors().keySet()) {
            if (known.contains(name) || ignorable(name, c)) continue;
            // group by layer: "model.layers.5.*" rather than a dozen names
            String group = name.matches("model\\.layers\\.\\d+\\..*") ? name.replaceAll("^(model\\.layers\\.\\d+)\\..*", "$1.*") : name;
            extra.merge(group, 1, Integer::sum);
        }
        if (extra.isEmpty()) return;
        List<String> shown = new ArrayList<>();
        extra.forEach((g, n) -> shown.add(n == 1 ? g : g + " (" + n + " tensors)"));
        String layers = extra.keySet().stream().anyMatch(g -> g.startsWith("model.layers.")) ? " (config.json says num_hidden_layers "
                + c.numLayers() + ": does the config belong to these weights?)" : "";
        throw new ModelFormatException(src.dir() + ": the weights hold tensors config.json does not explain" + layers + ": "
                + String.join(", ", shown.subList(0, Math.min(8, shown.size()))) + (shown.size() > 8 ? ", ..." : ""));
    }

    static void requireFinite(String name, Matrix m, java.nio.file.Path dir) {
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.row(r, row, 0);
            for (int k = 0; k < row.length; k++) {
                if (!Float.isFinite(row[k])) {
                    throw new ModelFormatException(dir + ": tensor '" + name + "' holds " + row[k] + " at row " + r + ", column " + k
                            + ": the weights are damaged; refusing them rather than computing NaN");
                }
            }
        }
    }

    static void requireFinite(String name, float[] v, java.nio.file.Path dir) {
        if (v == null) return;
        for (int k = 0; k < v.length; k++) {
            if (!Float.isFinite(v[k])) {
                throw new ModelFormatException(dir + ": tensor '" + name + "' holds " + v[k] + " at index " + k
                        + ": the weights are damaged; refusing them rather than computing NaN");
            }
        }
    }
}
