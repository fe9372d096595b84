package tagllm.chem;

import tagllm.data.DatasetException;
import tagllm.data.Row;

/**
 * Turns a failure while labelling one row into the row's problem, to be skipped or reported with its origin; and the
 * same reason for a value given on chem's command line.
 */
public final class LabelFailures {
    private LabelFailures() {}

    /**
     * @param column the column whose value was being labelled (quoted, shortened, when the failure is unexpected)
     */
    static DatasetException of(Row row, String column, RuntimeException e) {
        if (e instanceof DatasetException d) return d;
        return new DatasetException(row.origin(), reason(row.get(column), e));
    }

    /** Why value could not be labelled: the labeler's own message, or (a failure inside CDK) the value and the exception. */
    public static String reason(String value, RuntimeException e) {
        if (e instanceof IllegalArgumentException) return e.getMessage();
        // a failure inside CDK on one odd molecule must not end a run over a million rows
        return "cannot label '" + clip(value) + "': " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** CDK recurses along chains: a 6000-atom chain overflows the stack. One such row must not end the file. */
    static DatasetException tooLarge(Row row, String column) {
        return new DatasetException(row.origin(), "molecule too large to label: the computation ran out of stack ("
                + row.get(column).length() + " characters)");
    }

    /** A value shortened to 60 characters for a message. */
    public static String clip(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
