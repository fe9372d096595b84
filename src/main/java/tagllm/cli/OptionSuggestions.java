package tagllm.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The options a mistyped one may have meant. picocli's own suggestions compare character pairs and miss one-letter
 * slips in short names (--imput, --gld, --modle), so names within a small edit distance come first.
 */
final class OptionSuggestions {
    private OptionSuggestions() {}

    /** Option names of the command near {@code typed} (its "=value" part ignored), nearest first, then picocli's. */
    static List<String> near(String typed, Collection<String> names, List<String> picocli) {
        String bare = typed.contains("=") ? typed.substring(0, typed.indexOf('=')) : typed;
        List<String> close = new ArrayList<>();
        for (String name : names) {
            if (name.startsWith("--") != bare.startsWith("--")) continue;
            int d = distance(bare, name);
            int core = Math.min(bare.replaceFirst("^-+", "").length(), name.replaceFirst("^-+", "").length());
            if (d > 0 && d <= 2 && d * 2 < core) close.add(name);
        }
        close.sort(Comparator.comparingInt((String n) -> distance(bare, n)).thenComparing(Comparator.naturalOrder()));
        LinkedHashSet<String> all = new LinkedHashSet<>(close);
        all.addAll(picocli);
        return List.copyOf(all);
    }

    /** Edits (insert, delete, replace, swap of neighbours) from a to b: the optimal string alignment distance. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
