package tagllm.task;

/**
 * A data column a task's prompt reads that the input lacks, with the placeholder behind it: --column takes the
 * placeholder, which a preset may read from a column of another name (BA's {protein} from protein_seq), so a message
 * names both, else the user's first try (--column protein_seq=...) is refused.
 */
public record MissingInputColumn(String placeholder, String column) {

    /** The column quoted, with its placeholder beside it when the names differ: {@code 'protein_seq' (placeholder {protein})}. */
    public String named() {
        return placeholder.equals(column) ? "'" + column + "'" : "'" + column + "' (placeholder {" + placeholder + "})";
    }

    /** The option that reads this placeholder from another column: {@code --column protein=COLUMN}. */
    public String columnOption() {
        return "--column " + placeholder + "=COLUMN";
    }
}
