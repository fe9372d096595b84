package tagllm.chem;

import org.openscience.cdk.aromaticity.Aromaticity;
import org.openscience.cdk.aromaticity.ElectronDonation;
import org.openscience.cdk.exception.CDKException;
import org.openscience.cdk.graph.Cycles;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;
import org.openscience.cdk.smiles.SmiFlavor;
import org.openscience.cdk.smiles.SmilesGenerator;

import java.util.ArrayList;
import java.util.List;

/**
 * Bemis–Murcko scaffolds (ring systems and the linkers between them, side chains removed), written as a unique
 * SMILES without stereo or isotopes so that molecules with the same scaffold get the same key. As CDK's
 * {@code MurckoFragmenter.scaffold} defines it: every atom that is not in a ring or on a path between rings goes,
 * also one double-bonded to the scaffold (the =O of a cyclohexanone, which RDKit keeps), so a few of RDKit's
 * scaffold groups merge here. A molecule without rings has the empty scaffold "" (as RDKit's MurckoScaffoldSmiles
 * gives), so all acyclic molecules form one group.
 *
 * <p>The side chains are pruned here rather than by CDK's fragmenter because that left each atom that lost a side
 * chain one hydrogen short, written as a radical ({@code [c]1ccccc1} for toluene, {@code [c]1cc[c]cc1} for a
 * para-disubstituted benzene): the key then said where the substituents had been, and benzene, toluene and
 * paracetamol fell into three groups. A pruned atom's bond becomes hydrogens on the atom it hung from, and
 * aromaticity is perceived on the scaffold itself, so an aromatic and a Kekulé spelling give one key.
 */
public final class Scaffolds {
    private Scaffolds() {}

    private static final ThreadLocal<SmilesGenerator> UNIQUE =
            ThreadLocal.withInitial(() -> new SmilesGenerator(SmiFlavor.Unique | SmiFlavor.UseAromaticSymbols));
    private static final Aromaticity DAYLIGHT = new Aromaticity(ElectronDonation.daylight(),
            Cycles.or(Cycles.all(), Cycles.relevant()));

    /** The scaffold key of a SMILES; {@link SmilesException} when it does not parse. */
    public static String of(String smiles) {
        IAtomContainer mol = SmilesReader.forThread().parse(smiles);
        mol.setStereoElements(new ArrayList<>()); // the key has no stereo; pruned atoms must not stay referenced
        pruneSideChains(mol);
        if (mol.getAtomCount() == 0) return "";
        try {
            DAYLIGHT.apply(mol);
            return UNIQUE.get().create(mol);
        } catch (CDKException e) {
            throw new SmilesException(smiles, "its scaffold cannot be written as SMILES: " + e.getMessage());
        }
    }

    /**
     * Removes atoms with at most one neighbour until none is left: what remains are the ring systems and the chains
     * between them. Each removed atom's bond order goes to its neighbour as implicit hydrogens.
     */
    static void pruneSideChains(IAtomContainer mol) {
        int n = mol.getAtomCount();
        int[] degree = new int[n];
        boolean[] pruned = new boolean[n];
        java.util.ArrayDeque<Integer> leaves = new java.util.ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            degree[i] = mol.getAtom(i).getBondCount();
            if (degree[i] <= 1) leaves.add(i);
        }
        while (!leaves.isEmpty()) {
            int i = leaves.poll();
            if (pruned[i]) continue;
            pruned[i] = true;
            IAtom leaf = mol.getAtom(i);
            for (IBond bond : leaf.bonds()) {
                IAtom stem = bond.getOther(leaf);
                int j = stem.getIndex();
                if (pruned[j]) continue;
                int order = bond.getOrder() == null || bond.getOrder() == IBond.Order.UNSET ? 1 : bond.getOrder().numeric();
                stem.setImplicitHydrogenCount(RdkitNormaliser.hydrogens(stem) + order);
                if (--degree[j] <= 1) leaves.add(j);
            }
        }
        List<IAtom> remove = new ArrayList<>();
        for (int i = 0; i < n; i++) if (pruned[i]) remove.add(mol.getAtom(i));
        for (IAtom atom : remove) mol.removeAtom(atom);
    }
}
