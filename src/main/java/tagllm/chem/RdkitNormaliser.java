package tagllm.chem;

import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;
import org.openscience.cdk.tools.manipulator.AtomContainerManipulator;

/**
 * Brings a CDK molecule into the form RDKit's sanitisation produces, so that descriptors defined by
 * RDKit's code (QED) see the same graph: RDKit rewrites hypervalent nitro groups, azides, P=O ylides and
 * halogen oxides into charge-separated forms before anything else, and QED works without explicit H.
 */
final class RdkitNormaliser {
    private RdkitNormaliser() {}

    /** RDKit's {@code MolOps::cleanUp}: e.g. CN(=O)=O becomes C[N+](=O)[O-], N=N#N becomes N=[N+]=[N-]. */
    static void cleanUp(IAtomContainer mol) {
        for (IAtom atom : mol.atoms()) {
            int z = atomicNumber(atom);
            if (z == 7) nitrogen(mol, atom);
            else if (z == 15) phosphorus(mol, atom);
            else if (z == 17 || z == 35 || z == 53) halogen(atom);
        }
    }

    /** RDKit's {@code RemoveHs} for ordinary hydrogens; isotopic, charged and bridging ones stay. */
    static IAtomContainer removeHydrogens(IAtomContainer mol) {
        return AtomContainerManipulator.suppressHydrogens(mol);
    }

    private static void nitrogen(IAtomContainer mol, IAtom n) {
        if (charge(n) != 0 || SmilesReader.valence(n) != 5) return;
        for (IBond bond : n.bonds()) {
            IAtom other = bond.getOther(n);
            if (atomicNumber(other) == 8 && charge(other) == 0 && bond.getOrder() == IBond.Order.DOUBLE) {
                bond.setOrder(IBond.Order.SINGLE);
                n.setFormalCharge(1);
                other.setFormalCharge(-1);
                return;
            }
            if (atomicNumber(other) == 7 && charge(other) == 0 && bond.getOrder() == IBond.Order.TRIPLE) {
                bond.setOrder(IBond.Order.DOUBLE);
                n.setFormalCharge(1);
                other.setFormalCharge(-1);
                return;
            }
        }
    }

    private static void phosphorus(IAtomContainer mol, IAtom p) {
        if (charge(p) != 0 || SmilesReader.valence(p) != 5 || p.getBondCount() != 3) return;
        IBond doubleToO = null;
        boolean doubleToCOrN = false;
        for (IBond bond : p.bonds()) {
            IAtom other = bond.getOther(p);
            int z = atomicNumber(other);
            if (z == 8 && charge(other) == 0 && bond.getOrder() == IBond.Order.DOUBLE) doubleToO = bond;
            else if ((z == 6 || z == 7) && other.getBondCount() >= 2 && bond.getOrder() == IBond.Order.DOUBLE)
                doubleToCOrN = true;
        }
        if (doubleToO != null && doubleToCOrN) {
            doubleToO.setOrder(IBond.Order.SINGLE);
            doubleToO.getOther(p).setFormalCharge(-1);
            p.setFormalCharge(1);
        }
    }

    private static void halogen(IAtom x) {
        int valence = SmilesReader.valence(x);
        if (charge(x) != 0 || (valence != 7 && valence != 5 && valence != 3)) return;
        for (IBond bond : x.bonds()) if (atomicNumber(bond.getOther(x)) != 8) return;
        int charge = 0;
        for (IBond bond : x.bonds()) {
            if (bond.getOrder() == IBond.Order.DOUBLE) {
                bond.setOrder(IBond.Order.SINGLE);
                bond.getOther(x).setFormalCharge(-1);
                charge++;
            }
        }
        x.setFormalCharge(charge);
    }

    static int atomicNumber(IAtom atom) {
        Integer z = atom.getAtomicNumber();
        return z == null ? 0 : z;
    }

    static int charge(IAtom atom) {
        Integer c = atom.getFormalCharge();
        return c == null ? 0 : c;
    }

    static int hydrogens(IAtom atom) {
        Integer h = atom.getImplicitHydrogenCount();
        return h == null ? 0 : h;
    }
}
