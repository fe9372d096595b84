package tagllm.chem;

import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;

/**
 * Topological polar surface area (Ertl, Rohde, Selzer 2000) as RDKit computes it by default: nitrogen
 * and oxygen contributions only (sulfur and phosphorus excluded), chosen by the number of heavy
 * neighbours, attached hydrogens, charge, single/double/triple/aromatic bond counts and whether the
 * atom sits in a three-membered ring; unlisted environments use Ertl's fallback increments.
 * Needs RDKit aromaticity flags on the bonds.
 */
final class PolarSurfaceArea {
    private PolarSurfaceArea() {}

    static double tpsa(IAtomContainer mol) {
        double sum = 0;
        for (IAtom atom : mol.atoms()) {
            int z = RdkitNormaliser.atomicNumber(atom);
            if (z == 7 || z == 8) sum += contribution(atom, z);
        }
        return sum;
    }

    private static double contribution(IAtom atom, int z) {
        int nbrs = 0, hs = RdkitNormaliser.hydrogens(atom), single = 0, dbl = 0, triple = 0, arom = 0;
        for (IBond b : atom.bonds()) {
            IAtom other = b.getOther(atom);
            if (RdkitNormaliser.atomicNumber(other) == 1) {
                hs++;
                continue;
            }
            nbrs++;
            if (b.isAromatic()) arom++;
            else if (b.getOrder() == IBond.Order.SINGLE) single++;
            else if (b.getOrder() == IBond.Order.DOUBLE) dbl++;
            else if (b.getOrder() == IBond.Order.TRIPLE) triple++;
        }
        int chg = RdkitNormaliser.charge(atom);
        boolean in3Ring = inThreeRing(atom);
        double t = -1;
        if (z == 7) {
            switch (nbrs) {
                case 1 -> {
                    if (hs == 0 && chg == 0 && triple == 1) t = 23.79;
                    else if (hs == 1 && chg == 0 && dbl == 1) t = 23.85;
                    else if (hs == 2 && chg == 0 && single == 1) t = 26.02;
                    else if (hs == 2 && chg == 1 && dbl == 1) t = 25.59;
                    else if (hs == 3 && chg == 1 && single == 1) t = 27.64;
                }
                case 2 -> {
                    if (hs == 0 && chg == 0 && single == 1 && dbl == 1) t = 12.36;
                    else if (hs == 0 && chg == 0 && triple == 1 && dbl == 1) t = 13.60;
                    else if (hs == 1 && chg == 0 && single == 2 && in3Ring) t = 21.94;
                    else if (hs == 1 && chg == 0 && single == 2) t = 12.03;
                    else if (hs == 0 && chg == 1 && triple == 1 && single == 1) t = 4.36;
                    else if (hs == 1 && chg == 1 && dbl == 1 && single == 1) t = 13.97;
                    else if (hs == 2 && chg == 1 && single == 2) t = 16.61;
                    else if (hs == 0 && chg == 0 && arom == 2) t = 12.89;
                    else if (hs == 1 && chg == 0 && arom == 2) t = 15.79;
                    else if (hs == 1 && chg == 1 && arom == 2) t = 14.14;
                }
                case 3 -> {
                    if (hs == 0 && chg == 0 && single == 3 && in3Ring) t = 3.01;
                    else if (hs == 0 && chg == 0 && single == 3) t = 3.24;
                    else if (hs == 0 && chg == 0 && single == 1 && dbl == 2) t = 11.68;
                    else if (hs == 0 && chg == 1 && single == 2 && dbl == 1) t = 3.01;
                    else if (hs == 1 && chg == 1 && single == 3) t = 4.44;
                    else if (hs == 0 && chg == 0 && arom == 3) t = 4.41;
                    else if (hs == 0 && chg == 0 && single == 1 && arom == 2) t = 4.93;
                    else if (hs == 0 && chg == 0 && dbl == 1 && arom == 2) t = 8.39;
                    else if (hs == 0 && chg == 1 && arom == 3) t = 4.10;
                    else if (hs == 0 && chg == 1 && single == 1 && arom == 2) t = 3.88;
                }
                case 4 -> {
                    if (hs == 0 && single == 4 && chg == 1) t = 0.0;
                }
                default -> { }
            }
            if (t < 0) t = Math.max(30.5 - nbrs * 8.2 + hs * 1.5, 0.0);
        } else {
            switch (nbrs) {
                case 1 -> {
                    if (hs == 0 && chg == 0 && dbl == 1) t = 17.07;
                    else if (hs == 1 && chg == 0 && single == 1) t = 20.23;
                    else if (hs == 0 && chg == -1 && single == 1) t = 23.06;
                }
                case 2 -> {
                    if (hs == 0 && chg == 0 && single == 2 && in3Ring) t = 12.53;
                    else if (hs == 0 && chg == 0 && single == 2) t = 9.23;
                    else if (hs == 0 && chg == 0 && arom == 2) t = 13.14;
                }
                default -> { }
            }
            if (t < 0) t = Math.max(28.5 - nbrs * 8.6 + hs * 1.5, 0.0);
        }
        return t;
    }

    private static boolean inThreeRing(IAtom atom) {
        if (!atom.isInRing()) return false;
        IAtomContainer mol = atom.getContainer();
        for (IBond b1 : atom.bonds()) {
            IAtom a = b1.getOther(atom);
            for (IBond b2 : atom.bonds()) {
                if (b2 == b1) continue;
                if (mol.getBond(a, b2.getOther(atom)) != null) return true;
            }
        }
        return false;
    }
}
