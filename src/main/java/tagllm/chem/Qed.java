package tagllm.chem;

import org.openscience.cdk.aromaticity.Kekulization;
import org.openscience.cdk.exception.CDKException;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;

/**
 * Quantitative estimate of drug-likeness (Bickerton et al. 2012) as RDKit's {@code QED.qed} computes it,
 * the label of the paper's QED task. Each property goes through an asymmetric double sigmoid
 * ("ADS") desirability, and QED is the weighted geometric mean of the eight desirabilities.
 * Thread-safe: CDK matchers are kept per thread.
 *
 * <pre>{@code
 * QedResult r = Qed.qed("CC(=O)Oc1ccccc1C(=O)O");   // aspirin
 * double score = r.qed();                             // 0.550
 * }</pre>
 */
public final class Qed {
    private Qed() {}

    /** RDKit's default ("mean") weights, in QED's property order. */
    public static final double[] WEIGHTS_MEAN = {0.66, 0.46, 0.05, 0.61, 0.06, 0.65, 0.48, 0.95};
    public static final double[] WEIGHTS_MAX = {0.50, 0.25, 0.00, 0.50, 0.00, 0.50, 0.25, 1.00};
    public static final double[] WEIGHTS_NONE = {1, 1, 1, 1, 1, 1, 1, 1};

    /** ADS parameters A, B, C, D, E, F, DMAX per property (Bickerton et al., Supplementary Table). */
    private static final double[][] ADS = {
            {2.817065973, 392.5754953, 290.7489764, 2.419764353, 49.22325677, 65.37051707, 104.9805561},
            {3.172690585, 137.8624751, 2.534937431, 4.581497897, 0.822739154, 0.576295591, 131.3186604},
            {2.948620388, 160.4605972, 3.615294657, 4.435986202, 0.290141953, 1.300669958, 148.7763046},
            {1.618662227, 1010.051101, 0.985094388, 0.000000001, 0.713820843, 0.920922555, 258.1632616},
            {1.876861559, 125.2232657, 62.90773554, 87.83366614, 12.01999824, 28.51324732, 104.5686167},
            {0.010000000, 272.4121427, 2.558379970, 1.565547684, 1.271567166, 2.758063707, 105.4420403},
            {3.217788970, 957.7374108, 2.274627939, 0.000000001, 1.317690384, 0.375760881, 312.3372610},
            {0.010000000, 1199.094025, -0.09002883, 0.000000001, 0.185904477, 0.875193782, 417.7253140},
    };

    private static final ThreadLocal<QedCalculator> CALCULATOR = ThreadLocal.withInitial(QedCalculator::new);

    /**
     * QED of a SMILES string with RDKit's default weights.
     *
     * @throws SmilesException when the SMILES cannot be read
     */
    public static QedResult qed(String smiles) {
        IAtomContainer mol = SmilesReader.forThread().parseForRdkitDescriptors(smiles);
        QedProperties p = CALCULATOR.get().properties(mol);
        return new QedResult(score(p, WEIGHTS_MEAN), p);
    }

    /** QED of a CDK molecule (left unchanged: a prepared copy is used). */
    public static QedResult qed(IAtomContainer molecule) {
        QedProperties p = properties(molecule);
        return new QedResult(score(p, WEIGHTS_MEAN), p);
    }

    /**
     * The eight QED properties of a CDK molecule (left unchanged). The molecule needs implicit hydrogen
     * counts, as CDK's readers set them; aromatic bonds without a Kekulé order are kekulised first.
     *
     * @throws IllegalArgumentException when hydrogen counts are missing or the aromatic system cannot be kekulised
     */
    public static QedProperties properties(IAtomContainer molecule) {
        IAtomContainer mol;
        try {
            mol = molecule.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalArgumentException("molecule cannot be copied", e);
        }
        for (IAtom a : mol.atoms()) {
            if (a.getImplicitHydrogenCount() == null)
                throw new IllegalArgumentException("atom " + (a.getIndex() + 1) + " (" + a.getSymbol()
                        + ") has no implicit hydrogen count; QED needs the hydrogens");
        }
        boolean unsetOrders = false;
        for (IBond b : mol.bonds()) unsetOrders |= b.getOrder() == null || b.getOrder() == IBond.Order.UNSET;
        if (unsetOrders) {
            try {
                Kekulization.kekulize(mol);
            } catch (CDKException e) {
                throw new IllegalArgumentException("aromatic system cannot be kekulised: " + e.getMessage(), e);
            }
        }
        RdkitNormaliser.cleanUp(mol);
        mol = RdkitNormaliser.removeHydrogens(mol);
        RdkitAromaticity.apply(mol);
        return CALCULATOR.get().properties(mol);
    }

    /** Weighted geometric mean of the eight desirabilities. */
    public static double score(QedProperties p, double[] weights) {
        if (weights.length != 8) throw new IllegalArgumentException("QED needs 8 weights, got " + weights.length);
        double[] x = p.toArray();
        double t = 0, wsum = 0;
        for (int i = 0; i < 8; i++) {
            t += weights[i] * Math.log(desirability(i, x[i]));
            wsum += weights[i];
        }
        return Math.exp(t / wsum);
    }

    /** Asymmetric double sigmoid of property {@code index} (0 = MW ... 7 = ALERTS), scaled to at most 1. */
    public static double desirability(int index, double x) {
        double[] p = ADS[index];
        double a = p[0], b = p[1], c = p[2], d = p[3], e = p[4], f = p[5], dmax = p[6];
        double exp1 = 1 + Math.exp(-1 * (x - c + d / 2) / e);
        double exp2 = 1 + Math.exp(-1 * (x - c - d / 2) / f);
        return (a + b / exp1 * (1 - 1 / exp2)) / dmax;
    }
}
