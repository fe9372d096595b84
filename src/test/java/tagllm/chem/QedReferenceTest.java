package tagllm.chem;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.openscience.cdk.interfaces.IAtom;
import org.openscience.cdk.interfaces.IAtomContainer;
import org.openscience.cdk.interfaces.IBond;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every QED property, and the aromaticity behind them, against RDKit 2022.09.3 on molecules picked to hit
 * the corner cases (resource rdkit-qed-reference.csv, made by tools/chem/rdkit_qed_reference.py).
 */
class QedReferenceTest {

    @TestFactory
    List<DynamicTest> propertiesEqualRdkit() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (CSVRecord r : reference()) {
            tests.add(DynamicTest.dynamicTest(r.get("name") + " " + r.get("smiles"), () -> {
                QedResult q = Qed.qed(r.get("smiles"));
                QedProperties p = q.properties();
                String what = r.get("name");
                assertEquals(Double.parseDouble(r.get("mw")), p.mw(), 1e-9, what + " MW");
                assertEquals(Double.parseDouble(r.get("alogp")), p.alogp(), 1e-9, what + " ALOGP");
                assertEquals(Integer.parseInt(r.get("hba")), p.hba(), what + " HBA");
                assertEquals(Integer.parseInt(r.get("hbd")), p.hbd(), what + " HBD");
                assertEquals(Double.parseDouble(r.get("psa")), p.psa(), 1e-9, what + " PSA");
                assertEquals(Integer.parseInt(r.get("rotb")), p.rotb(), what + " ROTB");
                assertEquals(Integer.parseInt(r.get("arom")), p.arom(), what + " AROM");
                assertEquals(Integer.parseInt(r.get("alerts")), p.alerts(), what + " ALERTS");
                assertEquals(Double.parseDouble(r.get("qed")), q.qed(), 1e-12, what + " QED");
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> aromaticityEqualsRdkit() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (CSVRecord r : reference()) {
            tests.add(DynamicTest.dynamicTest(r.get("name") + " " + r.get("smiles"), () -> {
                IAtomContainer mol = SmilesReader.forThread().parseForRdkitDescriptors(r.get("smiles"));
                int atoms = 0, bonds = 0;
                for (IAtom a : mol.atoms()) if (a.isAromatic()) atoms++;
                for (IBond b : mol.bonds()) if (b.isAromatic()) bonds++;
                assertEquals(Integer.parseInt(r.get("aromatic_atoms")), atoms, "aromatic atoms");
                assertEquals(Integer.parseInt(r.get("aromatic_bonds")), bonds, "aromatic bonds");
            }));
        }
        return tests;
    }

    static List<CSVRecord> reference() throws IOException {
        try (Reader in = new InputStreamReader(QedReferenceTest.class.getResourceAsStream("rdkit-qed-reference.csv"),
                StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setCommentMarker('#').setHeader().setSkipHeaderRecord(true).get().parse(in)) {
            return p.getRecords();
        }
    }
}
