package tagllm.chem;

import org.openscience.cdk.exception.CDKException;
import org.openscience.cdk.fragment.MurckoFragmenter;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.smiles.SmiFlavor;
import org.openscience.cdk.smiles.SmilesGenerator;

/**
 * Bemis–Murcko scaffolds (ring systems and the linkers between them, side chains removed) with CDK's
 * {@link MurckoFragmenter#scaffold}, written as a unique SMILES without stereo so that molecules with the same
 * scaffold get the same key. A molecule without rings has the empty scaffold "" (as RDKit's
 * MurckoScaffoldSmiles gives), so all acyclic molecules form one group. Unlike RDKit, CDK drops atoms
 * double-bonded to the scaffold (the =O of a cyclohexanone), so a few of RDKit's scaffold groups merge here.
 */
public final class Scaffolds {
    private Scaffolds() {}

    private static final ThreadLocal<SmilesGenerator> UNIQUE =
            ThreadLocal.withInitial(() -> new SmilesGenerator(SmiFlavor.Unique | SmiFlavor.UseAromaticSymbols));

    /** The scaffold key of a SMILES; {@link SmilesException} when it does not parse. */
    public static String of(String smiles) {
        IAtomContainer mol = SmilesReader.forThread().parse(smiles);
        IAtomContainer scaffold = MurckoFragmenter.scaffold(mol);
        if (scaffold == null || scaffold.getAtomCount() == 0) return "";
        try {
            return UNIQUE.get().create(scaffold);
        } catch (CDKException e) {
            throw new SmilesException(smiles, "its scaffold cannot be written as SMILES: " + e.getMessage());
        }
    }
}
