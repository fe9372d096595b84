package tagllm.data;

/**
 * A drug-combination example: two drug SMILES (and optionally a cell line) → combination score.
 *
 * @param cellLine the cell line ("" when the file has none)
 * @param origin   file and line of the row this example came from
 */
public record DrugPairExample(String smiles1, String smiles2, double score, String drug1, String drug2,
                              String cellLine, Origin origin) {}
