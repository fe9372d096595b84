package tagllm.chem;

import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IAtomType;
import org.openscience.cdk.isomorphism.DfPattern;
import org.openscience.cdk.isomorphism.matchers.Expr;
import org.openscience.cdk.isomorphism.matchers.QueryAtom;
import org.openscience.cdk.isomorphism.matchers.QueryAtomContainer;
import org.openscience.cdk.smarts.Smarts;

/**
 * One compiled SMARTS pattern, matched against a molecule whose ring and aromaticity flags have
 * already been set (by {@link RdkitAromaticity}): CDK's own preparation would replace RDKit's
 * aromaticity with the Daylight model. Not thread-safe (CDK caches recursive sub-patterns lazily).
 *
 * <p>Ring-count primitives ({@code R2}) are the exception to "CDK evaluates the SMARTS": CDK 2.11
 * recomputes a minimum cycle basis for every such atom test, which made these alerts most of QED's
 * run time. They are rewritten at compile time into a test of a per-atom value that
 * {@link #encodeRingCounts} stores once per molecule, counting rings the way RDKit does (symmetrised
 * SSSR, i.e. the relevant cycles). The value travels in the atom's hybridisation field, which nothing
 * in QED reads; only molecules prepared for descriptors carry it.
 */
final class SmartsQuery {
    private static final String RING_COUNTS_KEY = "tagllm.chem.ringCounts";
    private static final IAtomType.Hybridization[] CODES = {
            IAtomType.Hybridization.SP1, IAtomType.Hybridization.SP2, IAtomType.Hybridization.SP3,
            IAtomType.Hybridization.SP3D1, IAtomType.Hybridization.SP3D2, IAtomType.Hybridization.SP3D3,
            IAtomType.Hybridization.SP3D4, IAtomType.Hybridization.SP3D5};

    private final String smarts;
    private final DfPattern pattern;
    private final boolean usesRingCounts;
    private final java.util.BitSet rootElements;
    private final boolean singleAtom;

    SmartsQuery(String smarts) {
        QueryAtomContainer query = new QueryAtomContainer(null);
        if (!Smarts.parse(query, smarts))
            throw new IllegalArgumentException("cannot parse SMARTS '" + smarts + "': " + Smarts.getLastErrorMesg());
        this.smarts = smarts;
        this.usesRingCounts = rewriteRingCounts(query);
        this.pattern = DfPattern.findSubstructure(query);
        this.singleAtom = query.getAtomCount() == 1;
        this.rootElements = query.getAtom(0) instanceof QueryAtom qa && qa.getExpression() != null
                ? elements(qa.getExpression()) : null;
    }

    /**
     * The atomic numbers the pattern's first atom can have, or null when the SMARTS does not restrict it.
     * Lets callers skip patterns that cannot match an atom without running the matcher.
     */
    java.util.BitSet rootElements() { return rootElements == null ? null : (java.util.BitSet) rootElements.clone(); }

    private static java.util.BitSet elements(Expr e) {
        switch (e.type()) {
            case ELEMENT, ALIPHATIC_ELEMENT, AROMATIC_ELEMENT -> {
                java.util.BitSet b = new java.util.BitSet();
                b.set(e.value());
                return b;
            }
            case AND -> {
                java.util.BitSet l = elements(e.left()), r = elements(e.right());
                if (l == null) return r;
                if (r == null) return l;
                l.and(r);
                return l;
            }
            case OR -> {
                java.util.BitSet l = elements(e.left()), r = elements(e.right());
                if (l == null || r == null) return null;
                l.or(r);
                return l;
            }
            default -> {
                return null;
            }
        }
    }

    String smarts() { return smarts; }

    boolean matches(IAtomContainer mol) {
        requireRingCounts(mol);
        return pattern.matches(mol);
    }

    /** Whether the pattern's first atom can be mapped onto this atom. */
    boolean matchesAt(IAtom atom) {
        requireRingCounts(atom.getContainer());
        return pattern.matchesRoot(atom);
    }

    /** Number of matches with distinct atom sets, as RDKit counts them (uniquify=true). */
    int countUnique(IAtomContainer mol) {
        requireRingCounts(mol);
        if (singleAtom) {
            // a one-atom match is unique per atom: skip building mappings
            int n = 0;
            for (IAtom a : mol.atoms()) {
                if ((rootElements == null || rootElements.get(RdkitNormaliser.atomicNumber(a))) && pattern.matchesRoot(a)) n++;
            }
            return n;
        }
        return pattern.matchAll(mol).countUnique();
    }

    /** Stores, per atom, in how many of {@code rings} it lies, for rewritten R&lt;n&gt; primitives. */
    static void encodeRingCounts(IAtomContainer mol, int[][] rings) {
        int[] counts = new int[mol.getAtomCount()];
        for (int[] ring : rings) for (int idx : ring) counts[idx]++;
        for (IAtom a : mol.atoms()) {
            int c = counts[a.getIndex()];
            a.setHybridization(c >= 1 && c <= CODES.length ? CODES[c - 1] : null);
        }
        mol.setProperty(RING_COUNTS_KEY, Boolean.TRUE);
    }

    private void requireRingCounts(IAtomContainer mol) {
        if (usesRingCounts && mol.getProperty(RING_COUNTS_KEY) == null)
            throw new IllegalStateException("SMARTS '" + smarts + "' needs ring counts: prepare the molecule with RdkitAromaticity");
    }

    /** @return whether any ring-count primitive was rewritten */
    private static boolean rewriteRingCounts(IAtomContainer query) {
        boolean any = false;
        for (IAtom atom : query.atoms()) {
            if (atom instanceof QueryAtom qa && qa.getExpression() != null) any |= rewrite(qa.getExpression());
        }
        return any;
    }

    private static boolean rewrite(Expr e) {
        switch (e.type()) {
            case RING_COUNT -> {
                if (e.value() < 1 || e.value() > CODES.length)
                    throw new IllegalArgumentException("ring count " + e.value() + " is not supported in QED SMARTS");
                e.setPrimitive(Expr.Type.HYBRIDISATION_NUMBER, e.value());
                return true;
            }
            case AND, OR -> {
                boolean l = rewrite(e.left());
                boolean r = rewrite(e.right());
                return l || r;
            }
            case NOT -> {
                return rewrite(e.left());
            }
            case RECURSIVE -> {
                return rewriteRingCounts(e.subquery());
            }
            default -> {
                return false;
            }
        }
    }
}
