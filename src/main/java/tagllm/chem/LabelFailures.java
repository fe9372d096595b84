package tagllm.chem;

import tagllm.data.DatasetException;
import tagllm.data.Row;

/** Turns a failure while labelling one row into the row's problem, to be skipped or reported with its origin. */
final class LabelFailures {
    private LabelFailures() {}

    /**
     * @param column the column whose value was being labelled (quoted, shortened, when the failure is unexpected)
     */
    static DatasetException of(Row row, String column, RuntimeException e) {
        if (e instanceof DatasetException d) return d;
        if (e instanceof IllegalArgumentException) return new DatasetException(row.origin(), e.getMessage());
        // a failure inside CDK on one odd molecule must not end a run over a million rows
        return new DatasetException(row.origin(), "cannot label '" + clip(row.get(column)) + "': "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** CDK recurses along chains: a 6000-atom chain overflows the stack. One such row must not end the file. */
    static DatasetException tooLarge(Row row, String column) {
        return new DatasetException(row.origin(), "molecule too large to label: the computation ran out of stack ("
                + row.get(column).length() + " characters)");
    }

    private static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
