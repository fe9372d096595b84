package tagllm.chem;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tagllm.data.Dataset;
import tagllm.data.Row;
import tagllm.testutil.Shared;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProteinDescriptorsTest {

    /** Every row of both shared protein files, against peptides 0.3.2 (blosum1) and Biopython 1.80 (the rest). */
    @ParameterizedTest
    @ValueSource(strings = {"deepsol.csv", "dta_targets.csv"})
    void everyRowMatchesPeptidesAndBiopython(String file) {
        List<Row> rows = Dataset.read(Shared.data("protein/" + file)).rows();
        assertTrue(rows.size() > 1000, file);
        for (Row r : rows) {
            ProteinProperties p = ProteinDescriptors.compute(r.get("sequence"));
            String at = file + ":" + r.line();
            close(r.getDouble("blosum1"), p.blosum1(), at + " blosum1");
            close(r.getDouble("molecular_weight"), p.molecularWeight(), at + " molecular_weight");
            close(r.getDouble("aromaticity"), p.aromaticity(), at + " aromaticity");
            close(r.getDouble("instability_index"), p.instabilityIndex(), at + " instability_index");
            close(r.getDouble("isoelectric_point"), p.isoelectricPoint(), at + " isoelectric_point");
            close(r.getDouble("gravy"), p.gravy(), at + " gravy");
            assertEquals(Integer.parseInt(r.get("nonstandard")), p.nonstandard(), at + " nonstandard");
        }
    }

    /** 1e-3 relative, with an absolute floor for values near zero (the files round to 8 decimals). */
    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.max(1e-3 * Math.abs(expected), 1e-7), what);
    }

    @Test
    void blosum1MatchesThePeptidesTableAndDocstring() {
        // peptides.Peptide("KLKLLLLLKLK").descriptors()["BLOSUM1"] -> -0.4827...
        assertEquals(-0.4827, ProteinDescriptors.blosum1("KLKLLLLLKLK"), 1e-4);
        // by hand from the table: (K 1.14 * 4 + L -1.41 * 7) / 11
        assertEquals((1.14 * 4 - 1.41 * 7) / 11, ProteinDescriptors.blosum1("KLKLLLLLKLK"), 1e-12);
        // unknown residues add 0 but count in the length; lower case is unknown to peptides
        assertEquals((0.08 + 0.0 + -1.08) / 3, ProteinDescriptors.blosum1("AXC"), 1e-12);
        assertEquals(0.0, ProteinDescriptors.blosum1("ac"), 0.0);
        assertThrows(IllegalArgumentException.class, () -> ProteinDescriptors.blosum1(""));
    }

    @Test
    void biopythonDocstringExamples() {
        // Bio.SeqUtils.IsoelectricPoint doctests: INGAR 9.75, PETER 4.53; molecular_weight("AGC", "protein") 249.29
        assertEquals("9.75", String.format(java.util.Locale.ROOT, "%.2f", ProteinDescriptors.compute("INGAR").isoelectricPoint()));
        assertEquals("4.53", String.format(java.util.Locale.ROOT, "%.2f", ProteinDescriptors.compute("PETER").isoelectricPoint()));
        assertEquals("249.29", String.format(java.util.Locale.ROOT, "%.2f", ProteinDescriptors.compute("AGC").molecularWeight()));
    }

    @Test
    void nonStandardResiduesAreRemovedForBiopythonDescriptors() {
        ProteinProperties withX = ProteinDescriptors.compute("MKXXWF");
        ProteinProperties clean = ProteinDescriptors.compute("MKWF");
        assertEquals(2, withX.nonstandard());
        assertEquals(clean.molecularWeight(), withX.molecularWeight(), 0.0);
        assertEquals(0.5, clean.aromaticity(), 1e-15);
        assertTrue(withX.blosum1() != clean.blosum1(), "BLOSUM1 keeps X in the length");
        assertEquals(clean.gravy(), ProteinDescriptors.compute("mkwf").gravy(), 0.0, "Biopython upper-cases");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProteinDescriptors.compute("XXBZ"));
        assertTrue(e.getMessage().contains("XXBZ"));
    }
}
