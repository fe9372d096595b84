package tagllm.chem;

/**
 * Sequence descriptors of a protein.
 *
 * @param blosum1          mean BLOSUM index 1 over the whole sequence (peptides 0.3.2), the paper's Descriptor label
 * @param molecularWeight  average mass in Da (Biopython ProteinAnalysis, monoisotopic=False)
 * @param aromaticity      fraction of F, W and Y
 * @param instabilityIndex Guruprasad et al. 1990; above 40 suggests an unstable protein
 * @param isoelectricPoint pH of zero net charge (Biopython's pK set and bisection)
 * @param gravy            mean Kyte–Doolittle hydropathy
 * @param nonstandard      residues removed before the Biopython-style descriptors (not one of the 20 standard letters)
 */
public record ProteinProperties(double blosum1, double molecularWeight, double aromaticity, double instabilityIndex,
                                double isoelectricPoint, double gravy, int nonstandard) {}
