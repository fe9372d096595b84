package tagllm.chem;

import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Wildman–Crippen logP (J. Chem. Inf. Comput. Sci. 1999, 39, 868) with RDKit's atom typing: every heavy
 * atom takes the contribution of the first SMARTS in {@code crippen.tsv} that matches it, and every
 * hydrogen, implicit ones included, the contribution of its hydrogen type. Needs RDKit aromaticity
 * flags ({@link RdkitAromaticity}). One instance per thread.
 */
final class CrippenLogP {
    private record AtomType(String type, SmartsQuery query, double logp) {}

    private static final List<String[]> TABLE = load();
    private final List<AtomType> heavyTypes = new ArrayList<>();
    /** Per atomic number, the heavy types whose SMARTS can match that element, in table order. */
    private final List<List<AtomType>> typesByElement = new ArrayList<>();
    private final double h1, h2, h3, h4, hs;

    CrippenLogP() {
        Map<String, Double> hydrogen = new HashMap<>();
        for (String[] row : TABLE) {
            if (row[0].startsWith("H") && row[1].startsWith("[#1]")) hydrogen.putIfAbsent(row[0], Double.parseDouble(row[2]));
            else heavyTypes.add(new AtomType(row[0], new SmartsQuery(row[1]), Double.parseDouble(row[2])));
        }
        for (int z = 0; z <= 118; z++) {
            List<AtomType> forZ = new ArrayList<>();
            for (AtomType t : heavyTypes) {
                java.util.BitSet root = t.query().rootElements();
                if (root == null || root.get(z)) forZ.add(t);
            }
            typesByElement.add(forZ);
        }
        h1 = hydrogen.get("H1");
        h2 = hydrogen.get("H2");
        h3 = hydrogen.get("H3");
        h4 = hydrogen.get("H4");
        hs = hydrogen.get("HS");
    }

    double logP(IAtomContainer mol) {
        double sum = 0;
        int n = mol.getAtomCount();
        boolean[] typed = new boolean[n];
        for (IAtom atom : mol.atoms()) {
            if (RdkitNormaliser.atomicNumber(atom) == 1) {
                // an explicit hydrogen atom (isotopic or charged ones survive H removal)
                IAtom nbr = atom.getBondCount() > 0 ? atom.bonds().iterator().next().getOther(atom) : null;
                sum += nbr == null ? hs : hydrogenContribution(nbr, atom);
                typed[atom.getIndex()] = true;
            }
        }
        for (IAtom atom : mol.atoms()) {
            if (typed[atom.getIndex()]) continue;
            int z = RdkitNormaliser.atomicNumber(atom);
            for (AtomType t : typesByElement.get(z >= 0 && z <= 118 ? z : 0)) {
                if (t.query().matchesAt(atom)) {
                    sum += t.logp();
                    break;
                }
            }
        }
        for (IAtom atom : mol.atoms()) {
            int h = RdkitNormaliser.hydrogens(atom);
            if (h > 0) sum += h * hydrogenContribution(atom, null);
        }
        return sum;
    }

    /**
     * Contribution of one hydrogen on {@code heavy} (the explicit H atom itself, or null for an implicit
     * one), following the order of RDKit's H1–H4/HS SMARTS: on carbon H1; on an alcohol or phenol oxygen
     * H2; on any nitrogen or an N-hydroxy oxygen H3; on an acid, enol or peroxide oxygen H4; on other
     * elements H2.
     */
    private double hydrogenContribution(IAtom heavy, IAtom self) {
        int z = RdkitNormaliser.atomicNumber(heavy);
        if (z == 6 || z == 1) return h1;
        if (z == 8 && !heavy.isAromatic()) {
            // the oxygen's other partners through single or aromatic bonds (the SMARTS bond default),
            // plus any second hydrogen (water, H2O2 etc.)
            List<IAtom> others = new ArrayList<>();
            for (IBond b : heavy.bonds()) {
                IAtom o = b.getOther(heavy);
                if (o != self && (b.isAromatic() || b.getOrder() == IBond.Order.SINGLE)) others.add(o);
            }
            int otherHydrogens = RdkitNormaliser.hydrogens(heavy) - (self == null ? 1 : 0);
            for (IAtom o : others) if (isCX4OrAromaticC(o)) return h2;
            if (otherHydrogens > 0) return h2; // hydrogen is not C, N, O or S
            for (IAtom o : others) {
                int oz = RdkitNormaliser.atomicNumber(o);
                if (oz != 6 && oz != 7 && oz != 8 && oz != 16) return h2;
            }
            for (IAtom o : others) if (RdkitNormaliser.atomicNumber(o) == 7) return h3;
            for (IAtom o : others) if (isAliphatic(o, 6) && hasDoubleBondToCNOS(o, heavy)) return h4;
            for (IAtom o : others) if (isAliphatic(o, 8) || isAliphatic(o, 16)) return h4;
            return hs;
        }
        if (z == 7) return h3;
        if (z != 8) return h2; // [#1][!#6;!#7;!#8]
        return hs; // on an aromatic oxygen: no type of its own
    }

    private static boolean isAliphatic(IAtom a, int z) {
        return RdkitNormaliser.atomicNumber(a) == z && !a.isAromatic();
    }

    private static boolean isCX4OrAromaticC(IAtom a) {
        if (RdkitNormaliser.atomicNumber(a) != 6) return false;
        if (a.isAromatic()) return true;
        return a.getBondCount() + RdkitNormaliser.hydrogens(a) == 4;
    }

    /** C=[#6,#7,O,S] seen from the oxygen {@code from}: a non-aromatic double bond to C, N, or aliphatic O/S. */
    private static boolean hasDoubleBondToCNOS(IAtom c, IAtom from) {
        for (IBond b : c.bonds()) {
            if (b.isAromatic() || b.getOrder() != IBond.Order.DOUBLE) continue;
            IAtom o = b.getOther(c);
            if (o == from) continue;
            int z = RdkitNormaliser.atomicNumber(o);
            if (z == 6 || z == 7 || ((z == 8 || z == 16) && !o.isAromatic())) return true;
        }
        return false;
    }

    private static List<String[]> load() {
        List<String[]> rows = ResourceTable.rows("crippen.tsv");
        for (String[] f : rows) if (f.length < 3) throw new IllegalStateException("bad row in crippen.tsv: " + String.join("\t", f));
        return rows;
    }
}
