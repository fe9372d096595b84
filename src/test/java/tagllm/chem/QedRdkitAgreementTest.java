package tagllm.chem;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tagllm.data.Dataset;
import tagllm.data.Row;
import tagllm.testutil.Shared;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QED against RDKit 2022.09.3 on the shared SMILES files (column {@code qed}). The task's bar is, per file,
 * mean |diff| <= 0.01 and >= 95% of molecules within 0.03; the implementation reproduces RDKit exactly, so
 * the test also requires 99% of molecules to agree to the file's 8 decimals (|diff| <= 5e-9). zinc20k runs on a seeded sample of 2,000 by
 * default and in full under the "slow" tag.
 */
class QedRdkitAgreementTest {

    record Agreement(String file, int n, double meanAbs, double maxAbs, double within003, double exact) {
        @Override
        public String toString() {
            return String.format("%s: n=%d mean|diff|=%.2e max=%.2e within0.03=%.4f equal(8 dp)=%.4f",
                    file, n, meanAbs, maxAbs, within003, exact);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bbbp.csv", "esol.csv", "freesolv.csv", "lipophilicity.csv"})
    void smallFilesAgreeWithRdkit(String file) {
        check(measure(file, rows(file)));
    }

    @Test
    void zincSampleAgreesWithRdkit() {
        List<Row> rows = new ArrayList<>(rows("zinc20k.csv"));
        Collections.shuffle(rows, new Random(42));
        check(measure("zinc20k.csv (sample)", rows.subList(0, 2000)));
    }

    @Test
    @Tag("slow")
    void zincFullAgreesWithRdkit() {
        check(measure("zinc20k.csv", rows("zinc20k.csv")));
    }

    private static void check(Agreement a) {
        System.out.println(a);
        assertTrue(a.n() > 0, a.file() + ": no rows");
        assertTrue(a.meanAbs() <= 0.01, a.toString());
        assertTrue(a.within003() >= 0.95, a.toString());
        assertTrue(a.exact() >= 0.99, a.toString());
    }

    private static List<Row> rows(String file) {
        return Dataset.read(Shared.data("smiles/" + file)).requireColumns("smiles", "qed").rows();
    }

    static Agreement measure(String file, List<Row> rows) {
        double[] diff = rows.parallelStream()
                .mapToDouble(r -> Math.abs(Qed.qed(r.get("smiles")).qed() - r.getDouble("qed")))
                .toArray();
        double sum = 0, max = 0;
        int within = 0, exact = 0;
        for (double d : diff) {
            sum += d;
            max = Math.max(max, d);
            if (d <= 0.03) within++;
            // the shared file rounds QED to 8 decimals
            if (d <= 5e-9 + 1e-12) exact++;
        }
        int n = diff.length;
        return new Agreement(file, n, sum / n, max, within / (double) n, exact / (double) n);
    }
}
