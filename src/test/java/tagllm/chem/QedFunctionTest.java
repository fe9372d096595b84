package tagllm.chem;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The desirability functions and the weighted mean, against values worked out by hand from the published parameters. */
class QedFunctionTest {

    @Test
    void desirabilityIsTheAsymmetricDoubleSigmoid() {
        // MW at x = C: exp1 = 1 + exp(-(D/2)/E), exp2 = 1 + exp((D/2)/F)
        double a = 2.817065973, b = 392.5754953, c = 290.7489764, d = 2.419764353, e = 49.22325677, f = 65.37051707,
                dmax = 104.9805561;
        double exp1 = 1 + Math.exp(-(d / 2) / e), exp2 = 1 + Math.exp((d / 2) / f);
        assertEquals((a + b / exp1 * (1 - 1 / exp2)) / dmax, Qed.desirability(0, c), 1e-15);
        // ALERTS at 3, by hand: exp1 = 1 + e^-16.62 ~ 1, exp2 = 1 + e^-3.53069 = 1.029285,
        // (0.01 + 1199.094025 * (1 - 1/1.029285)) / 417.725314 = (0.01 + 34.1164) / 417.725314 = 0.0816957
        assertEquals(0.0816957, Qed.desirability(7, 3), 1e-6);
        for (int n = 0; n < 5; n++) assertTrue(Qed.desirability(7, n + 1) < Qed.desirability(7, n), "more alerts, less desirable");
    }

    @Test
    void scoreIsTheWeightedGeometricMean() {
        QedProperties p = new QedProperties(300, 2.5, 4, 1, 60, 4, 2, 0);
        double[] x = p.toArray();
        double t = 0, w = 0;
        for (int i = 0; i < 8; i++) {
            t += Qed.WEIGHTS_MEAN[i] * Math.log(Qed.desirability(i, x[i]));
            w += Qed.WEIGHTS_MEAN[i];
        }
        assertEquals(Math.exp(t / w), Qed.score(p, Qed.WEIGHTS_MEAN), 1e-15);
        // unit weights: the plain geometric mean
        double prod = 1;
        for (int i = 0; i < 8; i++) prod *= Qed.desirability(i, x[i]);
        assertEquals(Math.pow(prod, 1.0 / 8), Qed.score(p, Qed.WEIGHTS_NONE), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Qed.score(p, new double[] {1, 2}));
    }

    @Test
    void rdkitDocstringExamples() {
        // rdkit/Chem/QED.py doctests (RDKit 2022.09, ELLIPSIS): 0.253..., 0.234..., 0.234...
        assertTrue(Double.toString(Qed.qed("N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O").qed()).startsWith("0.253"));
        assertTrue(Double.toString(Qed.qed("CNC(=NCCSCc1nc[nH]c1C)NC#N").qed()).startsWith("0.234"));
        assertTrue(Double.toString(Qed.qed("CCCCCNC(=N)NN=Cc1c[nH]c2ccc(CO)cc12").qed()).startsWith("0.234"));
    }

    @Test
    void moleculeApiLeavesTheInputUnchangedAndAgreesWithTheStringApi() throws Exception {
        // straight from CDK's parser: neutral pentavalent nitro, as a caller might hold it
        var mol = new org.openscience.cdk.smiles.SmilesParser(org.openscience.cdk.silent.SilentChemObjectBuilder.getInstance())
                .parseSmiles("O=N(=O)c1ccc(O)cc1");
        int charged = 0;
        QedResult r = Qed.qed(mol);
        for (var a : mol.atoms()) if (a.getFormalCharge() != 0) charged++;
        assertEquals(0, charged, "the caller's molecule keeps its neutral nitro form");
        assertEquals(Qed.qed("O=N(=O)c1ccc(O)cc1"), r);
    }

    @Test
    void parallelCallsGiveTheSequentialResults() {
        String[] smiles = {"CC(=O)Oc1ccccc1C(=O)O", "c1ccc2[nH]ccc2c1", "O=C1N=C2C(=C1C#N)c3ccc(N4CCSCC4)c5cccc2c35",
                "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "FC(F)(F)c1ccc(Cl)cc1Br", "CCOP(=O)(OCC)Cc1ccccc1"};
        double[] sequential = new double[smiles.length];
        for (int i = 0; i < smiles.length; i++) sequential[i] = Qed.qed(smiles[i]).qed();
        double[] parallel = java.util.stream.IntStream.range(0, 600).parallel()
                .mapToDouble(i -> Qed.qed(smiles[i % smiles.length]).qed()).toArray();
        for (int i = 0; i < parallel.length; i++) assertEquals(sequential[i % smiles.length], parallel[i], 0.0);
    }

    @Test
    void aromaticMoleculesWithoutKekuleOrdersAreKekulised() throws Exception {
        var parser = new org.openscience.cdk.smiles.SmilesParser(org.openscience.cdk.silent.SilentChemObjectBuilder.getInstance());
        parser.kekulise(false);
        var mol = parser.parseSmiles("Cc1ccc2[nH]ccc2c1");
        assertEquals(Qed.qed("Cc1ccc2[nH]ccc2c1"), Qed.qed(mol));
        var noHydrogens = parser.parseSmiles("CCO");
        noHydrogens.getAtom(0).setImplicitHydrogenCount(null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Qed.qed(noHydrogens));
        assertTrue(e.getMessage().contains("atom 1"), e.getMessage());
    }
}
