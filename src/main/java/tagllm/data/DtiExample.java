package tagllm.data;

/**
 * A drug-target interaction example: drug SMILES + protein sequence → binding affinity.
 *
 * @param drugId    the drug's id in its source ("" when the file has none)
 * @param proteinId the protein's id in its source ("" when the file has none)
 * @param origin    file and line of the row this example came from
 */
public record DtiExample(String smiles, String protein, double affinity, String drugId, String proteinId, Origin origin) {}
