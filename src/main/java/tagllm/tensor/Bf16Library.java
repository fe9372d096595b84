package tagllm.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The optional native BF16 kernel library (src/main/c, built into the jar by src/main/c/build.sh) bound through
 * java.lang.foreign: either its downcall handles, or the reason there are none. {@link NativeBf16} holds the one
 * instance of the process; {@link #load} is the factory, separate so tests can ask what happens on another platform,
 * without the resource, or when disabled, without touching global state.
 *
 * <p>A record so the JIT trusts its final fields and the handles inline as constants through the static holder.
 */
record Bf16Library(String status, String version, MethodHandle toBf16, MethodHandle xwT, MethodHandle xw,
                   MethodHandle pack, MethodHandle packedProduct, MethodHandle packFromWt, MethodHandle xwWt,
                   MethodHandle packF32, MethodHandle tileJobs, MethodHandle f32Tiles, MethodHandle f32Block, MethodHandle attentionWorkBytes,
                   MethodHandle attentionForward, MethodHandle attentionBackwardWorkBytes,
                   MethodHandle attentionBackward, MethodHandle matVecF32, MethodHandle matVecBf16, MethodHandle matVecWt,
                   MethodHandle peak) {

    /** Where build.sh puts the library, relative to the class path root. */
    static final String RESOURCE = "/native/linux-x86_64/libtagllm_bf16.so";

    static final String DISABLED = "disabled by -Dtagllm.native=false";

    boolean available() { return xwT != null; }

    private static Bf16Library unavailable(String why) { return new Bf16Library(why, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null); }

    /**
     * Binds the library found at {@code resource} (a file: or jar: URL, or null when the class path has none), or
     * says why not. Never throws: every failure becomes the status text.
     */
    static Bf16Library load(boolean enabled, String osName, String osArch, URL resource) {
        return load(enabled, osName, osArch, resource, null);
    }

    /** {@link #load}, extracting a jar's library into {@code tempDir} (null: java.io.tmpdir). */
    static Bf16Library load(boolean enabled, String osName, String osArch, URL resource, Path tempDir) {
        if (!enabled) return unavailable(DISABLED);
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return unavailable("no native kernels for " + osName + " " + osArch + " (only Linux x86-64)");
        }
        if (!tagllm.util.JdkModules.nativeAccessEnabled()) {
            // the JDK would warn at the first native call (and deny it in later releases): ask for the flag instead
            return unavailable("native access is not enabled: run java with --enable-native-access=ALL-UNNAMED (java -jar tagllm.jar and ./tagllm do)");
        }
        if (resource == null) {
            return unavailable("no " + RESOURCE.substring(1) + " on the class path (built without gcc or without the C source)");
        }
        Path path;
        try {
            path = localFile(resource, tempDir);
        } catch (IOException | URISyntaxException | RuntimeException e) {
            // say where it tried: a full or read-only temporary folder is the usual cause, and -Djava.io.tmpdir the fix
            return unavailable("cannot extract " + resource + " into the temporary folder "
                    + (tempDir != null ? tempDir.toString() : System.getProperty("java.io.tmpdir"))
                    + " (set -Djava.io.tmpdir to a writable folder): " + e);
        }
        boolean extracted = !resource.getProtocol().equals("file");
        // the status names the jar's entry for an extracted copy: the copy itself is gone once loaded
        String where = extracted ? resource.toString() : path.toString();
        try {
            return bind(path, where);
        } catch (Throwable e) {
            // IllegalArgumentException from dlopen, IllegalCallerException when native access is denied, anything
            // thrown by tl_bf16_supported itself: the Java kernels then do the work, and status() says why.
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            return unavailable("cannot load " + where + ": " + message);
        } finally {
            // Linux keeps a dlopen'ed library mapped after its file is unlinked, so the copy can go at once: left
            // for deleteOnExit alone, every JVM that was killed or halted left one in the temporary folder.
            if (extracted) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // deleteOnExit still has it
                }
            }
        }
    }

    /** The library as a file dlopen can open: itself when on disk, else a copy of the jar entry (removed once loaded). */
    private static Path localFile(URL resource, Path tempDir) throws IOException, URISyntaxException {
        if (resource.getProtocol().equals("file")) return Path.of(resource.toURI());
        Path copy = tempDir == null ? Files.createTempFile("libtagllm_bf16", ".so")
                : Files.createTempFile(tempDir, "libtagllm_bf16", ".so");
        copy.toFile().deleteOnExit();
        try (InputStream in = resource.openStream()) {
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
        }
        return copy;
    }

    private static Bf16Library bind(Path path, String where) throws Throwable {
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        Linker linker = Linker.nativeLinker();
        MethodHandle supported = linker.downcallHandle(symbol(lookup, path, "tl_bf16_supported"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        MethodHandle version = linker.downcallHandle(symbol(lookup, path, "tl_bf16_version"),
                FunctionDescriptor.of(ValueLayout.ADDRESS));
        // critical(true): the kernels neither block nor call back, so heap arrays can be passed in place, no copy.
        Linker.Option critical = Linker.Option.critical(true);
        // (const float* x, int rows, int cols, uint16_t* out, int ldo)
        MethodHandle toBf16 = linker.downcallHandle(symbol(lookup, path, "tl_to_bf16"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), critical);
        // Both GEMMs on BF16 A: (const uint16_t* a, int lda, int rows, int inner, const uint16_t* w, int, int from,
        // int to, float* out, int acc).
        FunctionDescriptor gemmA = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
        MethodHandle xwT = linker.downcallHandle(symbol(lookup, path, "tl_xwt_bf16a"), gemmA, critical);
        MethodHandle xw = linker.downcallHandle(symbol(lookup, path, "tl_xw_bf16a"), gemmA, critical);
        // (const uint16_t* w, int red, int cols, int transposed, int p0, int p1, uint32_t* dst): B packed once per product
        MethodHandle pack = linker.downcallHandle(symbol(lookup, path, "tl_pack_bf16"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS), critical);
        // (const uint16_t* a, int lda, int rows, int red, const uint32_t* packed, int cols, int from, int to,
        // float* block, int ldBlock, int acc): the output block of columns [from, to) with its own row stride
        MethodHandle packedProduct = linker.downcallHandle(symbol(lookup, path, "tl_gemm_packed_bf16"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), critical);
        // (const uint32_t* wt, int red, int cols, int q0, int q1, uint32_t* dst): B = W from Wᵀ packed whole, W's row
        // panels [q0, q1)
        MethodHandle packFromWt = linker.downcallHandle(symbol(lookup, path, "tl_pack_bf16_from_wt"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS), critical);
        // (const uint16_t* a, int lda, int rows, int n, const uint32_t* wt, int k, int from, int to, float* block,
        // int ldBlock, int acc): dx = dy·W with W given as Wᵀ packed whole
        MethodHandle xwWt = linker.downcallHandle(symbol(lookup, path, "tl_xw_wt_bf16a"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), critical);
        // (const float* b, int ldb, int red, int cols, uint32_t* dst): a small FP32 operand rounded and packed whole
        MethodHandle packF32 = linker.downcallHandle(symbol(lookup, path, "tl_pack_f32"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), critical);
        // (const uint16_t* a, int lda, const uint32_t* packed, int red, int cols, const int* jobs, int njobs, float* c,
        // int ldc, int acc): tiles of a product, each over its own reduction range
        MethodHandle tileJobs = linker.downcallHandle(symbol(lookup, path, "tl_tile_jobs"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), critical);
        // (const float* a, int lda, const float* b, int ldb, int kc, float* c, int ldc, const int* jobs, int njobs):
        // FP32 register tiles, the bits of the Java kernel
        MethodHandle f32Tiles = linker.downcallHandle(symbol(lookup, path, "tl_f32_tiles"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), critical);
        // (const float* a, int lda, int m, int kc, const float* b, long pstride, int panels, int width, float* c, int ldc,
        // int load): one reduction block of an F32 product over B's panels, the bits of the Java kernels
        MethodHandle f32Block = linker.downcallHandle(symbol(lookup, path, "tl_f32_block"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), critical);
        // long tl_attention_work_bytes(int m, int nk, int hd): the work area of tl_attention_forward
        MethodHandle attentionWorkBytes = linker.downcallHandle(symbol(lookup, path, "tl_attention_work_bytes"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), critical);
        // (const float* q, int ldq, const float* k, const float* v, int ldk, int rows, int group, int hd, int nk,
        // const int* keys, float scale, float* out, int ldo, float* stats, void* work): one attention block forward
        MethodHandle attentionForward = linker.downcallHandle(symbol(lookup, path, "tl_attention_forward"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), critical);
        // long tl_attention_backward_work_bytes(int m, int nk, int hd)
        MethodHandle attentionBackwardWorkBytes = linker.downcallHandle(symbol(lookup, path, "tl_attention_backward_work_bytes"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), critical);
        // (const float* q, int ldq, const float* k, const float* v, int ldk, const float* lse, int ldl, const float* dout,
        // float* dq, const int* qrow, int ldd, float* dk, float* dv, const int* krow, int rows, int group, int hd, int nk,
        // const int* keys, float scale, void* work): one attention block backward
        MethodHandle attentionBackward = linker.downcallHandle(symbol(lookup, path, "tl_attention_backward"), FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_FLOAT,
                ValueLayout.ADDRESS), critical);
        // (const float* x, int k, const float*|uint16_t* panels, int p0, int p1, int n, float* y, int acc): one row
        // through Matrix's own panels, or (tl_matvec_wt) through Wᵀ packed whole
        FunctionDescriptor matVec = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT);
        MethodHandle matVecF32 = linker.downcallHandle(symbol(lookup, path, "tl_matvec_f32"), matVec, critical);
        MethodHandle matVecBf16 = linker.downcallHandle(symbol(lookup, path, "tl_matvec_bf16"), matVec, critical);
        MethodHandle matVecWt = linker.downcallHandle(symbol(lookup, path, "tl_matvec_wt"), matVec, critical);
        // float tl_bf16_peak(long iters): tens of milliseconds, so not critical (the GC may run meanwhile).
        MethodHandle peak = linker.downcallHandle(symbol(lookup, path, "tl_bf16_peak"),
                FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_LONG));

        MemorySegment versionText = (MemorySegment) version.invokeExact();
        String versionString = versionText.equals(MemorySegment.NULL)
                ? "unknown version" : versionText.reinterpret(1024).getString(0);
        if ((int) supported.invokeExact() == 0) {
            return unavailable("this CPU lacks AVX512F, AVX512BW or AVX512_BF16 (" + versionString + " loaded from " + where + ")");
        }
        return new Bf16Library(versionString + " from " + where, versionString, toBf16, xwT, xw, pack, packedProduct, packFromWt, xwWt,
                packF32, tileJobs, f32Tiles, f32Block, attentionWorkBytes, attentionForward, attentionBackwardWorkBytes, attentionBackward, matVecF32, matVecBf16, matVecWt, peak);
    }

    private static MemorySegment symbol(SymbolLookup lookup, Path path, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalArgumentException("no symbol " + name + " in " + path));
    }
}
