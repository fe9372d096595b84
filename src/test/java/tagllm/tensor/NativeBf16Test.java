package tagllm.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The native BF16 library: found, loaded and refused for the right reasons, its wrappers' argument checks, and
 * src/main/c/build.sh's skip, up-to-date and failure cases. The kernels' numerics are tested beside Gemm.
 */
class NativeBf16Test {
    private static final Path BUILD_SCRIPT = Path.of("src/main/c/build.sh");
    private static final String SKIPPED = "tagllm: native BF16 kernels skipped: ";

    /** The CPU flags the kernels need, read independently of the library's own check. */
    private static boolean cpuHasBf16() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) return false;
        for (String line : Files.readAllLines(cpuinfo)) {
            if (line.startsWith("flags")) {
                Set<String> flags = Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                return flags.containsAll(List.of("avx512f", "avx512bw", "avx512_bf16"));
            }
        }
        return false;
    }

    private static URL builtLibrary() {
        return NativeBf16.class.getResource(Bf16Library.RESOURCE);
    }

    /**
     * Skips unless the build produced the library, the CPU can run it and it is not switched off with
     * -Dtagllm.native=false (.ci/run runs the suite once more that way, as a CPU without the instructions would);
     * the reason is the loader's status.
     */
    private static void assumeNativeUsable() throws IOException {
        assumeTrue(builtLibrary() != null && cpuHasBf16() && !switchedOff(), NativeBf16::status);
    }

    private static boolean switchedOff() { return "false".equalsIgnoreCase(System.getProperty("tagllm.native")); }

    @Test
    void loadsTheBuiltLibraryWhereTheCpuSupportsIt() throws IOException {
        assumeNativeUsable();
        assertTrue(NativeBf16.available(), NativeBf16::status);
        String version = NativeBf16.version();
        assertFalse(version.isBlank());
        assertTrue(NativeBf16.status().startsWith(version + " from "), NativeBf16.status());
    }

    @Test
    void refusesWhereTheCpuLacksTheInstructions() throws IOException {
        assumeTrue(builtLibrary() != null && !cpuHasBf16() && System.getProperty("os.name").startsWith("Linux")
                        && !switchedOff(),
                "needs the built library on a CPU without avx512_bf16");
        assertFalse(NativeBf16.available());
        assertTrue(NativeBf16.status().startsWith("this CPU lacks"), NativeBf16.status());
        IllegalStateException e = assertThrows(IllegalStateException.class, NativeBf16::version);
        assertEquals(NativeBf16.status(), e.getMessage());
    }

    @Test
    void extractsTheLibraryFromAJar(@TempDir Path dir) throws IOException {
        assumeNativeUsable();
        Path jar = dir.resolve("kernels.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             InputStream in = builtLibrary().openStream()) {
            out.putNextEntry(new JarEntry(Bf16Library.RESOURCE.substring(1)));
            in.transferTo(out);
        }
        URL inJar = URI.create("jar:" + jar.toUri() + "!" + Bf16Library.RESOURCE).toURL();
        Path extractTo = Files.createDirectory(dir.resolve("tmp"));
        Bf16Library library = Bf16Library.load(true, "Linux", "amd64", inJar, extractTo);
        assertTrue(library.available(), library.status());
        assertTrue(library.status().endsWith(" from " + inJar), library.status());
        // the copy dlopen read is removed at once (a killed JVM's deleteOnExit never runs), and the kernels still work
        try (var left = Files.list(extractTo)) {
            assertEquals(List.of(), left.toList());
        }
        float[] x = {1.5f, -2.25f};
        short[] bits = new short[2];
        try {
            library.toBf16().invokeExact(MemorySegment.ofArray(x), 1, 2, MemorySegment.ofArray(bits), 2);
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
        assertArrayEquals(new short[] {(short) 0x3FC0, (short) 0xC010}, bits); // 1.5 and -2.25 are exact in BF16
    }

    @Test
    void saysWhyWhenDisabledElsewhereOrAbsent() {
        URL url = builtLibrary();
        Bf16Library disabled = Bf16Library.load(false, "Linux", "amd64", url);
        assertFalse(disabled.available());
        assertEquals("disabled by -Dtagllm.native=false", disabled.status());

        Bf16Library mac = Bf16Library.load(true, "Mac OS X", "aarch64", url);
        assertFalse(mac.available());
        assertTrue(mac.status().contains("Mac OS X aarch64"), mac.status());

        Bf16Library absent = Bf16Library.load(true, "Linux", "amd64", null);
        assertFalse(absent.available());
        assertTrue(absent.status().contains("native/linux-x86_64/libtagllm_bf16.so on the class path"), absent.status());
    }

    @Test
    void aLibraryThatCannotBeLoadedBecomesAStatusNotAnException(@TempDir Path dir) throws IOException {
        // A missing file rather than a junk one: HotSpot warns on stderr about the stack guard of any non-ELF file.
        Path missing = dir.resolve("libtagllm_bf16.so");
        Bf16Library library = Bf16Library.load(true, "Linux", "x86_64", missing.toUri().toURL());
        assertFalse(library.available());
        assertTrue(library.status().startsWith("cannot load " + missing + ": "), library.status());
    }

    @Test
    void aLibraryWithoutTheKernelsNamesTheMissingSymbol(@TempDir Path dir) throws Exception {
        Path script = scriptInNewSourceFolder(dir);
        Path src = script.getParent();
        Files.writeString(src.resolve("other.c"), "int tl_other(void) { return 1; }\n");
        Path out = dir.resolve("classes");
        Run run = build(script, out, null);
        assertEquals(0, run.exit(), run.output());
        Bf16Library library = Bf16Library.load(true, "Linux", "amd64", library(out).toUri().toURL());
        assertFalse(library.available());
        assertEquals("cannot load " + library(out) + ": no symbol tl_bf16_supported in " + library(out), library.status());
    }

    @Test
    void aLibraryThatReportsNoCpuSupportIsNotUsed(@TempDir Path dir) throws Exception {
        Path script = scriptInNewSourceFolder(dir);
        Path src = script.getParent();
        // The entry points of the real library, on a CPU that (as this stand-in claims) lacks AVX512-BF16.
        Files.writeString(src.resolve("unsupported.c"), """
                #include <stdint.h>
                int tl_bf16_supported(void) { return 0; }
                const char* tl_bf16_version(void) { return "stand-in 0"; }
                void tl_to_bf16(const float* x, int rows, int cols, uint16_t* out, int ldo) {}
                void tl_xwt_bf16a(const uint16_t* a, int lda, int m, int k, const uint16_t* w, int n, int j0, int j1, float* y, int acc) {}
                void tl_xw_bf16a(const uint16_t* a, int lda, int m, int n, const uint16_t* w, int k, int c0, int c1, float* x, int acc) {}
                void tl_pack_bf16(const uint16_t* w, int red, int cols, int transposed, int p0, int p1, uint32_t* dst) {}
                void tl_gemm_packed_bf16(const uint16_t* a, int lda, int m, int red, const uint32_t* b, int cols, int c0, int c1, float* y, int ldy, int acc) {}
                void tl_pack_bf16_from_wt(const uint32_t* wt, int red, int cols, int q0, int q1, uint32_t* dst) {}
                void tl_xw_wt_bf16a(const uint16_t* a, int lda, int m, int n, const uint32_t* wt, int k, int c0, int c1, float* x, int ldx, int acc) {}
                void tl_pack_f32(const float* b, int ldb, int red, int cols, uint32_t* dst) {}
                void tl_tile_jobs(const uint16_t* a, int lda, const uint32_t* b, int red, int cols, const int* jobs, int njobs, float* c, int ldc, int acc) {}
                void tl_f32_tiles(const float* a, int lda, const float* b, int ldb, int kc, float* c, int ldc, const int* jobs, int njobs) {}
                void tl_f32_block(const float* a, int lda, int m, int kc, const float* b, long pstride, int panels, int width, float* c, int ldc, int load) {}
                long tl_attention_work_bytes(int m, int nk, int hd) { return 0; }
                void tl_attention_forward(const float* q, int ldq, const float* k, const float* v, int ldk, int rows, int group, int hd, int nk, const int* keys, float scale, float* out, int ldo, float* stats, void* work) {}
                long tl_attention_backward_work_bytes(int m, int nk, int hd) { return 0; }
                void tl_attention_backward(const float* q, int ldq, const float* k, const float* v, int ldk, const float* lse, int ldl, const float* dout, float* dq, const int* qrow, int ldd, float* dk, float* dv, const int* krow, int rows, int group, int hd, int nk, const int* keys, float scale, void* work) {}
                void tl_matvec_f32(const float* x, int k, const float* w, int p0, int p1, int n, float* y, int acc) {}
                void tl_matvec_bf16(const float* x, int k, const uint16_t* w, int p0, int p1, int n, float* y, int acc) {}
                void tl_matvec_wt(const float* x, int k, const uint32_t* wt, int p0, int p1, int n, float* y, int acc) {}
                float tl_bf16_peak(long iters) { return 0; }
                """);
        Path out = dir.resolve("classes");
        Run run = build(script, out, null);
        assertEquals(0, run.exit(), run.output());
        Bf16Library library = Bf16Library.load(true, "Linux", "amd64", library(out).toUri().toURL());
        assertFalse(library.available());
        assertEquals("this CPU lacks AVX512F, AVX512BW or AVX512_BF16 (stand-in 0 loaded from " + library(out) + ")",
                library.status());
    }

    /**
     * A block converted into a wider matrix (the SwiGLU epilogue's use): each row writes its values and the pad after
     * an odd count, nothing else; out must hold (rows − 1)·ldo plus the last row's values, not rows·ldo.
     */
    @Test
    void convertsABlockOfAWiderMatrixInPlace() throws IOException {
        assumeNativeUsable();
        float[] x = {1, 2, 3, 4, 5, 6};
        short[] out = new short[19];
        Arrays.fill(out, (short) 0x7777);
        NativeBf16.toBf16(x, 0, 2, 3, out, 5, 10);
        short one = 0x3f80, two = 0x4000, three = 0x4040, four = 0x4080, five = 0x40a0, six = 0x40c0; // exact in BF16
        short u = 0x7777;
        assertArrayEquals(new short[]{u, u, u, u, u, one, two, three, 0, u, u, u, u, u, u, four, five, six, 0}, out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeBf16.toBf16(x, 0, 2, 3, new short[18], 5, 10));
        assertEquals("out: need 14 BF16 values from offset 5, array has 18", e.getMessage());
    }

    @Test
    void wrappersNameTheOperandThatDoesNotFit() {
        MemorySegment w = MemorySegment.ofArray(new short[3 * 4]);   // n=3, k=4
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xwT(new short[7], 0, 4, 2, 4, w, 3, 0, 3, new float[6], 0, false));
        assertEquals("a: need 8 BF16 values from offset 0, array has 7", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xwT(new short[8], 0, 4, 2, 4, w, 3, 0, 3, new float[6], 1, false));
        assertEquals("y: need 6 floats from offset 1, array has 6", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xwT(new short[8], 0, 4, 2, 4, w, 3, 2, 4, new float[6], 0, false));
        assertTrue(e.getMessage().startsWith("j0..j1 = 2..4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xwT(new short[12], 0, 6, 2, 5, w, 3, 0, 3, new float[6], 0, false));
        assertEquals("w: need 30 bytes for 3×5 BF16, segment has 24", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xwT(new short[10], 0, 5, 2, 5, w, 3, 0, 3, new float[6], 0, false));
        assertEquals("lda: 5 is not an even row stride >= 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xw(new short[5], 0, 4, 2, 3, w, 4, 0, 4, new float[8], 0, false));
        assertEquals("a: need 8 BF16 values from offset 0, array has 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xw(new short[8], 0, 4, 2, 3, w, 4, 0, 4, new float[8], -1, false));
        assertEquals("dx: need 8 floats from offset -1, array has 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.xw(new short[8], 0, 4, 2, 3, w, 4, 3, 2, new float[8], 0, false));
        assertTrue(e.getMessage().startsWith("c0..c1 = 3..2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.toBf16(new float[5], 0, 2, 3, new short[8], 0, 4));
        assertEquals("x: need 6 floats from offset 0, array has 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.toBf16(new float[6], 0, 2, 3, new short[8], 0, 3));
        assertTrue(e.getMessage().contains("need an even stride >= cols"), e.getMessage());
    }

    /**
     * One small product by hand, through offsets, a column range and accumulate: the wrappers pass the operands
     * where the kernels expect them. Values are small integers, exact in BF16 and in any summation order.
     */
    @Test
    void wrappersPassOffsetsRangesAndAccumulate() throws IOException {
        assumeNativeUsable();
        // w is 3×4: rows (1 2 0 -1), (0 1 1 0), (2 0 -1 3)
        float[][] wRows = {{1, 2, 0, -1}, {0, 1, 1, 0}, {2, 0, -1, 3}};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(2L * 12, 64);
            for (int j = 0; j < 3; j++) {
                for (int c = 0; c < 4; c++) {
                    w.setAtIndex(ValueLayout.JAVA_SHORT, j * 4 + c, (short) (Float.floatToIntBits(wRows[j][c]) >>> 16));
                }
            }
            // x is 2×4 from offset 1: (1 1 1 1), (2 -1 0 1), converted to BF16 rows of 4 from offset 1
            float[] x = {99, 1, 1, 1, 1, 2, -1, 0, 1};
            short[] xb = new short[1 + 2 * 4];
            NativeBf16.toBf16(x, 1, 2, 4, xb, 1, 4);
            float[] y = {7, 10, 10, 10, 10, 10, 10};
            NativeBf16.xwT(xb, 1, 4, 2, 4, w, 3, 1, 3, y, 1, true);
            // columns 1..2 of x·wᵀ: row 0 (2, 4), row 1 (-1, 7); column 0 and y[0] untouched
            assertArrayEquals(new float[]{7, 10, 12, 14, 10, 9, 17}, y);
            NativeBf16.xwT(xb, 1, 4, 2, 4, w, 3, 0, 3, y, 1, false);
            assertArrayEquals(new float[]{7, 2, 2, 4, -1, -1, 7}, y);

            // dy is 2×3 from offset 2: (1 0 2), (0 -1 1), as BF16 rows of 4 (the odd column's pair padded with zero);
            // dy·w = (5 2 -2 5), (2 -1 -2 3)
            float[] dy = {5, 5, 1, 0, 2, 0, -1, 1};
            short[] dyb = new short[2 + 2 * 4];
            java.util.Arrays.fill(dyb, (short) 0x4120);   // 10.0: must be overwritten where read
            NativeBf16.toBf16(dy, 2, 2, 3, dyb, 2, 4);
            assertEquals(0, dyb[2 + 3], "the pad after an odd row is zero");
            float[] dx = {3, 3, 3, 3, 3, 3, 3, 3};
            NativeBf16.xw(dyb, 2, 4, 2, 3, w, 4, 1, 3, dx, 0, false);
            assertArrayEquals(new float[]{3, 2, -2, 3, 3, -1, -2, 3}, dx);
            NativeBf16.xw(dyb, 2, 4, 2, 3, w, 4, 0, 4, dx, 0, true);
            assertArrayEquals(new float[]{8, 4, -4, 8, 5, -2, -4, 6}, dx);
        }
    }

    /**
     * B packed once (its panels by two calls, as two threads would) and read by column ranges gives the bits the
     * per-call packing gives, and so does every column computed a panel at a time (the one-panel register tile, not
     * the two-panel one), for both products, reductions of one to three blocks (odd ones too), panels cut by the
     * matrix edge and accumulate; a buffer too short or off a 64-byte boundary is refused before any work.
     */
    @Test
    void packedOnceEqualsPackedPerCall() throws IOException {
        assumeNativeUsable();
        java.util.Random rnd = new java.util.Random(5);
        int[][] shapes = {{29, 576, 70}, {15, 1537, 33}, {40, 1030, 96}, {3, 1, 1}, {14, 64, 200}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] sh : shapes) {
                int m = sh[0], red = sh[1], cols = sh[2], lda = (red + 1) & ~1, panels = (cols + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
                for (boolean transposed : new boolean[]{true, false}) {
                    for (boolean acc : new boolean[]{false, true}) {
                        MemorySegment w = randomBf16(arena, red, cols, rnd);
                        short[] a = randomBf16Rows(m, red, lda, rnd);
                        float[] perCall = new float[m * cols], once = new float[m * cols], panelwise = new float[m * cols];
                        for (int i = 0; i < perCall.length; i++) perCall[i] = once[i] = panelwise[i] = (float) rnd.nextGaussian();
                        MemorySegment b = arena.allocate(4 * NativeBf16.packedWords(red, cols), 64);
                        NativeBf16.pack(w, red, cols, transposed, 0, panels / 2, b);
                        NativeBf16.pack(w, red, cols, transposed, panels / 2, panels, b);
                        for (int c0 = 0; c0 < cols; c0 += 64) {
                            int c1 = Math.min(cols, c0 + 64);
                            if (transposed) NativeBf16.xwT(a, 0, lda, m, red, w, cols, c0, c1, perCall, 0, acc);
                            else NativeBf16.xw(a, 0, lda, m, red, w, cols, c0, c1, perCall, 0, acc);
                            NativeBf16.packedProduct(a, 0, lda, m, red, b, cols, c0, c1, once, 0, acc);
                        }
                        assertArrayEquals(perCall, once, m + "×" + red + "×" + cols + (transposed ? " xwT" : " xw") + (acc ? " acc" : ""));
                        // a panel at a time: every column through the one-panel tile instead of the two-panel one
                        for (int c0 = 0; c0 < cols; c0 += NativeBf16.PANEL) {
                            NativeBf16.packedProduct(a, 0, lda, m, red, b, cols, c0, Math.min(cols, c0 + NativeBf16.PANEL), panelwise, 0, acc);
                        }
                        assertArrayEquals(once, panelwise, m + "×" + red + "×" + cols + " panel by panel");
                    }
                }
            }
            MemorySegment w = arena.allocate(2L * 64 * 64, 64);
            MemorySegment shortB = arena.allocate(4 * NativeBf16.packedWords(64, 64) - 4, 64);
            assertThrows(IllegalArgumentException.class, () -> NativeBf16.pack(w, 64, 64, true, 0, 2, shortB));
            MemorySegment offset = arena.allocate(4 * NativeBf16.packedWords(64, 64) + 64, 64).asSlice(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeBf16.pack(w, 64, 64, true, 0, 2, offset));
            assertTrue(e.getMessage().contains("64-byte boundary"), e.getMessage());
            MemorySegment b = arena.allocate(4 * NativeBf16.packedWords(64, 64), 64);
            short[] a = new short[14 * 64];
            IllegalArgumentException mid = assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.packedProduct(a, 0, 64, 14, 64, b, 64, 16, 64, new float[14 * 64], 0, false));
            assertTrue(mid.getMessage().contains("does not start a panel of 32 columns"), mid.getMessage());
        }
    }

    /**
     * A product into a block of its own (a task's buffer: columns c0..c1 at row stride ld, wider than the block)
     * holds, element for element, the bits the same columns get in the whole output, for packed B and for W read
     * from Java's panels, with and without accumulate (the block starting from the output's own values); the
     * block's padding past its width is left alone, and a stride narrower than the block is refused.
     */
    @Test
    void aBlockOfItsOwnHoldsTheBitsOfTheWholeOutput() throws IOException {
        assumeNativeUsable();
        java.util.Random rnd = new java.util.Random(7);
        int[][] shapes = {{29, 576, 70}, {15, 1537, 33}, {40, 1030, 96}, {3, 1, 1}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] sh : shapes) {
                int m = sh[0], red = sh[1], cols = sh[2], lda = (red + 1) & ~1, panels = (cols + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
                MemorySegment w = randomBf16(arena, red, cols, rnd);
                MemorySegment b = arena.allocate(4 * NativeBf16.packedWords(red, cols), 64);
                NativeBf16.pack(w, red, cols, false, 0, panels, b);
                MemorySegment wt = transposedPacked(arena, w, red, cols);
                short[] a = randomBf16Rows(m, red, lda, rnd);
                for (boolean acc : new boolean[]{false, true}) {
                    for (boolean fromPanels : new boolean[]{false, true}) {
                        float[] whole = new float[m * cols];
                        for (int i = 0; i < whole.length; i++) whole[i] = (float) rnd.nextGaussian();
                        float[] start = whole.clone();
                        for (int c0 = 0; c0 < cols; c0 += 64) {
                            int c1 = Math.min(cols, c0 + 64), width = c1 - c0, ld = width + 5, off = 3;
                            float[] block = new float[off + m * ld];
                            Arrays.fill(block, -7f);
                            for (int r = 0; r < m; r++) System.arraycopy(start, r * cols + c0, block, off + r * ld, width);
                            if (fromPanels) {
                                NativeBf16.xwFromTransposed(a, 0, lda, m, red, wt, cols, c0, c1, whole, 0, acc);
                                NativeBf16.xwFromTransposedBlock(a, 0, lda, m, red, wt, cols, c0, c1, block, off, ld, acc);
                            } else {
                                NativeBf16.packedProduct(a, 0, lda, m, red, b, cols, c0, c1, whole, 0, acc);
                                NativeBf16.packedProductBlock(a, 0, lda, m, red, b, cols, c0, c1, block, off, ld, acc);
                            }
                            String what = m + "×" + red + "×" + cols + " columns " + c0 + ".." + c1 + (fromPanels ? " from Wᵀ" : "") + (acc ? " acc" : "");
                            for (int r = 0; r < m; r++) {
                                for (int c = 0; c < width; c++) {
                                    assertEquals(Float.floatToRawIntBits(whole[r * cols + c0 + c]), Float.floatToRawIntBits(block[off + r * ld + c]),
                                            what + " at " + r + "," + c);
                                }
                                for (int c = width; c < ld && off + r * ld + c < block.length; c++) assertEquals(-7f, block[off + r * ld + c], what + " padding");
                            }
                            assertEquals(-7f, block[0], what + " before the block");
                        }
                    }
                }
            }
            MemorySegment b = arena.allocate(4 * NativeBf16.packedWords(64, 64), 64);
            IllegalArgumentException narrow = assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.packedProductBlock(new short[14 * 64], 0, 64, 14, 64, b, 64, 0, 64, new float[14 * 64], 0, 63, false));
            assertTrue(narrow.getMessage().contains("row stride 63"), narrow.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.packedProductBlock(new short[14 * 64], 0, 64, 14, 64, b, 64, 0, 32, new float[13 * 40 + 31], 0, 40, false));
        }
    }

    /**
     * W for dx = dy·W packed from Java's panels (column-major panels of pr rows, the last zero-padded: Matrix's
     * layout) gives the very words packing from row-major W gives, and xw over the panels the bits of xw over
     * row-major W: for panel heights 32 (Matrix under 512-bit vectors), 16 (256-bit) and 2, odd row counts (the pair
     * past the last row), reduction blocks that start inside a panel (red 1030 and 1537 are cut at 516 and 770) and
     * columns cut by the matrix edge. Bad panel shapes are refused before any work.
     */
    /**
     * tl_pack_f32 + tl_tile_jobs against sums in double over the BF16-rounded operands: each tile covers exactly its
     * rows, its panel's columns (the last panel narrower) and its reduction range (odd lengths read A's zero at k1, an
     * odd red B's zero pair), and nothing outside the tiles is written. Sums of exact products in FP32: the reference
     * agrees to ~10⁻⁶ of the row's magnitude, where one missing or extra element is ~10⁻².
     */
    @Test
    void tilesOverTheirOwnRangesMatchSumsOverRoundedOperands() throws IOException {
        assumeNativeUsable();
        java.util.Random rnd = new java.util.Random(5);
        for (int[] shape : new int[][] {{40, 75, 70}, {28, 64, 124}, {16, 9, 33}}) {
            int m = shape[0], red = shape[1], cols = shape[2], lda = (red + 2) & ~1, ldc = cols + 3;
            float[] a = new float[m * red], b = new float[red * (cols + 5)];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
            short[] ab = new short[m * lda];
            NativeBf16.toBf16(a, 0, m, red, ab, 0, lda);
            MemorySegment packed = Arena.ofAuto().allocate(4 * NativeBf16.packedWords(red, cols), 64);
            NativeBf16.packF32(b, 0, cols + 5, red, cols, packed);
            int panels = (cols + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
            java.util.List<int[]> tiles = new java.util.ArrayList<>();
            for (int r0 = 0; r0 < m; r0 += 14) {
                for (int q = 0; q < panels; q++) {
                    if (rnd.nextInt(4) == 0) continue; // some tiles are left out: their C must stay untouched
                    int k0 = 2 * rnd.nextInt(red / 2 + 1), k1 = k0 + rnd.nextInt(red - k0 + 1);
                    tiles.add(new int[] {r0, Math.min(14, m - r0), q, k0, k1});
                }
            }
            // the element at k1 of an odd range is read as the pair's second half: zero it in A, as callers do
            for (int[] t : tiles) {
                if (((t[4] - t[3]) & 1) == 1 && t[4] < red) {
                    for (int r = t[0]; r < t[0] + t[1]; r++) ab[r * lda + t[4]] = 0;
                }
            }
            int[] jobs = new int[NativeBf16.JOB * tiles.size()];
            for (int i = 0; i < tiles.size(); i++) System.arraycopy(tiles.get(i), 0, jobs, NativeBf16.JOB * i, NativeBf16.JOB);
            float[] c = new float[m * ldc];
            Arrays.fill(c, Float.NaN);
            NativeBf16.tileJobs(ab, lda, packed, red, cols, jobs, tiles.size(), c, ldc, false);
            boolean[] covered = new boolean[m * ldc];
            for (int[] t : tiles) {
                for (int r = t[0]; r < t[0] + t[1]; r++) {
                    for (int j = t[2] * NativeBf16.PANEL; j < Math.min(cols, (t[2] + 1) * NativeBf16.PANEL); j++) {
                        double ref = 0, mag = 0;
                        for (int k = t[3]; k < t[4]; k++) {
                            double x = Bf16.toFloat(ab[r * lda + k]) * (double) Bf16.toFloat(Bf16.round(b[k * (cols + 5) + j]));
                            ref += x;
                            mag += Math.abs(x);
                        }
                        covered[r * ldc + j] = true;
                        assertEquals(ref, c[r * ldc + j], 1e-6 * mag + 1e-30, "shape " + Arrays.toString(shape) + " tile "
                                + Arrays.toString(t) + " row " + r + " column " + j);
                    }
                }
            }
            for (int i = 0; i < c.length; i++) {
                if (!covered[i]) assertTrue(Float.isNaN(c[i]), "written outside the tiles at " + i);
            }
        }
    }

    /**
     * One row through Matrix's panels (decode): the native loop gives the Java loop's bits for F32 and BF16 weights
     * (and both loops over the same BF16 weights held as BF16 compute holds them),
     * whole and partial last panels, odd and even reductions, any panel range, with and without accumulating; its sums
     * agree with double ones; it writes only its panels' columns below n.
     */
    @Test
    void oneRowThroughThePanelsHasTheJavaLoopsBits() throws IOException {
        assumeNativeUsable();
        assumeTrue(Gemm.NR == NativeBf16.PANEL, "the JVM's panels are " + Gemm.NR + " columns wide");
        java.util.Random rnd = new java.util.Random(11);
        for (boolean bf16 : new boolean[] {false, true}) {
            for (int[] shape : new int[][] {{1, 1}, {31, 2}, {32, 7}, {33, 64}, {100, 577}, {130, 576}}) {
                int n = shape[0], k = shape[1];
                float[][] rows = new float[n][k];
                for (float[] r : rows) for (int c = 0; c < k; c++) r[c] = (float) rnd.nextGaussian();
                Matrix w = bf16
                        ? Matrix.bf16(n, k, (r, dst) -> { for (int c = 0; c < k; c++) dst[c] = Bf16.round(rows[r][c]); })
                        : Matrix.f32(n, k, (r, dst) -> System.arraycopy(rows[r], 0, dst, 0, k));
                int panels = Matrix.panels(n), xOff = 3, yOff = 5;
                float[] x = new float[xOff + k];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                for (boolean accumulate : new boolean[] {false, true}) {
                    int p0 = rnd.nextInt(panels), p1 = p0 + 1 + rnd.nextInt(panels - p0);
                    float[] start = new float[yOff + n + 40];
                    for (int i = 0; i < start.length; i++) start[i] = (float) rnd.nextGaussian();
                    float[] viaNative = start.clone(), viaJava = start.clone();
                    if (bf16) NativeBf16.matVec(x, xOff, k, w.packedBf16(), p0, p1, n, viaNative, yOff, accumulate);
                    else NativeBf16.matVec(x, xOff, k, w.packedF32(), p0, p1, n, viaNative, yOff, accumulate);
                    MatVec.javaPanels(x, xOff, 1, new Matrix[] {w}, new float[][] {viaJava}, new int[] {yOff},
                            new int[] {0, panels}, p0, p1, accumulate);
                    if (bf16) {
                        // the same weights held as BF16 compute holds them (Wᵀ packed): both loops give the same bits
                        Matrix wc = w.withBf16Compute();
                        float[] wtNative = start.clone(), wtJava = start.clone();
                        NativeBf16.matVec(x, xOff, k, wc.nativePacked(), p0, p1, n, wtNative, yOff, accumulate);
                        MatVec.javaPanels(x, xOff, 1, new Matrix[] {wc}, new float[][] {wtJava}, new int[] {yOff},
                                new int[] {0, panels}, p0, p1, accumulate);
                        for (int i = 0; i < start.length; i++) {
                            assertEquals(Float.floatToRawIntBits(viaJava[i]), Float.floatToRawIntBits(wtNative[i]), "native over Wᵀ at " + i);
                            assertEquals(Float.floatToRawIntBits(viaJava[i]), Float.floatToRawIntBits(wtJava[i]), "Java over Wᵀ at " + i);
                        }
                    }
                    String what = (bf16 ? "BF16 " : "F32 ") + n + "×" + k + " panels " + p0 + ".." + p1 + (accumulate ? " accumulating" : "");
                    for (int i = 0; i < start.length; i++) {
                        int j = i - yOff;
                        boolean inside = j >= p0 * NativeBf16.PANEL && j < Math.min(n, p1 * NativeBf16.PANEL);
                        if (!inside) {
                            assertEquals(Float.floatToRawIntBits(start[i]), Float.floatToRawIntBits(viaNative[i]), what + ": wrote outside at " + i);
                            continue;
                        }
                        assertEquals(Float.floatToRawIntBits(viaJava[i]), Float.floatToRawIntBits(viaNative[i]), what + ": column " + j);
                        double ref = accumulate ? start[i] : 0, mag = Math.abs(ref);
                        for (int c = 0; c < k; c++) {
                            double v = (double) x[xOff + c] * (bf16 ? Bf16.toFloat(Bf16.round(rows[j][c])) : rows[j][c]);
                            ref += v;
                            mag += Math.abs(v);
                        }
                        assertEquals(ref, viaNative[i], 1e-6 * mag, what + ": column " + j + " against a double sum");
                    }
                }
            }
        }
        float[] panels = new float[2 * 8 * NativeBf16.PANEL];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.matVec(new float[8], 0, 8, panels, 0, 3, 70, new float[70], 0, false));
        assertEquals("panels: need 768 values for 70×8 in panels of 32 columns, array has 512", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.matVec(new float[8], 0, 8, panels, 0, 2, 40, new float[39], 0, false));
        assertEquals("y: need 40 floats from offset 0, array has 39", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> NativeBf16.matVec(new float[8], 0, 8, panels, 1, 3, 40, new float[40], 0, false));
        assertEquals("panels 1..3 of 2", e.getMessage());
    }

    /** Tiles that do not fit their operands are refused, naming the job. */
    @Test
    void tilesOutsideTheOperandsAreRefused() throws IOException {
        assumeNativeUsable();
        MemorySegment packed = Arena.ofAuto().allocate(4 * NativeBf16.packedWords(10, 40), 64);
        short[] a = new short[14 * 10];
        float[] c = new float[14 * 40];
        for (int[] bad : new int[][] {{0, 15, 0, 0, 10}, {0, 14, 2, 0, 10}, {0, 14, 0, 1, 10}, {0, 14, 0, 0, 11}, {1, 14, 0, 0, 10}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.tileJobs(a, 10, packed, 10, 40, bad, 1, c, 40, false));
            assertTrue(e.getMessage().contains("job 0") || e.getMessage().contains("need"), e.getMessage());
        }
    }

    /**
     * B = W packed from Wᵀ packed whole (the one copy a BF16-compute matrix keeps) gives the words of packing W
     * itself, in any order of row-panel ranges, each range writing only its own words; dx = dy·W from Wᵀ (packed a
     * chunk at a time) gives the bits of dx = dy·W from row-major W; odd and even shapes, partial panels.
     */
    @Test
    void transposedPacksLikeRowMajor() throws IOException {
        assumeNativeUsable();
        java.util.Random rnd = new java.util.Random(6);
        int[][] shapes = {{29, 576, 70}, {15, 1537, 33}, {40, 1030, 96}, {3, 1, 1}, {14, 63, 200}, {20, 2, 31}, {17, 96, 1536}};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] sh : shapes) {
                int m = sh[0], red = sh[1], cols = sh[2], lda = (red + 1) & ~1, panels = (cols + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
                MemorySegment w = randomBf16(arena, red, cols, rnd);
                MemorySegment expected = arena.allocate(4 * NativeBf16.packedWords(red, cols), 64);
                NativeBf16.pack(w, red, cols, false, 0, panels, expected);
                short[] a = randomBf16Rows(m, red, lda, rnd);
                MemorySegment wt = transposedPacked(arena, w, red, cols);
                MemorySegment got = arena.allocate(expected.byteSize(), 64);
                got.fill((byte) 0x55);
                // in two ranges of row panels, the second first: each writes only its own words
                int rowPanels = (red + NativeBf16.PANEL - 1) / NativeBf16.PANEL;
                NativeBf16.packFromTransposed(wt, red, cols, rowPanels / 2, rowPanels, got);
                NativeBf16.packFromTransposed(wt, red, cols, 0, rowPanels / 2, got);
                assertEquals(-1L, expected.mismatch(got), m + "×" + red + "×" + cols + " packed from Wᵀ");
                for (boolean acc : new boolean[]{false, true}) {
                    float[] rowMajor = new float[m * cols], fromWt = new float[m * cols];
                    for (int i = 0; i < rowMajor.length; i++) rowMajor[i] = fromWt[i] = (float) rnd.nextGaussian();
                    for (int c0 = 0; c0 < cols; c0 += 64) {
                        int c1 = Math.min(cols, c0 + 64);
                        NativeBf16.xw(a, 0, lda, m, red, w, cols, c0, c1, rowMajor, 0, acc);
                        NativeBf16.xwFromTransposed(a, 0, lda, m, red, wt, cols, c0, c1, fromWt, 0, acc);
                    }
                    assertArrayEquals(rowMajor, fromWt, m + "×" + red + "×" + cols + " xw from Wᵀ" + (acc ? " acc" : ""));
                }
            }
            MemorySegment b = arena.allocate(4 * NativeBf16.packedWords(64, 64), 64);
            MemorySegment wt = arena.allocate(4 * NativeBf16.packedWords(64, 64), 64);
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.packFromTransposed(wt.asSlice(0, wt.byteSize() - 4), 64, 64, 0, 2, b));
            assertTrue(small.getMessage().contains("need " + wt.byteSize() + " bytes"), small.getMessage());
            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> NativeBf16.packFromTransposed(wt, 64, 64, 0, 3, b));
            assertTrue(range.getMessage().contains("row panels 0..3 of 2"), range.getMessage());
        }
    }

    /** Wᵀ packed whole, for w (red×cols, row-major BF16): what Matrix#withBf16Compute keeps of a matrix. */
    private static MemorySegment transposedPacked(Arena arena, MemorySegment w, int red, int cols) {
        MemorySegment wt = arena.allocate(Math.max(64, 4 * NativeBf16.packedWords(cols, red)), 64);
        NativeBf16.pack(w, cols, red, true, 0, (red + NativeBf16.PANEL - 1) / NativeBf16.PANEL, wt);
        return wt;
    }

    private record Run(int exit, String output) {}

    private static Path bash() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, "bash");
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }

    private static Run build(Path script, Path outDir, String path) throws IOException, InterruptedException {
        Path bash = bash();
        assumeTrue(bash != null, "bash is not on the PATH");
        ProcessBuilder pb = new ProcessBuilder(bash.toString(), script.toString(), outDir.toString()).redirectErrorStream(true);
        if (path != null) pb.environment().put("PATH", path);
        pb.environment().remove("CC");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "build.sh did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** build.sh copied alone into dir/c (the C sources a test writes go beside it); needs gcc on Linux x86-64. */
    private static Path scriptInNewSourceFolder(Path dir) throws IOException {
        assumeTrue(linuxX64() && onPath("gcc"), "needs gcc on Linux x86-64");
        return Files.copy(BUILD_SCRIPT, Files.createDirectory(dir.resolve("c")).resolve("build.sh"));
    }

    private static Path library(Path outDir) {
        return outDir.resolve(Bf16Library.RESOURCE.substring(1));
    }

    private static boolean linuxX64() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").startsWith("Linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    @Test
    void buildScriptSkipsWithoutACompiler(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(BUILD_SCRIPT), "no " + BUILD_SCRIPT);
        Path empty = Files.createDirectory(dir.resolve("empty-path"));
        Path out = dir.resolve("classes");
        Run run = build(BUILD_SCRIPT.toAbsolutePath(), out, empty.toString());
        assertEquals(0, run.exit(), run.output());
        String expected = linuxX64() ? SKIPPED + "no C compiler (gcc not on PATH) (the Java kernels are used)\n" : null;
        if (expected != null) assertEquals(expected, run.output());
        else assertTrue(run.output().startsWith(SKIPPED) && run.output().lines().count() == 1, run.output());
        assertFalse(Files.exists(library(out)));
    }

    @Test
    void buildScriptBuildsSkipsAnUnchangedSourceAndDropsALibraryWhoseSourceIsGone(@TempDir Path dir) throws Exception {
        Path script = scriptInNewSourceFolder(dir);
        Path src = script.getParent();
        Path out = dir.resolve("classes");

        Run none = build(script, out, null);
        assertEquals(0, none.exit(), none.output());
        assertEquals(SKIPPED + "no C source in " + src + " (the Java kernels are used)\n", none.output());

        Path source = Files.writeString(src.resolve("k.c"), "int tl_answer(void) { return 42; }\n");
        Run built = build(script, out, null);
        assertEquals(0, built.exit(), built.output());
        assertTrue(built.output().contains("native BF16 kernels built: " + library(out)), built.output());
        byte[] elf = Files.readAllBytes(library(out));
        assertEquals("\u007fELF", new String(elf, 0, 4, StandardCharsets.ISO_8859_1));

        FileTime builtAt = Files.getLastModifiedTime(library(out));
        Run again = build(script, out, null);
        assertEquals(new Run(0, ""), again, "an up-to-date library is left alone, silently");
        assertEquals(builtAt, Files.getLastModifiedTime(library(out)));

        Files.delete(source);
        Run gone = build(script, out, null);
        assertEquals(0, gone.exit(), gone.output());
        assertTrue(gone.output().startsWith(SKIPPED + "no C source"), gone.output());
        assertFalse(Files.exists(library(out)), "a library without its source was left behind");
    }

    @Test
    void buildScriptFailsOnACompileError(@TempDir Path dir) throws Exception {
        Path script = scriptInNewSourceFolder(dir);
        Path src = script.getParent();
        Files.writeString(src.resolve("broken.c"), "int tl_broken(void) { return undeclared; }\n");
        Path out = dir.resolve("classes");
        Run run = build(script, out, null);
        assertNotEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("undeclared"), run.output());
        assertTrue(run.output().contains("native BF16 kernels failed to compile"), run.output());
        assertFalse(Files.exists(library(out)));
        try (var files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "a failed compile left files behind");
        }
    }

    /** rows × cols row-major BF16 values (the high halves of Gaussian floats) in a segment of the arena: a W. */
    private static MemorySegment randomBf16(Arena arena, int rows, int cols, java.util.Random rnd) {
        MemorySegment w = arena.allocate(2L * rows * cols, 64);
        for (long i = 0; i < (long) rows * cols; i++) w.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToIntBits((float) rnd.nextGaussian()) >>> 16));
        return w;
    }

    /** m rows of red Gaussian floats rounded by the library into BF16 rows of stride lda: the kernels' A. */
    private static short[] randomBf16Rows(int m, int red, int lda, java.util.Random rnd) {
        float[] x = new float[m * red];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        short[] a = new short[m * lda];
        NativeBf16.toBf16(x, 0, m, red, a, 0, lda);
        return a;
    }
}
