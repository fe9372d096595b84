package tagllm.chem;

/**
 * The eight molecular properties QED maps through its desirability functions, as RDKit defines them.
 *
 * @param mw     average molecular weight (g/mol)
 * @param alogp  Wildman–Crippen logP
 * @param hba    hydrogen-bond acceptors (QED's own acceptor SMARTS)
 * @param hbd    hydrogen-bond donors (Lipinski-style NH/OH/SH count)
 * @param psa    topological polar surface area (N and O only)
 * @param rotb   rotatable bonds, strict definition
 * @param arom   aromatic rings left after deleting aliphatic ring atoms
 * @param alerts structural alerts matched (of 116)
 */
public record QedProperties(double mw, double alogp, int hba, int hbd, double psa, int rotb, int arom, int alerts) {
    /** In QED's order: MW, ALOGP, HBA, HBD, PSA, ROTB, AROM, ALERTS. */
    public double[] toArray() {
        return new double[] {mw, alogp, hba, hbd, psa, rotb, arom, alerts};
    }
}
