package tagllm.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The note a command prints when its output replaces input columns of the same names as the ones it adds
 * ({@code predict}'s prediction and error, {@code chem}'s labels; {@link tagllm.data.OutputColumns#replaced()}): the
 * user told which input values the output does not carry.
 */
final class ReplacedColumns {
    private ReplacedColumns() {}

    /** The note for replaced (not empty): where is the output (a file, or null for standard output). */
    static String note(List<String> replaced, Path output, Path input) {
        String names = String.join(", ", replaced.stream().map(c -> "'" + c + "'").toList());
        boolean one = replaced.size() == 1;
        return "note: the input's " + (one ? "column " : "columns ") + names + (one ? " is" : " are") + " replaced in "
                + (output == null ? "the output" : output.toString()) + " by this run's values (" + input + " keeps its own)";
    }
}
