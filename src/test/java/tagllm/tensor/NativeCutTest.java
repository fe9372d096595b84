package tagllm.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeCutTest {
    /** {panels, rows}: SmolLM2-135M's products (18, 6, 48 and 96 panels at 992 rows), few rows, one panel, odd sizes. */
    private static final int[][] SHAPES = {
            {18, 992}, {6, 992}, {48, 992}, {96, 992}, {18, 124}, {1, 1}, {1, 14}, {3, 15}, {5, 200}, {176, 512},
            {2, 3000}, {40, 29}};

    @Test
    void everyOutputElementIsInExactlyOneTaskOfWholeTilesAndPanels() {
        int mr = Gemm.MR;
        for (int threads : new int[]{1, 2, 3, 8}) for (boolean fine : new boolean[]{true, false}) {
            for (int[] shape : SHAPES) {
                int panels = shape[0], m = shape[1];
                NativeCut cut = NativeCut.of(panels, m, threads, fine);
                int[][] seen = new int[m][panels];
                for (int t = 0; t < cut.tasks(); t++) {
                    int r0 = cut.firstRow(t), r1 = cut.endRow(t), p0 = cut.firstPanel(t), p1 = cut.endPanel(t);
                    String where = "task " + t + " of " + panels + " panels × " + m + " rows, " + threads + " threads";
                    assertTrue(0 <= r0 && r0 < r1 && r1 <= m && 0 <= p0 && p0 < p1 && p1 <= panels, where);
                    assertEquals(0, r0 % mr, where + ": rows start on a tile");
                    assertTrue(r1 == m || r1 % mr == 0, where + ": rows end on a tile or at the last row");
                    for (int r = r0; r < r1; r++) for (int p = p0; p < p1; p++) seen[r][p]++;
                }
                int[] starts = cut.shareStarts();
                assertEquals(threads, starts.length);
                assertEquals(0, starts[0]);
                for (int i = 1; i < threads; i++) assertTrue(starts[i - 1] <= starts[i] && starts[i] <= cut.tasks(), "shares in order");
                for (int r = 0; r < m; r++) {
                    for (int p = 0; p < panels; p++) assertEquals(1, seen[r][p], "row " + r + ", panel " + p + " of " + panels + " × " + m);
                }
            }
        }
    }

    @Test
    void theEndOfEveryThreadsShareIsCutFiner() {
        // SmolLM2's o product at 992 rows (71 row tiles of 14; as many tiles of Gemm.MR rows here), two threads: a grid of 3 panel groups (6 panels each) × 11
        // row blocks of 6 or 7 tiles, 33 tasks in shares of 16 and 17; each share's last three grid tasks in 8, 4
        // and 2 pieces, by rows, 8 capped by the block's tiles: share 0 ends in blocks 4 (7 tiles) and 5 (6 tiles),
        // 13 + 2 + 4 + 6 = 25 tasks; share 1 in block 10 (7 tiles), 14 + 2 + 4 + 7 = 27
        int m = 71 * Gemm.MR - 2;
        NativeCut cut = NativeCut.of(18, m, 2, true);
        assertEquals(52, cut.tasks());
        assertArrayEquals(new int[]{0, 25}, cut.shareStarts());
        for (int[] share : new int[][]{{0, 25}, {25, 52}}) {
            int first = share[0], last = share[1] - 1;
            assertEquals(6 * 6, area(cut, first), "a grid task: 6 or 7 tiles × 6 panels");
            assertEquals(6, area(cut, last), "the share's last task: one tile × 6 panels");
            assertEquals(6, cut.endPanel(last) - cut.firstPanel(last));
        }
        // without finer ends (a call that runs on its caller alone): the plain grid, shares at the even split
        NativeCut plain = NativeCut.of(18, m, 2, false);
        assertEquals(33, plain.tasks());
        assertArrayEquals(new int[]{0, 16}, plain.shareStarts());
        assertEquals(6 * 6, area(plain, 15));
        // one thread: one share of 3 groups × 6 row blocks (11 or 12 tiles), its last grid task (12 tiles) in 8
        // pieces of 1 or 2 tiles, the last of 2
        NativeCut alone = NativeCut.of(18, m, 1, true);
        assertArrayEquals(new int[]{0}, alone.shareStarts());
        assertEquals(18 - 3 + 2 + 4 + 8, alone.tasks());
        assertEquals(2 * 6, area(alone, alone.tasks() - 1));
    }

    /** Row tiles × panels of task t. */
    private static int area(NativeCut cut, int t) {
        return (cut.endRow(t) - cut.firstRow(t) + Gemm.MR - 1) / Gemm.MR * (cut.endPanel(t) - cut.firstPanel(t));
    }
}
