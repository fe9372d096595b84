package tagllm.chem;

import org.junit.jupiter.api.Test;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SmilesReaderTest {
    private final SmilesReader reader = SmilesReader.forThread();

    @Test
    void invalidSmilesNameTheStringAndTheReason() {
        SmilesException e = assertThrows(SmilesException.class, () -> reader.parse("C1CC"));
        assertEquals("C1CC", e.smiles());
        assertTrue(e.getMessage().contains("'C1CC'") && e.getMessage().toLowerCase().contains("ring"), e.getMessage());
        assertTrue(assertThrows(SmilesException.class, () -> reader.parse("CX")).getMessage().contains("at character 2"));
        assertThrows(SmilesException.class, () -> reader.parse(""));
        assertThrows(SmilesException.class, () -> reader.parse("   "));
        assertThrows(SmilesException.class, () -> reader.parse(null));
        assertThrows(SmilesException.class, () -> reader.parse("c1cccc1"), "not kekulisable");
        assertThrows(SmilesException.class, () -> reader.parse("C".repeat(SmilesReader.MAX_LENGTH + 1)));
    }

    @Test
    void valencesRdkitRejectsAreRejected() {
        SmilesException e = assertThrows(SmilesException.class, () -> reader.parse("C(C)(C)(C)(C)C"));
        assertTrue(e.getMessage().contains("valence 5"), e.getMessage());
        assertThrows(SmilesException.class, () -> reader.parse("CN(C)(C)C"), "neutral four-bonded N");
        assertThrows(SmilesException.class, () -> reader.parse("CO(C)C"), "neutral three-bonded O");
        // charged and hypervalent forms RDKit accepts
        for (String ok : new String[] {"C[N+](C)(C)C", "C[O+](C)C", "F[B-](F)(F)F", "CS(=O)(=O)C", "CP(=O)(O)O",
                "O=N(=O)c1ccccc1", "[O-]Cl(=O)(=O)=O", "CN=N#N", "[C-]#[O+]", "Cl[Pt]Cl", "[cH-]1cccc1"})
            assertTrue(reader.isValid(ok), ok);
    }

    @Test
    void cleanUpChargeSeparatesLikeRdkit() {
        IAtomContainer nitro = reader.parse("CN(=O)=O");
        assertEquals(1, charge(nitro, 7));
        assertEquals(-1, charge(nitro, 8));
        IAtomContainer azide = reader.parse("CN=N#N");
        int plus = 0, minus = 0;
        for (IAtom a : azide.atoms()) {
            if (a.getFormalCharge() == 1) plus++;
            if (a.getFormalCharge() == -1) minus++;
        }
        assertEquals(1, plus);
        assertEquals(1, minus);
        IAtomContainer perchlorate = reader.parse("[O-]Cl(=O)(=O)=O");
        assertEquals(3, charge(perchlorate, 17));
    }

    /**
     * A bare proton has no InChI, by which CDK numbers atoms for canonical SMILES: "An InChI could not be generated
     * and used to canonise SMILES: null". RDKit (Chem.MolToSmiles(Chem.MolFromSmiles("[H+]"))) writes [H+]; so
     * does CDK's own labelling. With an isotope the InChI numbering is needed: a clear error naming the input.
     */
    @Test
    void aBareProtonHasACanonicalForm() {
        assertEquals("[H+]", reader.canonicalise("[H+]"));
        assertEquals("[H+].[H+]", reader.canonicalise("[H+].[H+]"));
        SmilesException e = assertThrows(SmilesException.class, () -> reader.canonicalise("[2H+]"));
        assertTrue(e.getMessage().contains("'[2H+]'") && e.getMessage().contains("InChI library cannot describe"), e.getMessage());
        // a molecule whose InChI exists is unchanged: still InChI-numbered, as before
        assertEquals(reader.canonicalise("[Cl-].[H+]"), reader.canonicalise("[H+].[Cl-]"));
    }

    @Test
    void canonicalFormIsTheSameForEveryWayOfWritingAMolecule() {
        String a = reader.canonicalise("OCC"), b = reader.canonicalise("C(O)C"), c = reader.canonicalise("[CH3][CH2][OH]");
        assertEquals(a, b);
        assertEquals(a, c);
        assertEquals(reader.canonicalise("c1ccccc1O"), reader.canonicalise("Oc1ccccc1"));
        assertEquals(reader.canonicalise("C1=CC=CC=C1"), reader.canonicalise("c1ccccc1"));
        String aspirin = reader.canonicalise("CC(=O)Oc1ccccc1C(=O)O");
        assertEquals(aspirin, reader.canonicalise(aspirin), "canonical of canonical");
        // stereo is kept: enantiomers stay different
        assertNotEquals(reader.canonicalise("C[C@H](N)C(=O)O"), reader.canonicalise("C[C@@H](N)C(=O)O"));
        assertFalse(reader.isValid("not a smiles"));
    }

    @Test
    void hydrogensWrittenAsAtomsGiveTheCanonicalFormWithoutThem() {
        // methanol, ethanol and (S)-CHFClBr written with and without explicit hydrogen atoms are one molecule each
        assertEquals(reader.canonicalise("CO"), reader.canonicalise("[H]OC"));
        assertEquals(reader.canonicalise("CO"), reader.canonicalise("OC([H])([H])[H]"));
        assertEquals(reader.canonicalise("CCO"), reader.canonicalise("[H]C([H])([H])C([H])([H])O[H]"));
        // [H][C@](F)(Cl)Br: from H, F-Cl-Br anticlockwise; F[C@@H](Cl)Br: from F, H-Cl-Br clockwise (one swap)
        assertEquals(reader.canonicalise("F[C@@H](Cl)Br"), reader.canonicalise("[H][C@](F)(Cl)Br"));
        assertNotEquals(reader.canonicalise("F[C@H](Cl)Br"), reader.canonicalise("[H][C@](F)(Cl)Br"));
        // hydrogens that are themselves the point stay: deuterium, a proton's charge, dihydrogen
        assertNotEquals(reader.canonicalise("CO"), reader.canonicalise("[2H]OC"));
        assertEquals(reader.canonicalise("[2H]OC"), reader.canonicalise("CO[2H]"));
        assertEquals("[H][H]", reader.canonicalise("[H][H]"));
    }

    @Test
    void stereoMarksOnAtomsThatAreNoStereocentreAreDropped() {
        // isopropanol's C2 carries two methyls; 2-methylpropene's C2 two methyls; a 4-substituted piperidine's C4 two
        // identical ring arms: marks there describe nothing, and RDKit drops them
        assertEquals(reader.canonicalise("CC(C)O"), reader.canonicalise("C[C@H](C)O"));
        assertEquals(reader.canonicalise("CC(C)O"), reader.canonicalise("C[C@@H](C)O"));
        assertEquals(reader.canonicalise("CC=C(C)C"), reader.canonicalise("C/C=C(/C)C"));
        assertEquals(reader.canonicalise("OCCC1CCN(C)CC1"), reader.canonicalise("OCC[C@@H]1CCN(C)CC1"));
        assertEquals(reader.canonicalise("OCCC1CCN(C)CC1"), reader.canonicalise("OCC[C@H]1CCN(C)CC1"));
        assertEquals(reader.canonicalise("CC1CCCCC1"), reader.canonicalise("C[C@H]1CCCCC1"));
        // real stereo stays: enantiomers, E/Z, cis/trans ring pairs (1,4-dimethylcyclohexane, decalin)
        assertNotEquals(reader.canonicalise("C[C@H](N)O"), reader.canonicalise("C[C@@H](N)O"));
        assertNotEquals(reader.canonicalise("C/C=C/C"), reader.canonicalise("C/C=C\\C"));
        assertNotEquals(reader.canonicalise("C[C@H]1CC[C@H](C)CC1"), reader.canonicalise("C[C@H]1CC[C@@H](C)CC1"));
        assertNotEquals(reader.canonicalise("C1CC[C@H]2CCCC[C@H]2C1"), reader.canonicalise("C1CC[C@H]2CCCC[C@@H]2C1"));
        // cis-decalin is its own mirror image: both spellings are one molecule
        assertEquals(reader.canonicalise("C1CC[C@H]2CCCC[C@H]2C1"), reader.canonicalise("C1CC[C@@H]2CCCC[C@@H]2C1"));
    }

    private static int charge(IAtomContainer mol, int z) {
        for (IAtom a : mol.atoms()) if (a.getAtomicNumber() == z && a.getFormalCharge() != 0) return a.getFormalCharge();
        return 0;
    }
}
