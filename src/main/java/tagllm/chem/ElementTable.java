package tagllm.chem;

import java.util.Arrays;

/**
 * Per-element constants the way RDKit 2022.09 knows them (resource {@code elements.tsv}).
 * QED is defined by RDKit's implementation, so its molecular weight and its aromaticity
 * model must see RDKit's atomic weights, default valences and outer-shell electron counts.
 */
final class ElementTable {
    private static final int MAX_Z = 118;
    private static final double[] WEIGHT = new double[MAX_Z + 1];
    private static final int[] DEFAULT_VALENCE = new int[MAX_Z + 1];
    private static final int[] OUTER_ELECTRONS = new int[MAX_Z + 1];
    private static final int[][] VALENCES = new int[MAX_Z + 1][];

    static {
        Arrays.fill(DEFAULT_VALENCE, -1);
        Arrays.fill(VALENCES, new int[] {-1});
        for (String[] f : ResourceTable.rows("elements.tsv")) {
            int z = Integer.parseInt(f[0]);
            WEIGHT[z] = Double.parseDouble(f[2]);
            DEFAULT_VALENCE[z] = Integer.parseInt(f[3]);
            OUTER_ELECTRONS[z] = Integer.parseInt(f[4]);
            VALENCES[z] = Arrays.stream(f[5].split(",")).mapToInt(Integer::parseInt).toArray();
        }
    }

    private ElementTable() {}

    static boolean known(int z) { return z >= 1 && z <= MAX_Z; }

    /** Average atomic weight; 0 for a dummy atom. */
    static double weight(int z) { return known(z) ? WEIGHT[z] : 0.0; }

    /** RDKit's default valence, -1 when the element has none (metals, dummies, out of range). */
    static int defaultValence(int z) { return known(z) ? DEFAULT_VALENCE[z] : -1; }

    static int outerElectrons(int z) { return known(z) ? OUTER_ELECTRONS[z] : 0; }

    /** Allowed valences in increasing order; {-1} when any valence is allowed. */
    static int[] valences(int z) { return known(z) ? VALENCES[z] : new int[] {-1}; }

    /**
     * RDKit's electronegativity order: more outer electrons wins, ties go to the lighter element.
     */
    static boolean moreElectronegative(int z1, int z2) {
        int e1 = outerElectrons(z1), e2 = outerElectrons(z2);
        return e1 > e2 || (e1 == e2 && z1 < z2);
    }
}
