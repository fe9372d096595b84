package tagllm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Y = X·Wᵀ for fewer rows than a register tile (decode, one LM-head row): memory-bound, so each panel of W is
 * streamed once, in its stored type (BF16 stays 2 bytes per weight until it is in a register), while up to four
 * rows of X use it. A panel holds NR output columns with the reduction running down it, so the sums build up in
 * vector accumulators with no horizontal reduction at all. Panels are split over the pool. One row (decode) goes
 * through the native library's copy of the one-row loop where it is loaded: same sums, streamed faster.
 */
final class MatVec {
    private static final VectorSpecies<Float> S = Gemm.S;
    private static final int L = Gemm.L;
    private static final int NR = Gemm.NR;
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, S.vectorShape());
    /** Below this many multiply-adds a task is not worth handing to another thread. */
    private static final int MIN_TASK_WORK = 32_768;

    /**
     * Whether one row goes through the native loop ({@link NativeBf16#matVec}): where the library is loaded and its
     * panels are this JVM's (512-bit vectors). It streams the weights faster than the Java loop (prefetching ahead);
     * the bits are the same. -Dtagllm.nativeMatVec=false keeps the Java loop (for comparisons).
     */
    static final boolean NATIVE_ROW = NR == NativeBf16.PANEL && NativeBf16.available()
            && !"false".equalsIgnoreCase(System.getProperty("tagllm.nativeMatVec", "true"));

    private static final ThreadLocal<float[]> OUT = ThreadLocal.withInitial(() -> new float[4 * Math.max(NR, NativeBf16.PANEL)]);

    private MatVec() {}

    static void xwT(float[] x, int xOff, int m, Matrix w, float[] y, int yOff, boolean accumulate) {
        xwT(x, xOff, m, new Matrix[]{w}, new float[][]{y}, new int[]{yOff}, accumulate);
    }

    /**
     * y_i = X·W_iᵀ for several matrices sharing the input (q, k and v; gate and up) as one parallel pass over all
     * their panels: one hand-off to the pool instead of one per matrix, and no core idles at a matrix boundary.
     */
    static void xwT(float[] x, int xOff, int m, Matrix[] ws, float[][] ys, int[] yOffs, boolean accumulate) {
        int[] first = new int[ws.length + 1];
        for (int i = 0; i < ws.length; i++) first[i + 1] = first[i] + (ws[i].rows() + width(ws[i]) - 1) / width(ws[i]);
        int k = ws[0].cols();
        long outputs = 0;
        for (Matrix w : ws) outputs += w.rows();
        StepProfile.flops(2.0 * m * outputs * k);
        int grain = Math.max(1, MIN_TASK_WORK / Math.max(1, k * NR * m));
        boolean nativeRow = m == 1 && NATIVE_ROW;
        int panels = first[ws.length];
        // halving ranges, so that the core done first takes over only small last ranges of the other's (equal ranges
        // of at most 1 MB of weights had brought the LM head's idle from 9-16% to 3-8% of the call, twelfth pass)
        Parallel.forRangeGuided(panels, grain, (g0, g1) -> {
            if (nativeRow) nativeRow(x, xOff, ws, ys, yOffs, first, g0, g1, accumulate);
            else javaPanels(x, xOff, m, ws, ys, yOffs, first, g0, g1, accumulate);
        });
    }

    /** Output columns of a panel of w: Java's {@link #NR}, or the native layout's 32 for a matrix computing in BF16. */
    private static int width(Matrix w) { return w.bf16Compute() ? NativeBf16.PANEL : NR; }

    /** Panels [g0, g1) of the matrices (numbered through all of them, as first lays them out) for m rows of x. */
    static void javaPanels(float[] x, int xOff, int m, Matrix[] ws, float[][] ys, int[] yOffs, int[] first, int g0, int g1,
                           boolean accumulate) {
        float[] out = OUT.get();
        int k = ws[0].cols(), wi = 0;
        for (int g = g0; g < g1; g++) {
            while (g >= first[wi + 1]) wi++;
            Matrix w = ws[wi];
            int p = g - first[wi], n = w.rows();
            float[] y = ys[wi];
            int pw = width(w);
            for (int i = 0; i < m; i += 4) {
                int rows = Math.min(4, m - i);
                if (w.bf16Compute()) packedPanel(x, xOff + i * k, k, rows, w.nativePacked(), p, out);
                else panel(x, xOff + i * k, k, rows, w, p, out);
                int j0 = p * pw, width = Math.min(pw, n - j0);
                for (int r = 0; r < rows; r++) {
                    int yo = yOffs[wi] + (i + r) * n + j0;
                    if (accumulate) {
                        for (int jj = 0; jj < width; jj++) y[yo + jj] += out[r * pw + jj];
                    } else {
                        System.arraycopy(out, r * pw, y, yo, width);
                    }
                }
            }
        }
    }

    /**
     * Panels [g0, g1) of the matrices (numbered through all of them, as first lays them out) for one row through the
     * native loop: the same bits as {@link #panel}'s one-row loop, one call per matrix the range touches.
     */
    static void nativeRow(float[] x, int xOff, Matrix[] ws, float[][] ys, int[] yOffs, int[] first, int g0, int g1,
                          boolean accumulate) {
        for (int wi = 0; wi < ws.length && g0 < g1; wi++) {
            int p0 = Math.max(g0, first[wi]) - first[wi], p1 = Math.min(g1, first[wi + 1]) - first[wi];
            if (p0 >= p1) continue;
            Matrix w = ws[wi];
            if (w.bf16Compute()) {
                NativeBf16.matVec(x, xOff, w.cols(), w.nativePacked(), p0, p1, w.rows(), ys[wi], yOffs[wi], accumulate);
            } else if (w.packedF32() != null) {
                NativeBf16.matVec(x, xOff, w.cols(), w.packedF32(), p0, p1, w.rows(), ys[wi], yOffs[wi], accumulate);
            } else {
                NativeBf16.matVec(x, xOff, w.cols(), w.packedBf16(), p0, p1, w.rows(), ys[wi], yOffs[wi], accumulate);
            }
        }
    }

    /** out[r][0..NR) = Σ_p x[r][p] · panel[p][0..NR) for rows r < rows (1..4) of x at xo (row stride k). */
    private static void panel(float[] x, int xo, int k, int rows, Matrix w, int panel, float[] out) {
        float[] f = w.packedF32();
        short[] b = w.packedBf16();
        int base = panel * k * NR;
        if (rows == 1) {
            // Two interleaved accumulator pairs: four independent FMA chains hide the FMA latency.
            FloatVector s0 = FloatVector.zero(S), s1 = s0, t0 = s0, t1 = s0;
            int p = 0;
            for (; p + 1 < k; p += 2) {
                int o = base + p * NR;
                FloatVector x0 = FloatVector.broadcast(S, x[xo + p]), x1 = FloatVector.broadcast(S, x[xo + p + 1]);
                s0 = x0.fma(load(f, b, o), s0);
                s1 = x0.fma(load(f, b, o + L), s1);
                t0 = x1.fma(load(f, b, o + NR), t0);
                t1 = x1.fma(load(f, b, o + NR + L), t1);
            }
            if (p < k) {
                int o = base + p * NR;
                FloatVector x0 = FloatVector.broadcast(S, x[xo + p]);
                s0 = x0.fma(load(f, b, o), s0);
                s1 = x0.fma(load(f, b, o + L), s1);
            }
            s0.add(t0).intoArray(out, 0);
            s1.add(t1).intoArray(out, L);
            return;
        }
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        int x0 = xo, x1 = xo + Math.min(1, rows - 1) * k, x2 = xo + Math.min(2, rows - 1) * k, x3 = xo + Math.min(3, rows - 1) * k;
        for (int p = 0; p < k; p++) {
            int o = base + p * NR;
            FloatVector w0 = load(f, b, o), w1 = load(f, b, o + L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + p]);
            a0 = v.fma(w0, a0);
            a1 = v.fma(w1, a1);
            v = FloatVector.broadcast(S, x[x1 + p]);
            b0 = v.fma(w0, b0);
            b1 = v.fma(w1, b1);
            v = FloatVector.broadcast(S, x[x2 + p]);
            c0 = v.fma(w0, c0);
            c1 = v.fma(w1, c1);
            v = FloatVector.broadcast(S, x[x3 + p]);
            d0 = v.fma(w0, d0);
            d1 = v.fma(w1, d1);
        }
        // Rows beyond `rows` repeat the last one (valid reads, results not stored).
        a0.intoArray(out, 0);
        a1.intoArray(out, L);
        b0.intoArray(out, NR);
        b1.intoArray(out, NR + L);
        c0.intoArray(out, 2 * NR);
        c1.intoArray(out, 2 * NR + L);
        d0.intoArray(out, 3 * NR);
        d1.intoArray(out, 3 * NR + L);
    }

    /**
     * {@link #panel} for a matrix held in BF16 compute's layout (Wᵀ packed, {@link Matrix#withBf16Compute}): panel
     * q holds 32 output columns, word j of pair p holding W[j][2p] in its low half and W[j][2p + 1] in its high half,
     * so one int vector widens to the weights of two reduction steps (a shift, a mask). out[r][0..32). The sums are
     * panel's: one row in even and odd accumulators added at the end (the native one-row loop's, the same bits), more
     * rows each in one accumulator, reduction in order. The panel goes L columns at a time.
     */
    private static void packedPanel(float[] x, int xo, int k, int rows, MemorySegment wt, int panel, float[] out) {
        int wp = NativeBf16.PANEL;
        long base = 4L * panel * ((k + 1) / 2) * wp;
        for (int v = 0; v < wp; v += L) {
            long o = base + 4L * v;
            if (rows == 1) {
                FloatVector s = FloatVector.zero(S), t = s;
                int p = 0;
                for (; p + 1 < k; p += 2, o += 4L * wp) {
                    IntVector w = IntVector.fromMemorySegment(INTS, wt, o, ByteOrder.LITTLE_ENDIAN);
                    s = FloatVector.broadcast(S, x[xo + p]).fma(low(w), s);
                    t = FloatVector.broadcast(S, x[xo + p + 1]).fma(high(w), t);
                }
                if (p < k) {
                    IntVector w = IntVector.fromMemorySegment(INTS, wt, o, ByteOrder.LITTLE_ENDIAN);
                    s = FloatVector.broadcast(S, x[xo + p]).fma(low(w), s);
                }
                s.add(t).intoArray(out, v);
                continue;
            }
            FloatVector a = FloatVector.zero(S), b = a, c = a, d = a;
            int x0 = xo, x1 = xo + Math.min(1, rows - 1) * k, x2 = xo + Math.min(2, rows - 1) * k, x3 = xo + Math.min(3, rows - 1) * k;
            for (int p = 0; p < k; p += 2, o += 4L * wp) {
                IntVector w = IntVector.fromMemorySegment(INTS, wt, o, ByteOrder.LITTLE_ENDIAN);
                FloatVector lo = low(w);
                a = FloatVector.broadcast(S, x[x0 + p]).fma(lo, a);
                b = FloatVector.broadcast(S, x[x1 + p]).fma(lo, b);
                c = FloatVector.broadcast(S, x[x2 + p]).fma(lo, c);
                d = FloatVector.broadcast(S, x[x3 + p]).fma(lo, d);
                if (p + 1 < k) {
                    FloatVector hi = high(w);
                    a = FloatVector.broadcast(S, x[x0 + p + 1]).fma(hi, a);
                    b = FloatVector.broadcast(S, x[x1 + p + 1]).fma(hi, b);
                    c = FloatVector.broadcast(S, x[x2 + p + 1]).fma(hi, c);
                    d = FloatVector.broadcast(S, x[x3 + p + 1]).fma(hi, d);
                }
            }
            // rows beyond `rows` repeat the last one (valid reads, results not stored)
            a.intoArray(out, v);
            b.intoArray(out, wp + v);
            c.intoArray(out, 2 * wp + v);
            d.intoArray(out, 3 * wp + v);
        }
    }

    /** The low BF16 halves of the words, widened exactly. */
    private static FloatVector low(IntVector w) { return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); }

    /** The high BF16 halves of the words, widened exactly. */
    private static FloatVector high(IntVector w) { return w.lanewise(VectorOperators.AND, 0xffff0000).reinterpretAsFloats(); }

    private static FloatVector load(float[] f, short[] b, int off) {
        return f != null ? FloatVector.fromArray(S, f, off) : bf16(b, off);
    }

    /** Upcasts L BF16 values exactly (bits << 16) into a float vector. */
    static FloatVector bf16(short[] b, int off) {
        IntVector wide = (IntVector) ShortVector.fromArray(SHORTS, b, off).convertShape(VectorOperators.S2I, INTS, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
