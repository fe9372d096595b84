package tagllm.chem;

import org.openscience.cdk.config.Isotopes;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;
import org.openscience.cdk.interfaces.IIsotope;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes QED's eight properties on a molecule already prepared like RDKit's (see {@link Qed}).
 * Holds compiled SMARTS, which CDK does not allow to share between threads: one instance per thread.
 */
final class QedCalculator {
    private static final List<String> ACCEPTOR_SMARTS = readLines("qed-acceptors.txt");
    private static final List<String> ALERT_SMARTS = readLines("qed-alerts.txt");
    /** RDKit's Lipinski donor definition (rdMolDescriptors.CalcNumHBD). */
    private static final String DONOR_SMARTS = "[N&!H0&v3,N&!H0&+1&v4,O&H1&+0,S&H1&+0,n&H1&+0]";
    /** RDKit's strict rotatable bond (NumRotatableBondsOptions.Strict): no amide C-N, no CF3/tBu rotors. */
    private static final String ROTATABLE_STRICT_SMARTS =
            "[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)&!$(C([CH3])([CH3])[CH3])"
            + "&!$([CD3](=[N,O,S])-!@[#7,O,S!D1])&!$([#7,O,S!D1]-!@[CD3]=[N,O,S])&!$([CD3](=[N+])-!@[#7!D1])"
            + "&!$([#7!D1]-!@[CD3]=[N+])]-,:;!@[!$(*#*)&!D1&!$(C(F)(F)F)&!$(C(Cl)(Cl)Cl)&!$(C(Br)(Br)Br)"
            + "&!$(C([CH3])([CH3])[CH3])]";
    private static final double HYDROGEN_WEIGHT = ElementTable.weight(1);

    private final List<SmartsQuery> acceptors = ACCEPTOR_SMARTS.stream().map(SmartsQuery::new).toList();
    private final List<SmartsQuery> alerts = ALERT_SMARTS.stream().map(SmartsQuery::new).toList();
    private final SmartsQuery donors = new SmartsQuery(DONOR_SMARTS);
    private final SmartsQuery rotatable = new SmartsQuery(ROTATABLE_STRICT_SMARTS);
    private final CrippenLogP crippen = new CrippenLogP();

    QedProperties properties(IAtomContainer mol) {
        int hba = 0;
        for (SmartsQuery q : acceptors) hba += q.countUnique(mol);
        int nAlerts = 0;
        for (SmartsQuery q : alerts) if (q.matches(mol)) nAlerts++;
        return new QedProperties(molecularWeight(mol), crippen.logP(mol), hba, donors.countUnique(mol),
                PolarSurfaceArea.tpsa(mol), rotatable.countUnique(mol), aromaticRings(mol), nAlerts);
    }

    static double molecularWeight(IAtomContainer mol) {
        double mw = 0;
        for (IAtom atom : mol.atoms()) {
            Integer mass = atom.getMassNumber();
            int z = RdkitNormaliser.atomicNumber(atom);
            double m = ElementTable.weight(z);
            if (mass != null && z > 0) {
                IIsotope iso = isotope(atom.getSymbol(), mass);
                if (iso != null && iso.getExactMass() != null) m = iso.getExactMass();
            }
            mw += m + RdkitNormaliser.hydrogens(atom) * HYDROGEN_WEIGHT;
        }
        return mw;
    }

    private static IIsotope isotope(String symbol, int mass) {
        try {
            return Isotopes.getInstance().getIsotope(symbol, mass);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * QED's AROM: delete every ring atom that is not aromatic and has a non-aromatic neighbour through a
     * single or aromatic bond (SMARTS [$([A;R][!a])]), then count the rings of what is left.
     */
    static int aromaticRings(IAtomContainer mol) {
        int n = mol.getAtomCount();
        boolean[] deleted = new boolean[n];
        for (IAtom a : mol.atoms()) {
            if (a.isAromatic() || !a.isInRing()) continue;
            for (IBond b : a.bonds()) {
                boolean singleOrAromatic = b.isAromatic() || b.getOrder() == IBond.Order.SINGLE;
                if (singleOrAromatic && !b.getOther(a).isAromatic()) {
                    deleted[a.getIndex()] = true;
                    break;
                }
            }
        }
        // rings of the remaining graph = its cycle rank: edges - vertices + components
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        int vertices = 0, edges = 0, components = 0;
        for (int i = 0; i < n; i++) if (!deleted[i]) vertices++;
        components = vertices;
        for (IBond b : mol.bonds()) {
            int u = b.getBegin().getIndex(), v = b.getEnd().getIndex();
            if (deleted[u] || deleted[v]) continue;
            edges++;
            int ru = find(parent, u), rv = find(parent, v);
            if (ru != rv) {
                parent[ru] = rv;
                components--;
            }
        }
        return edges - vertices + components;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static List<String> readLines(String resource) {
        return new ArrayList<>(ResourceTable.lines(resource).stream().map(String::strip).toList());
    }
}
