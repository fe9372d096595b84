package tagllm.chem;

import java.util.List;

/**
 * Protein sequence descriptors without Python: BLOSUM1 exactly as {@code peptides} 0.3.2 computes the
 * paper's Descriptor label, and molecular weight, aromaticity, instability index, isoelectric point and
 * GRAVY as Biopython 1.80's {@code ProteinAnalysis} computes them. Thread-safe (immutable tables).
 */
public final class ProteinDescriptors {
    private ProteinDescriptors() {}

    private static final String STANDARD = "ACDEFGHIKLMNPQRSTVWY";
    /** Mass of the water lost per peptide bond (average masses). */
    private static final double WATER = 18.0153;
    private static final double[] WEIGHT = new double[128];
    private static final double[] KYTE_DOOLITTLE = new double[128];
    private static final double[] BLOSUM1 = new double[128];
    private static final double[][] DIWV = new double[128][128];

    // Biopython 1.80 Bio.SeqUtils.IsoelectricPoint pK values
    private static final double PK_NTERM = 7.5, PK_CTERM = 3.55;
    private static final double PK_K = 10.0, PK_R = 12.0, PK_H = 5.98;
    private static final double PK_D = 4.05, PK_E = 4.45, PK_C = 9.0, PK_Y = 10.0;

    static {
        List<String[]> rows = table("amino-acids.tsv");
        if (rows.size() != 20) throw new IllegalStateException("amino-acids.tsv: expected 20 residues, found " + rows.size());
        for (String[] r : rows) {
            char aa = r[0].charAt(0);
            WEIGHT[aa] = Double.parseDouble(r[1]);
            KYTE_DOOLITTLE[aa] = Double.parseDouble(r[2]);
            BLOSUM1[aa] = Double.parseDouble(r[3]);
        }
        List<String[]> matrix = table("instability-diwv.tsv");
        for (String[] r : matrix) {
            char first = r[0].charAt(0);
            for (int j = 0; j < 20; j++) DIWV[first][STANDARD.charAt(j)] = Double.parseDouble(r[j + 1]);
        }
    }

    /** All descriptors of a sequence. */
    public static ProteinProperties compute(String sequence) {
        double blosum = blosum1(sequence);
        String standard = standardResidues(sequence);
        if (standard.isEmpty())
            throw new IllegalArgumentException("protein sequence has none of the 20 standard residues: '" + abbreviate(sequence) + "'");
        return new ProteinProperties(blosum, molecularWeight(standard), aromaticity(standard), instabilityIndex(standard),
                isoelectricPoint(standard), gravy(standard), sequence.length() - standard.length());
    }

    /**
     * peptides 0.3.2 BLOSUM1: the mean over every character of the sequence as given (case-sensitive);
     * a character outside the table (X, B, Z, U, O, J, lower case, ...) adds 0 but still counts in the length.
     */
    public static double blosum1(String sequence) {
        if (sequence == null || sequence.isEmpty()) throw new IllegalArgumentException("empty protein sequence");
        double sum = 0;
        for (int i = 0; i < sequence.length(); i++) {
            char c = sequence.charAt(i);
            if (c < 128) sum += BLOSUM1[c];
        }
        return sum / sequence.length();
    }

    /** Upper-cased (as Biopython does) and restricted to the 20 standard residues. */
    public static String standardResidues(String sequence) {
        StringBuilder sb = new StringBuilder(sequence.length());
        for (int i = 0; i < sequence.length(); i++) {
            char c = Character.toUpperCase(sequence.charAt(i));
            if (STANDARD.indexOf(c) >= 0) sb.append(c);
        }
        return sb.toString();
    }

    static double molecularWeight(String s) {
        double sum = 0;
        for (int i = 0; i < s.length(); i++) sum += WEIGHT[s.charAt(i)];
        return sum - (s.length() - 1) * WATER;
    }

    static double aromaticity(String s) {
        int n = s.length();
        return (double) count(s, 'Y') / n + (double) count(s, 'W') / n + (double) count(s, 'F') / n;
    }

    static double instabilityIndex(String s) {
        double score = 0;
        for (int i = 0; i + 1 < s.length(); i++) score += DIWV[s.charAt(i)][s.charAt(i + 1)];
        return (10.0 / s.length()) * score;
    }

    static double gravy(String s) {
        double sum = 0;
        for (int i = 0; i < s.length(); i++) sum += KYTE_DOOLITTLE[s.charAt(i)];
        return sum / s.length();
    }

    /** Bisection on the net charge between pH 4.05 and 12, stopping when the interval is below 1e-4, as Biopython. */
    static double isoelectricPoint(String s) {
        double pKn = switch (s.charAt(0)) {
            case 'A' -> 7.59; case 'M' -> 7.0; case 'S' -> 6.93; case 'P' -> 8.36;
            case 'T' -> 6.82; case 'V' -> 7.44; case 'E' -> 7.7;
            default -> PK_NTERM;
        };
        double pKc = switch (s.charAt(s.length() - 1)) {
            case 'D' -> 4.55; case 'E' -> 4.75;
            default -> PK_CTERM;
        };
        int k = count(s, 'K'), r = count(s, 'R'), h = count(s, 'H');
        int d = count(s, 'D'), e = count(s, 'E'), c = count(s, 'C'), y = count(s, 'Y');
        double pH = 7.775, min = 4.05, max = 12;
        while (max - min > 0.0001) {
            double charge = positive(pH, pKn) + k * positive(pH, PK_K) + r * positive(pH, PK_R) + h * positive(pH, PK_H)
                    - (negative(pH, pKc) + d * negative(pH, PK_D) + e * negative(pH, PK_E) + c * negative(pH, PK_C)
                    + y * negative(pH, PK_Y));
            if (charge > 0.0) min = pH;
            else max = pH;
            pH = (min + max) / 2;
        }
        return pH;
    }

    private static double positive(double pH, double pK) { return 1.0 / (Math.pow(10, pH - pK) + 1.0); }

    private static double negative(double pH, double pK) { return 1.0 / (Math.pow(10, pK - pH) + 1.0); }

    private static int count(String s, char aa) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) == aa) n++;
        return n;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** A table's rows after its header line. */
    private static List<String[]> table(String resource) {
        List<String[]> rows = ResourceTable.rows(resource);
        return rows.isEmpty() ? rows : rows.subList(1, rows.size());
    }
}
