/*
 * tagllm's optional BF16 matrix kernels (mixed precision: BF16 operands, FP32 products and sums).
 *
 * Why native code: on CPUs with AVX512_BF16 (Zen 4, Cooper Lake, Sapphire Rapids) one vdpbf16ps does 32
 * multiply-adds per 512-bit register, twice the FLOPs of an FP32 FMA, and the Java Vector API has no operation that
 * compiles to it. Everything else (threads, the choice of rows and columns per task) stays in Java; each call here
 * computes one rectangle of the output on the calling thread.
 *
 * The layout mirrors the Java kernels (tensor.Gemm): panels of NR = 32 output columns, reduction blocks of at most
 * KC = 768 (evenly sized), CHUNK panels of packed B per pass (they stay in L2), register tiles of MR = 14 rows x 2
 * vectors = 28 accumulators. A is read in place: no copy per tile (see gemm).
 * vdpbf16ps multiplies pairs: lane j of a register holds two consecutive reduction elements, so B is packed as
 * [pair][column] 32-bit words and A is converted to BF16 rows, whose 32-bit words are already those pairs.
 *
 * Every output element is summed in the same order whatever m, the row tile it falls in or the column range of
 * the call (pairs in order within a block, blocks in order through C), so a row has the same bits in a product over
 * one row as over a thousand: the pruned top layer relies on that, as it does with the Java kernels.
 *
 * Only the functions below are exported; each kernel function carries its own target attribute, so the library
 * loads on any x86-64 and tl_bf16_supported() says whether the kernels may be called.
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define NR 32
#define MR 14
#define KC 768
#define KP (KC / 2)
#define CHUNK 8

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

int tl_bf16_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512bf16");
}

const char *tl_bf16_version(void) { return "tagllm-bf16 10"; }

/* Packed B of one pass (CHUNK panels x KP pairs x NR columns), one per thread, freed when the thread ends. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_init(void) { pthread_key_create(&scratch_key, free); }

static uint32_t *scratch(void) {
    pthread_once(&scratch_once, scratch_init);
    uint32_t *p = pthread_getspecific(scratch_key);
    if (!p) {
        p = aligned_alloc(64, (size_t)CHUNK * KP * NR * sizeof(uint32_t));
        if (p) pthread_setspecific(scratch_key, p);
    }
    return p;
}

/* 16 x 16 transpose of 32-bit words in registers: lane j of r[i] becomes lane i of r[j]. */
TARGET static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

/*
 * B = W^T for y = x.W^T (W row-major n x k): panel columns are W rows j, pairs run along W's row. A 32-bit word is
 * a pair, so the block is a transpose of 32-bit words: 16 rows x 16 pairs at a time in registers (2.6x faster than
 * word by word, which took ~4% of a forward product). The pair past an odd kc gets a zero high half and the
 * columns past width are zero, as the kernel expects.
 */
TARGET static void pack_wt(const uint16_t *w, int k, int j0, int width, int k0, int kc, uint32_t *dst) {
    int pairs = (kc + 1) / 2;
    for (int p0 = 0; p0 < pairs; p0 += 16) {
        int left = kc - 2 * p0, np = pairs - p0 < 16 ? pairs - p0 : 16;
        __mmask32 km = left >= 32 ? 0xffffffffu : ((1u << left) - 1);
        for (int h = 0; h < 2; h++) {
            __m512i r[16];
            for (int i = 0; i < 16; i++) {
                int jj = h * 16 + i;
                r[i] = jj < width ? _mm512_maskz_loadu_epi16(km, w + (size_t)(j0 + jj) * k + k0 + 2 * p0)
                                  : _mm512_setzero_si512();
            }
            transpose16(r);
            for (int t = 0; t < np; t++) _mm512_store_si512(dst + (size_t)(p0 + t) * NR + h * 16, r[t]);
        }
    }
}

/* B = W for dx = dy.W (W row-major n x k): panel columns are W columns c, pairs are two consecutive W rows. */
TARGET static void pack_w(const uint16_t *w, int n, int k, int c0, int width, int n0, int nc, uint32_t *dst) {
    static const uint16_t lo_idx[32] = {0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
                                        8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
    static const uint16_t hi_idx[32] = {16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55,
                                        24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63};
    __m512i lo = _mm512_loadu_si512(lo_idx), hi = _mm512_loadu_si512(hi_idx);
    __mmask32 mask = width >= 32 ? 0xffffffffu : ((1u << width) - 1);
    int pairs = (nc + 1) / 2;
    for (int p = 0; p < pairs; p++) {
        int r = n0 + 2 * p;
        __m512i a = _mm512_maskz_loadu_epi16(mask, w + (size_t)r * k + c0);
        __m512i b = r + 1 < n0 + nc ? _mm512_maskz_loadu_epi16(mask, w + (size_t)(r + 1) * k + c0)
                                    : _mm512_setzero_si512();
        _mm512_store_si512(dst + p * NR, _mm512_permutex2var_epi16(a, lo, b));
        _mm512_store_si512(dst + p * NR + 16, _mm512_permutex2var_epi16(a, hi, b));
    }
    (void)n;
}

/*
 * B = W for dx = dy.W from W^T packed whole (tl_pack_bf16 with transposed = 1, the one copy of a matrix that BF16
 * compute keeps: panels of NR rows of W, pairs of W's columns running down each, kp = ceil(k / 2) pairs a panel,
 * the last panel zero-padded): column panel c0 of B (W's columns c0 .. c0 + width, c0 a multiple of NR), W's rows
 * n0 .. n0 + nc (n0 even). A 32 x 32 block of W lies there as 16 column pairs x 32 rows, 2 KB in a row: two 16 x 16
 * word transposes give its rows as 32 BF16 values each, and two rows interleave into the pairs the kernel reads, as
 * pack_w does from row-major W: the same words. The pair past an odd nc gets a zero high half.
 */
TARGET static void pack_w_from_wt(const uint32_t *wt, int k, int c0, int width, int n0, int nc, uint32_t *dst) {
    static const uint16_t lo_idx[32] = {0, 32, 1, 33, 2, 34, 3, 35, 4, 36, 5, 37, 6, 38, 7, 39,
                                        8, 40, 9, 41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47};
    static const uint16_t hi_idx[32] = {16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55,
                                        24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63};
    __m512i lo = _mm512_loadu_si512(lo_idx), hi = _mm512_loadu_si512(hi_idx), zero = _mm512_setzero_si512();
    size_t kp = (size_t)(k + 1) / 2;
    int cp0 = c0 / 2, ncp = (width + 1) / 2, end = n0 + nc;
    for (int r0 = n0; r0 < end;) {
        int q = r0 / NR, first = r0 % NR, last = end - q * NR < NR ? end - q * NR : NR;
        __m512i rows[NR];
        for (int h = 0; h < 2; h++) {
            __m512i v[16];
            for (int i = 0; i < 16; i++) {
                v[i] = i < ncp ? _mm512_load_si512(wt + ((size_t)q * kp + cp0 + i) * NR + h * 16) : zero;
            }
            transpose16(v);
            for (int j = 0; j < 16; j++) rows[h * 16 + j] = v[j];
        }
        for (int r = first; r < last; r += 2) {
            __m512i a = rows[r], b = r + 1 < last ? rows[r + 1] : zero;
            uint32_t *d = dst + (size_t)((q * NR + r - n0) / 2) * NR;
            _mm512_store_si512(d, _mm512_permutex2var_epi16(a, lo, b));
            _mm512_store_si512(d + 16, _mm512_permutex2var_epi16(a, hi, b));
        }
        r0 = q * NR + last;
    }
}

/*
 * C[R x 32] (+)= A[R x 2*pairs] . B[pairs x 32 pairs]: R rows of BF16 A (row stride lda 32-bit words), one packed
 * panel. Inlined with a constant R, so the accumulators stay in registers.
 */
TARGET static inline __attribute__((always_inline)) void tile(const int R, const uint32_t *a, size_t lda,
                                                              const uint32_t *b, int pairs, float *c, size_t ldc,
                                                              __mmask16 m0, __mmask16 m1, int load) {
    __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) {
        acc0[r] = load ? _mm512_maskz_loadu_ps(m0, c + r * ldc) : _mm512_setzero_ps();
        acc1[r] = load ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (int p = 0; p < pairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(b + p * NR);
        __m512bh b1 = (__m512bh)_mm512_load_si512(b + p * NR + 16);
#pragma GCC unroll 14
        for (int r = 0; r < R; r++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[r * lda + p]);
            acc0[r] = _mm512_dpbf16_ps(acc0[r], x, b0);
            acc1[r] = _mm512_dpbf16_ps(acc1[r], x, b1);
        }
    }
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    }
}

/* The masks of the first width (0..32) of 32 columns: the low 16 (m0) and the high 16 (m1). */
TARGET static inline void column_masks(int width, __mmask16 *m0, __mmask16 *m1) {
    *m0 = width >= 16 ? 0xffff : (__mmask16)((1u << width) - 1);
    *m1 = width >= 32 ? 0xffff : width > 16 ? (__mmask16)((1u << (width - 16)) - 1) : 0;
}

#define TILE_CASE(R) \
    case R: tile(R, a, lda, b, pairs, c, ldc, m0, m1, load); break;

TARGET static void tile_rows(int rows, const uint32_t *a, size_t lda, const uint32_t *b, int pairs, float *c,
                             size_t ldc, int width, int load) {
    __mmask16 m0, m1;
    column_masks(width, &m0, &m1);
    switch (rows) {
        TILE_CASE(14) TILE_CASE(13) TILE_CASE(12) TILE_CASE(11) TILE_CASE(10) TILE_CASE(9) TILE_CASE(8)
        TILE_CASE(7) TILE_CASE(6) TILE_CASE(5) TILE_CASE(4) TILE_CASE(3) TILE_CASE(2) TILE_CASE(1)
        default: break;
    }
}

/* The reduction goes in evenly sized blocks of at most KC, each an even number of elements (no block splits a pair):
 * the SmolLM2 widths (576, 1536) then take one or two blocks, where a fixed 512 left a 64-wide remainder whose tiles
 * store and reload C for a sliver of work. */
static int reduction_block(int red) {
    int blocks = (red + KC - 1) / KC;
    return ((red + blocks - 1) / blocks + 1) & ~1;
}

/* Words of one packed panel: every reduction block's pairs x NR, blocks one after another. */
static size_t panel_words(int red) { return (size_t)((red + 1) / 2) * NR; }

/* Panel j0 / NR, reduction block from k0, packed from W into dst (pairs x NR words): W row-major (wt = NULL) or
 * from W^T packed whole (wt, only for B = W). */
TARGET static void pack_panel(const uint16_t *w, const uint32_t *wt, int red, int cols, int transposed, int j, int width,
                              int k0, int kc, uint32_t *dst) {
    if (wt) pack_w_from_wt(wt, cols, j, width, k0, kc, dst);
    else if (transposed) pack_wt(w, red, j, width, k0, kc, dst);
    else pack_w(w, red, cols, j, width, k0, kc, dst);
}

/*
 * Y[m x cols] columns [c0, c1) (+)= A[m x red] . B, where B is W^T (transposed = 1, W is cols x red) or W
 * (transposed = 0, W is red x cols); c0 is a multiple of NR unless c0..c1 is all of it. A is BF16 (row stride lda,
 * an even number >= red, pairs beyond red zero, as tl_to_bf16 writes it). yc is the block of Y those columns make:
 * element (r, c) at yc[r * ldy + c - c0] (ldy = cols and yc = Y + c0 for Y itself; a task's own small buffer keeps
 * its block in cache for the caller's epilogue). B comes packed whole (packed != NULL: tl_pack_bf16's layout, panel
 * p at p * panel_words) or is packed here a chunk at a time.
 *
 * The row tiles of A are read where they lie (the caller's stride keeps their rows off a few L1 sets): copying each
 * tile into a contiguous buffer first cost more than it saved. Measured in a C harness on Zen 5 over the products of
 * the SmolLM2-135M step, cut as Gemm cuts them, each variant alternated in one process: 82% -> 89% of the BF16 peak
 * with the blocks above (docs/benchmarks.md). Neither changes a bit: every element still sums its pairs in
 * ascending order, whatever the blocks, the cut or where B was packed.
 */
TARGET static void gemm(const uint16_t *a, size_t lda, int m, int red, const uint16_t *w, const uint32_t *wt,
                        const uint32_t *packed, int cols, int transposed, int c0, int c1, float *yc, size_t ldy,
                        int accumulate) {
    uint32_t *bbuf = NULL;
    if (!packed) {
        bbuf = scratch();
        if (!bbuf) abort(); /* 384 KB per thread; without it there is nothing sensible to compute */
    }
    int kblock = reduction_block(red);
    for (int q0 = c0; q0 < c1; q0 += CHUNK * NR) {
        int q1 = q0 + CHUNK * NR < c1 ? q0 + CHUNK * NR : c1;
        int panels = (q1 - q0 + NR - 1) / NR;
        for (int k0 = 0; k0 < red; k0 += kblock) {
            int kc = red - k0 < kblock ? red - k0 : kblock, pairs = (kc + 1) / 2;
            int load = accumulate || k0 > 0;
            const uint32_t *b0;
            size_t bstride;
            if (packed) {
                b0 = packed + (size_t)(q0 / NR) * panel_words(red) + (size_t)(k0 / 2) * NR;
                bstride = panel_words(red);
            } else {
                for (int s = 0; s < panels; s++) {
                    int j = q0 + s * NR, width = q1 - j < NR ? q1 - j : NR;
                    pack_panel(w, wt, red, cols, transposed, j, width, k0, kc, bbuf + (size_t)s * KP * NR);
                }
                b0 = bbuf;
                bstride = (size_t)KP * NR;
            }
            for (int i = 0; i < m; i += MR) {
                int rows = m - i < MR ? m - i : MR;
                const uint32_t *at = (const uint32_t *)(a + (size_t)i * lda + k0);
                for (int s = 0; s < panels; s++) {
                    int j = q0 + s * NR, width = q1 - j < NR ? q1 - j : NR;
                    tile_rows(rows, at, lda / 2, b0 + s * bstride, pairs, yc + (size_t)i * ldy + (j - c0), ldy,
                              width, load);
                }
            }
        }
    }
}

/*
 * out[rows x ldo] = x[rows x cols] rounded to BF16 (nearest even), zero from cols to the next even column: the A
 * operand of the two functions below. Converting A once per product instead of once per task and column chunk
 * matters: the conversion streams A from memory, while each task's tiles reuse it from cache.
 */
TARGET void tl_to_bf16(const float *x, int rows, int cols, uint16_t *out, int ldo) {
    for (int r = 0; r < rows; r++) {
        const float *s = x + (size_t)r * cols;
        uint16_t *d = out + (size_t)r * ldo;
        int c = 0;
        for (; c + 32 <= cols; c += 32) {
            __m512 x0 = _mm512_loadu_ps(s + c), x1 = _mm512_loadu_ps(s + c + 16);
            _mm512_storeu_si512(d + c, (__m512i)_mm512_cvtne2ps_pbh(x1, x0));
        }
        if (c < cols) {
            int left = cols - c, even = (left + 1) & ~1;
            __mmask16 m0, m1;
            column_masks(left, &m0, &m1);
            __m512 x0 = _mm512_maskz_loadu_ps(m0, s + c), x1 = _mm512_maskz_loadu_ps(m1, s + c + 16);
            __m512i v = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);
            _mm512_mask_storeu_epi16(d + c, even >= 32 ? 0xffffffffu : ((1u << even) - 1), v);
        }
    }
}

/* y[m x n] columns [j0, j1) (+)= x[m x k] . w^T; x is BF16 a[m x lda] from tl_to_bf16 (lda even, >= k), w is n x k
 * BF16, row-major. */
void tl_xwt_bf16a(const uint16_t *a, int lda, int m, int k, const uint16_t *w, int n, int j0, int j1, float *y,
                  int accumulate) {
    gemm(a, (size_t)lda, m, k, w, NULL, NULL, n, 1, j0, j1, y + j0, (size_t)n, accumulate);
}

/* dx[m x k] columns [c0, c1) (+)= dy[m x n] . w; dy is BF16 a[m x lda] from tl_to_bf16 (lda even, >= n), w is n x k
 * BF16, row-major. */
void tl_xw_bf16a(const uint16_t *a, int lda, int m, int n, const uint16_t *w, int k, int c0, int c1, float *dx,
                 int accumulate) {
    gemm(a, (size_t)lda, m, n, w, NULL, NULL, k, 0, c0, c1, dx + c0, (size_t)k, accumulate);
}

/* Panels [p0, p1) of B, every reduction block, into dst at panel p * panel_words(red), from row-major W. */
TARGET static void pack_whole(const uint16_t *w, int red, int cols, int transposed, int p0, int p1, uint32_t *dst) {
    int kblock = reduction_block(red);
    for (int p = p0; p < p1; p++) {
        int j = p * NR, width = cols - j < NR ? cols - j : NR;
        for (int k0 = 0; k0 < red; k0 += kblock) {
            int kc = red - k0 < kblock ? red - k0 : kblock;
            pack_panel(w, NULL, red, cols, transposed, j, width, k0, kc, dst + (size_t)p * panel_words(red) + (size_t)(k0 / 2) * NR);
        }
    }
}

/*
 * Packs panels [p0, p1) of B for y = x . W^T (transposed = 1, W is cols x red) or dx = dy . W (transposed = 0, W is
 * red x cols) into dst (64-byte aligned; ceil(cols / NR) panels of panel_words(red) words, NativeBf16.packedWords
 * in Java), where tl_gemm_packed_bf16 reads them: packing each panel once per product, instead of once per task
 * that reads it, when several tasks share columns.
 */
TARGET void tl_pack_bf16(const uint16_t *w, int red, int cols, int transposed, int p0, int p1, uint32_t *dst) {
    pack_whole(w, red, cols, transposed, p0, p1, dst);
}

/*
 * tl_pack_bf16 for dx = dy . W (transposed = 0, W is red x cols) from W^T packed whole (tl_pack_bf16 with
 * transposed = 1, see pack_w_from_wt), row panels [q0, q1) of W (NR rows each) into every column panel: the same
 * words as packing from row-major W, so a matrix that computes in BF16 keeps only its packed W^T. Words of
 * different row panels never share a cache line of dst, so tasks may pack disjoint ranges at once. A row panel of
 * W^T lies in one run of memory and is read in order, 2 KB per column panel; the weights come from memory (a step
 * reads each matrix once), and the hardware prefetchers did not keep up: packing the 30 layer matrices of
 * SmolLM2-135M on one Zen 5 core took 21 ms (10 GB/s), 8.5 ms with the block two column panels ahead requested
 * (tools/native-harness/run.sh packing), as fast as packing from Java's panels did before (8.2-8.7 ms).
 */
#define PACK_AHEAD 2 /* column panels: 1, 2 and 4 measured the same (8.2-8.8 ms) */
TARGET void tl_pack_bf16_from_wt(const uint32_t *wt, int red, int cols, int q0, int q1, uint32_t *dst) {
    int colPanels = (cols + NR - 1) / NR;
    size_t kp = (size_t)(cols + 1) / 2, end = (size_t)((red + NR - 1) / NR) * kp * NR;
    for (int q = q0; q < q1; q++) {
        int n0 = q * NR, nc = red - n0 < NR ? red - n0 : NR;
        for (int j = 0; j < colPanels; j++) {
            /* the block PACK_AHEAD column panels on (past the row panel's end, the next one's first): 2 KB */
            size_t ahead = ((size_t)q * kp + (size_t)(j + PACK_AHEAD) * 16) * NR;
            for (size_t t = 0; t < 16 * NR && ahead + t < end; t += 16) _mm_prefetch((const char *)(wt + ahead + t), _MM_HINT_T0);
            int width = cols - j * NR < NR ? cols - j * NR : NR;
            pack_w_from_wt(wt, cols, j * NR, width, n0, nc, dst + (size_t)j * panel_words(red) + (size_t)(n0 / 2) * NR);
        }
    }
}

/* tl_xw_bf16a with W (n x k) given as W^T packed whole (see pack_w_from_wt), packed a chunk at a time as it goes;
 * dxc is the block of columns [c0, c1): element (r, c) at dxc[r * lddx + c - c0]. */
void tl_xw_wt_bf16a(const uint16_t *a, int lda, int m, int n, const uint32_t *wt, int k, int c0, int c1, float *dxc,
                    int lddx, int accumulate) {
    gemm(a, (size_t)lda, m, n, NULL, wt, NULL, k, 0, c0, c1, dxc, (size_t)lddx, accumulate);
}

/* Columns [c0, c1) (c0 a multiple of NR) of y[m x cols] (+)= a[m x red] . B, B packed whole by tl_pack_bf16; a as
 * above; yc is the block of those columns (element (r, c) at yc[r * ldy + c - c0]). The same bits as tl_xwt_bf16a /
 * tl_xw_bf16a on the matrix B was packed from, wherever the block lies. */
void tl_gemm_packed_bf16(const uint16_t *a, int lda, int m, int red, const uint32_t *b, int cols, int c0, int c1,
                         float *yc, int ldy, int accumulate) {
    gemm(a, (size_t)lda, m, red, NULL, NULL, b, cols, 1, c0, c1, yc, (size_t)ldy, accumulate);
}

/*
 * B[red x cols] in FP32 (row stride ldb) rounded to BF16 (nearest even) and packed as the tiles read it: ceil(cols /
 * NR) panels of panel_words(red) words, word j of pair p of panel q holding rows 2p (low half) and 2p + 1 of column
 * q * NR + j; the pair past an odd red and the columns past cols are zero. dst is 64-byte aligned. For the small
 * operands of attention's products (V, K, dS, P, V^T), packed once per block of query rows.
 */
TARGET void tl_pack_f32(const float *b, int ldb, int red, int cols, uint32_t *dst) {
    int pairs = (red + 1) / 2;
    size_t pw = panel_words(red);
    /* word k of a half takes element k of the even row and element k of the odd row: lanes k and 16 + k */
    __m512i inter = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                     23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int q = 0; q * NR < cols; q++) {
        int j = q * NR, width = cols - j < NR ? cols - j : NR;
        __mmask16 m0, m1;
        column_masks(width, &m0, &m1);
        uint32_t *d = dst + (size_t)q * pw;
        for (int p = 0; p < pairs; p++) {
            const float *even = b + (size_t)(2 * p) * ldb + j;
            __m512 e0 = _mm512_maskz_loadu_ps(m0, even), e1 = _mm512_maskz_loadu_ps(m1, even + 16);
            __m512 o0 = _mm512_setzero_ps(), o1 = _mm512_setzero_ps();
            if (2 * p + 1 < red) {
                o0 = _mm512_maskz_loadu_ps(m0, even + ldb);
                o1 = _mm512_maskz_loadu_ps(m1, even + ldb + 16);
            }
            /* cvtne2ps_pbh(hi, lo): BF16 lanes 0-15 from lo, 16-31 from hi */
            __m512i w0 = _mm512_permutexvar_epi16(inter, (__m512i)_mm512_cvtne2ps_pbh(o0, e0));
            __m512i w1 = _mm512_permutexvar_epi16(inter, (__m512i)_mm512_cvtne2ps_pbh(o1, e1));
            _mm512_store_si512(d + (size_t)p * NR, w0);
            _mm512_store_si512(d + (size_t)p * NR + 16, w1);
        }
    }
}

/*
 * C (+)= A . B tile by tile: job i is five ints (r0, rows <= MR, panel q, k0 even, k1), and computes rows r0 ..
 * r0 + rows of C, columns q * NR .. min(cols, q * NR + NR), over the reduction elements k0 .. k1 only. A is BF16
 * (lda even), B packed for red reduction rows (tl_pack_f32). An odd k1 - k0 reads the pair (k1 - 1, k1): A must be
 * zero at k1 below red. Causal attention's products this way cover only the keys (or query rows) each tile's rows
 * see, with one call per block; each element still sums its pairs in ascending order.
 */
TARGET void tl_tile_jobs(const uint16_t *a, int lda, const uint32_t *packed, int red, int cols, const int *jobs,
                         int njobs, float *c, int ldc, int accumulate) {
    size_t pw = panel_words(red);
    for (int i = 0; i < njobs; i++) {
        const int *jb = jobs + 5 * i;
        int r0 = jb[0], rows = jb[1], q = jb[2], k0 = jb[3], k1 = jb[4];
        int j = q * NR, width = cols - j < NR ? cols - j : NR;
        const uint32_t *at = (const uint32_t *)(a + (size_t)r0 * lda + k0);
        tile_rows(rows, at, (size_t)lda / 2, packed + (size_t)q * pw + (size_t)(k0 / 2) * NR, (k1 - k0 + 1) / 2,
                  c + (size_t)r0 * ldc + j, (size_t)ldc, width, accumulate);
    }
}

/*
 * C = A . B in FP32, one register tile (MR rows x NR columns) per job: job i is two ints (r0, j), and writes rows r0
 * .. r0 + MR of C at columns j .. j + NR from A's rows r0 .. (row stride lda) and B's kc rows (row stride ldb) at
 * those columns. Every element is the FMA chain of Java's tensor.GemmKernels.kernel14 (from zero, p ascending,
 * fma(a, b, acc)), so the same bits. Attention's FP32 scores (Q.K^T over the keys each tile's rows see) go this way
 * under BF16 compute: one call per block, all of its tiles.
 */
TARGET void tl_f32_tiles(const float *a, int lda, const float *b, int ldb, int kc, float *c, int ldc, const int *jobs,
                         int njobs) {
    for (int i = 0; i < njobs; i++) {
        const float *at = a + (size_t)jobs[2 * i] * lda, *bt = b + jobs[2 * i + 1];
        float *ct = c + (size_t)jobs[2 * i] * ldc + jobs[2 * i + 1];
        __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
        for (int r = 0; r < MR; r++) acc0[r] = acc1[r] = _mm512_setzero_ps();
        for (int p = 0; p < kc; p++) {
            __m512 b0 = _mm512_loadu_ps(bt + (size_t)p * ldb), b1 = _mm512_loadu_ps(bt + (size_t)p * ldb + 16);
#pragma GCC unroll 14
            for (int r = 0; r < MR; r++) {
                __m512 x = _mm512_set1_ps(at[(size_t)r * lda + p]);
                acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
                acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
            }
        }
#pragma GCC unroll 14
        for (int r = 0; r < MR; r++) {
            _mm512_storeu_ps(ct + (size_t)r * ldc, acc0[r]);
            _mm512_storeu_ps(ct + (size_t)r * ldc + 16, acc1[r]);
        }
    }
}

/*
 * One row through Java's weight panels (tensor.Matrix: panel q holds output columns q * 32 .. q * 32 + 31 with the
 * reduction running down it, k rows of 32 values, zero past n): y[j] (+)= sum_p x[p] * W[j][p] for the columns of
 * panels p0 .. p1, clipped to n. Decoding is this product, bound by memory, and the Java loop kept less of it in
 * flight: with this one (a software prefetch 2 KB ahead on F32; the BF16 widening in two instructions) decode ran
 * 10-17% faster (docs/benchmarks.md, twelfth pass). The sums are MatVec's one-row loop exactly (two pairs of
 * accumulators, even and odd p, added at the end; then added to y when accumulating): the same bits.
 */
#define MV_PREFETCH 512 /* floats ahead: 2 KB, 16 cache lines */

TARGET static inline void matvec_store(__m512 s0, __m512 s1, float *y, int width, int accumulate) {
    __mmask16 m0, m1;
    column_masks(width, &m0, &m1);
    if (accumulate) {
        s0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, y), s0);
        s1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, y + 16), s1);
    }
    _mm512_mask_storeu_ps(y, m0, s0);
    _mm512_mask_storeu_ps(y + 16, m1, s1);
}

/* 16 BF16 values widened exactly to floats (bits << 16). */
TARGET static inline __m512 widen16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}

/* 16 weights from element i of the panels, as floats: BF16 widened, F32 as they are. */
TARGET static inline __attribute__((always_inline)) __m512 weights16(const void *panels, size_t i, int bf16) {
    return bf16 ? widen16((const uint16_t *)panels + i) : _mm512_loadu_ps((const float *)panels + i);
}

/*
 * The loop of both entry points below; bf16 is a constant at each, so each compiles to its own loop. Only F32
 * prefetches: on BF16 panels it measured no faster.
 */
TARGET static inline __attribute__((always_inline)) void matvec(const float *x, int k, const void *panels, int bf16,
                                                                int p0, int p1, int n, float *y, int accumulate) {
    for (int q = p0; q < p1; q++) {
        size_t w = (size_t)q * k * NR;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
        int p = 0;
        for (; p + 1 < k; p += 2) {
            size_t o = w + (size_t)p * NR;
            if (!bf16) {
                const float *ahead = (const float *)panels + o + MV_PREFETCH;
                _mm_prefetch((const char *)ahead, _MM_HINT_T0);
                _mm_prefetch((const char *)(ahead + 16), _MM_HINT_T0);
                _mm_prefetch((const char *)(ahead + 32), _MM_HINT_T0);
                _mm_prefetch((const char *)(ahead + 48), _MM_HINT_T0);
            }
            __m512 x0 = _mm512_set1_ps(x[p]), x1 = _mm512_set1_ps(x[p + 1]);
            s0 = _mm512_fmadd_ps(x0, weights16(panels, o, bf16), s0);
            s1 = _mm512_fmadd_ps(x0, weights16(panels, o + 16, bf16), s1);
            t0 = _mm512_fmadd_ps(x1, weights16(panels, o + NR, bf16), t0);
            t1 = _mm512_fmadd_ps(x1, weights16(panels, o + NR + 16, bf16), t1);
        }
        if (p < k) {
            size_t o = w + (size_t)p * NR;
            __m512 x0 = _mm512_set1_ps(x[p]);
            s0 = _mm512_fmadd_ps(x0, weights16(panels, o, bf16), s0);
            s1 = _mm512_fmadd_ps(x0, weights16(panels, o + 16, bf16), s1);
        }
        int j = q * NR;
        matvec_store(_mm512_add_ps(s0, t0), _mm512_add_ps(s1, t1), y + j, n - j < NR ? n - j : NR, accumulate);
    }
}

TARGET void tl_matvec_f32(const float *x, int k, const float *panels, int p0, int p1, int n, float *y, int accumulate) {
    matvec(x, k, panels, 0, p0, p1, n, y, accumulate);
}

TARGET void tl_matvec_bf16(const float *x, int k, const uint16_t *panels, int p0, int p1, int n, float *y, int accumulate) {
    matvec(x, k, panels, 1, p0, p1, n, y, accumulate);
}

/*
 * One row through W^T packed whole (BF16 compute's copy of a matrix, tl_pack_bf16 with transposed = 1: panel q holds
 * output columns q * 32 .. q * 32 + 31, word j of pair p holding W[j][2p] in its low half and W[j][2p + 1] in its
 * high half): the sums of tl_matvec_bf16 over the same weights in Java's panels (even and odd p in their own pair
 * of accumulators), so the same bits; widening a half is one shift or one mask. The pair's address steps by a
 * pointer: computed from p each time (a shift, a sign extension, a multiply-add before each pair's loads) the loop
 * streamed 8-13% slower than tl_matvec_bf16 on the same bytes, stepped alike (tools/native-harness/run.sh matvec).
 */
TARGET void tl_matvec_wt(const float *x, int k, const uint32_t *wt, int p0, int p1, int n, float *y, int accumulate) {
    size_t kp = (size_t)(k + 1) / 2;
    __m512i high = _mm512_set1_epi32((int)0xffff0000u);
    for (int q = p0; q < p1; q++) {
        const uint32_t *w = wt + (size_t)q * kp * NR;
        __m512 s0 = _mm512_setzero_ps(), s1 = s0, t0 = s0, t1 = s0;
        int p = 0;
        const uint32_t *o = w;
        for (; p + 1 < k; p += 2, o += NR) {
            __m512i v0 = _mm512_load_si512(o), v1 = _mm512_load_si512(o + 16);
            __m512 x0 = _mm512_set1_ps(x[p]), x1 = _mm512_set1_ps(x[p + 1]);
            s0 = _mm512_fmadd_ps(x0, _mm512_castsi512_ps(_mm512_slli_epi32(v0, 16)), s0);
            s1 = _mm512_fmadd_ps(x0, _mm512_castsi512_ps(_mm512_slli_epi32(v1, 16)), s1);
            t0 = _mm512_fmadd_ps(x1, _mm512_castsi512_ps(_mm512_and_si512(v0, high)), t0);
            t1 = _mm512_fmadd_ps(x1, _mm512_castsi512_ps(_mm512_and_si512(v1, high)), t1);
        }
        if (p < k) {
            __m512 x0 = _mm512_set1_ps(x[p]);
            s0 = _mm512_fmadd_ps(x0, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_load_si512(o), 16)), s0);
            s1 = _mm512_fmadd_ps(x0, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_load_si512(o + 16), 16)), s1);
        }
        int j = q * NR;
        matvec_store(_mm512_add_ps(s0, t0), _mm512_add_ps(s1, t1), y + j, n - j < NR ? n - j : NR, accumulate);
    }
}

/*
 * The BF16 dot-product peak, for the bench's "share of peak": 24 independent accumulator chains of vdpbf16ps on
 * registers (its latency times its throughput needs more than the 12 chains an FMA loop needs), iters rounds of
 * 24 x 64 FLOPs. Returns a sum of the accumulators so the loop cannot be optimised away.
 */
TARGET float tl_bf16_peak(long iters) {
    __m512 acc[24];
    for (int j = 0; j < 24; j++) acc[j] = _mm512_set1_ps(0.01f * j);
    __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f7f3f7f), b = (__m512bh)_mm512_set1_epi32(0x33803380);
    for (long i = 0; i < iters; i++) {
#pragma GCC unroll 24
        for (int j = 0; j < 24; j++) acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
    }
    __m512 s = acc[0];
    for (int j = 1; j < 24; j++) s = _mm512_add_ps(s, acc[j]);
    return _mm512_reduce_add_ps(s);
}
