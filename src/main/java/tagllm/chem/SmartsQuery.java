package tagllm.chem;

import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.isomorphism.DfPattern;
import org.openscience.cdk.isomorphism.matchers.QueryAtomContainer;
import org.openscience.cdk.smarts.Smarts;

/**
 * One compiled SMARTS pattern, matched against a molecule whose ring and aromaticity flags have
 * already been set (by {@link RdkitAromaticity}): CDK's own preparation would replace RDKit's
 * aromaticity with the Daylight model. Not thread-safe (CDK caches recursive sub-patterns lazily).
 */
final class SmartsQuery {
    private final String smarts;
    private final DfPattern pattern;

    SmartsQuery(String smarts) {
        QueryAtomContainer query = new QueryAtomContainer(null);
        if (!Smarts.parse(query, smarts))
            throw new IllegalArgumentException("cannot parse SMARTS '" + smarts + "': " + Smarts.getLastErrorMesg());
        this.smarts = smarts;
        this.pattern = DfPattern.findSubstructure(query);
    }

    String smarts() { return smarts; }

    boolean matches(IAtomContainer mol) { return pattern.matches(mol); }

    /** Whether the pattern's first atom can be mapped onto this atom. */
    boolean matchesAt(IAtom atom) { return pattern.matchesRoot(atom); }

    /** Number of matches with distinct atom sets, as RDKit counts them (uniquify=true). */
    int countUnique(IAtomContainer mol) { return pattern.matchAll(mol).countUnique(); }
}
