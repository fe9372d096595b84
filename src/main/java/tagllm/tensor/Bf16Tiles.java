package tagllm.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One thread's working state for a product computed tile by tile through the native BF16 kernels
 * ({@link NativeBf16#tileJobs}): its list of tiles, its A operand rounded to BF16 and its B packed. Attention's
 * products run this way under BF16 compute ({@link BlockAttention}): one call per block instead of one per tile
 * (per-tile calls cost what BF16 saved), each tile still covering only the keys or rows its rows see.
 */
final class Bf16Tiles {
    private static final ThreadLocal<Bf16Tiles> MINE = ThreadLocal.withInitial(Bf16Tiles::new);

    private int[] jobs = new int[NativeBf16.JOB * 64];
    private int count;
    private final short[][] a = new short[3][0];
    private final MemorySegment[] b = new MemorySegment[3];
    private MemorySegment work;

    private Bf16Tiles() {}

    /** This thread's, with no tiles. */
    static Bf16Tiles get() { return MINE.get().clear(); }

    Bf16Tiles clear() {
        count = 0;
        return this;
    }

    /** A tile: rows [r0, r0 + rows) of C, panel q's columns, over reduction elements [k0, k1) (k0 even). */
    void add(int r0, int rows, int panel, int k0, int k1) {
        if (NativeBf16.JOB * (count + 1) > jobs.length) jobs = Arrays.copyOf(jobs, 2 * jobs.length);
        int at = NativeBf16.JOB * count++;
        jobs[at] = r0;
        jobs[at + 1] = rows;
        jobs[at + 2] = panel;
        jobs[at + 3] = k0;
        jobs[at + 4] = k1;
    }

    /** x's first rows rows of cols floats (dense) in BF16 A slot number slot, at row stride lda (even, >= cols). */
    short[] a(int slot, float[] x, int rows, int cols, int lda) {
        if (a[slot].length < rows * lda) a[slot] = new short[Math.max(rows * lda, a[slot].length * 3 / 2)];
        NativeBf16.toBf16(x, 0, rows, cols, a[slot], 0, lda);
        return a[slot];
    }

    /** B[red × cols] (FP32 rows at stride ld) packed in B slot number slot. */
    MemorySegment b(int slot, float[] src, int ld, int red, int cols) {
        long bytes = 4 * NativeBf16.packedWords(red, cols);
        if (b[slot] == null || b[slot].byteSize() < bytes) {
            b[slot] = Arena.ofAuto().allocate(Math.max(bytes, b[slot] == null ? 0 : b[slot].byteSize() * 3 / 2), 64);
        }
        NativeBf16.packF32(src, 0, ld, red, cols, b[slot]);
        return b[slot];
    }

    /** This thread's native work area of at least bytes bytes, at a 64-byte boundary (grown as needed). */
    MemorySegment work(long bytes) {
        if (work == null || work.byteSize() < bytes) {
            work = Arena.ofAuto().allocate(Math.max(bytes, work == null ? 0 : work.byteSize() * 3 / 2), 64);
        }
        return work;
    }

    /** C's tiles (written, not added) = A·B over each tile's reduction range; A at row stride lda, C at ldc. */
    void run(short[] a, int lda, MemorySegment b, int red, int cols, float[] c, int ldc) {
        NativeBf16.tileJobs(a, lda, b, red, cols, jobs, count, c, ldc, false);
    }
}
