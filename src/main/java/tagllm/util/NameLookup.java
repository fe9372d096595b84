package tagllm.util;

import java.util.Collection;
import java.util.List;

/**
 * The one rule for finding a task (or other named entry) a user typed: the exact name first, else the one name equal to
 * it ignoring case. Two stored names that differ only in case ("qed" and "QED" of one experiment) are two different
 * entries, so a name matching both only when case is ignored is ambiguous: picking either would silently run the other
 * one's prompt. Callers turn {@link Match#ambiguous()} into their own error (HTTP 400, ConfigException...).
 */
public final class NameLookup {
    private NameLookup() {}

    /**
     * What {@code wanted} names among {@code names}.
     *
     * @param name the stored name found, or null when none or several match
     * @param ambiguous the names matching ignoring case when none matches exactly and more than one does; else empty
     */
    public record Match(String name, List<String> ambiguous) {
        public boolean found() { return name != null; }

        public boolean isAmbiguous() { return !ambiguous.isEmpty(); }
    }

    /** Looks {@code wanted} up among {@code names}, in the order given (the order ambiguous names are listed in). */
    public static Match find(Collection<String> names, String wanted) {
        if (names.contains(wanted)) return new Match(wanted, List.of());
        List<String> same = names.stream().filter(n -> n.equalsIgnoreCase(wanted)).toList();
        if (same.size() == 1) return new Match(same.getFirst(), List.of());
        return new Match(null, same);
    }
}
