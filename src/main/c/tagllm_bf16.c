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

const char *tl_bf16_version(void) { return "tagllm-bf16 12"; }

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
 * operands of attention's products (V, K, V^T), packed once per block of query rows; dS and P go a row tile at a
 * time through pack_f32_panels.
 */
TARGET static void pack_f32_panels(const float *b, int ldb, int red, int cols, uint32_t *dst, size_t pw);

TARGET void tl_pack_f32(const float *b, int ldb, int red, int cols, uint32_t *dst) {
    pack_f32_panels(b, ldb, red, cols, dst, panel_words(red));
}

/* tl_pack_f32 with the panels pw words apart: red rows packed into part of each panel of a larger B (a row tile's
 * pairs at their place in the block's panels). */
TARGET static void pack_f32_panels(const float *b, int ldb, int red, int cols, uint32_t *dst, size_t pw) {
    int pairs = (red + 1) / 2;
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
 * FP32 register tile of R rows (a constant where inlined) against one panel of 32 columns: C (+)= A.B (row strides lda,
 * ldb, ldc), each element one FMA chain over p ascending from C (load) or from zero: the chain of Java's
 * tensor.GemmKernels.kernel14 / kernel6, so the bits of tensor.Gemm's F32 products whatever the blocking (a block
 * continues the chain through C, and a float stored and loaded is the same float). m0, m1: which of the panel's 32
 * columns exist (B is zero beyond them).
 */
TARGET static inline __attribute__((always_inline)) void f32_rows(const int R, const float *a, size_t lda, const float *b,
                                                                  size_t ldb, int kc, float *c, size_t ldc, __mmask16 m0,
                                                                  __mmask16 m1, int load) {
    __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) {
        acc0[r] = load ? _mm512_maskz_loadu_ps(m0, c + r * ldc) : _mm512_setzero_ps();
        acc1[r] = load ? _mm512_maskz_loadu_ps(m1, c + r * ldc + 16) : _mm512_setzero_ps();
    }
    for (int p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(b + (size_t)p * ldb), b1 = _mm512_loadu_ps(b + (size_t)p * ldb + 16);
#pragma GCC unroll 14
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_set1_ps(a[r * lda + p]);
            acc0[r] = _mm512_fmadd_ps(x, b0, acc0[r]);
            acc1[r] = _mm512_fmadd_ps(x, b1, acc1[r]);
        }
    }
#pragma GCC unroll 14
    for (int r = 0; r < R; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    }
}

/* A whole FP32 tile, MR rows x 32 columns from zero: attention's scores. */
TARGET static inline void f32_tile(const float *at, int lda, const float *bt, int ldb, int kc, float *ct, int ldc) {
    f32_rows(MR, at, (size_t)lda, bt, (size_t)ldb, kc, ct, (size_t)ldc, 0xffff, 0xffff, 0);
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
        f32_tile(a + (size_t)jobs[2 * i] * lda, lda, b + jobs[2 * i + 1], ldb, kc, c + (size_t)jobs[2 * i] * ldc + jobs[2 * i + 1], ldc);
    }
}

#define F32_CASE(R) \
    case R: f32_rows(R, a, lda, b, NR, kc, c, ldc, m0, m1, load); break;

TARGET static void f32_tile_rows(int rows, const float *a, size_t lda, const float *b, int kc, float *c, size_t ldc,
                                 int width, int load) {
    __mmask16 m0, m1;
    column_masks(width, &m0, &m1);
    switch (rows) {
        F32_CASE(14) F32_CASE(13) F32_CASE(12) F32_CASE(11) F32_CASE(10) F32_CASE(9) F32_CASE(8)
        F32_CASE(7) F32_CASE(6) F32_CASE(5) F32_CASE(4) F32_CASE(3) F32_CASE(2) F32_CASE(1)
        default: break;
    }
}

/*
 * One reduction block of an F32 product, as tensor.Gemm's blocked loop runs it: C[m x panels * 32] (+)= A[m x kc] .
 * B over panels panels of B (panel s: kc rows of 32 floats at b + s * pstride, zero beyond the matrix's columns), the
 * last panel width columns wide (C has only those); A rows at stride lda, C rows at stride ldc. Each row tile of A
 * passes over every panel while it is in L1. load: continue the chains from C (accumulating, or a later block).
 */
TARGET void tl_f32_block(const float *a, int lda, int m, int kc, const float *b, long pstride, int panels, int width,
                         float *c, int ldc, int load) {
    for (int i = 0; i < m; i += MR) {
        int rows = m - i < MR ? m - i : MR;
        for (int s = 0; s < panels; s++) {
            f32_tile_rows(rows, a + (size_t)i * lda, (size_t)lda, b + (size_t)s * pstride, kc, c + (size_t)i * ldc + (size_t)s * NR,
                          (size_t)ldc, s + 1 < panels ? NR : width, load);
        }
    }
}

/*
 * Java's tensor.DeterministicMath.exp, operation for operation (compare-and-blend clamp, the same FMAs in the same
 * order, 2^n from the bits of n + 1.5 * 2^23): IEEE 754 defines each step exactly, so the same bits.
 */
TARGET static inline __m512 det_exp(__m512 x) {
    const __m512 lo = _mm512_set1_ps(-87.3f), hi = _mm512_set1_ps(88.0f), round = _mm512_set1_ps(12582912.0f);
    __mmask16 tiny = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
    __m512 xc = _mm512_mask_mov_ps(x, tiny, lo);
    xc = _mm512_mask_mov_ps(xc, _mm512_cmp_ps_mask(xc, hi, _CMP_GT_OQ), hi);
    __m512 nr = _mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), round);
    __m512 n = _mm512_sub_ps(nr, round);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), xc);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_fmadd_ps(r, _mm512_set1_ps(1.3888889e-3f), _mm512_set1_ps(8.3333338e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1666668e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666667e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(nr), _mm512_set1_epi32(127)), 23);
    __m512 scaled = _mm512_mul_ps(p, _mm512_castsi512_ps(bits));
    return _mm512_mask_mov_ps(scaled, tiny, _mm512_setzero_ps());
}

/*
 * The sums of 16 rows at once, lanes[i] holding row i's 16 lane sums: each row's lanes added in lane order from lane
 * 0 (onto zero), as Java's DeterministicMath.sumLanes adds them, by one 16 x 16 transpose and vertical adds; out[i]
 * is row i's sum (out 64-byte aligned). The forward's softmax sums and the backward's sums of p * dP.
 */
TARGET static inline void lane_order_sums(__m512i lanes[16], float *out) {
    transpose16(lanes);
    __m512 sum = _mm512_setzero_ps();
    for (int l = 0; l < 16; l++) sum = _mm512_add_ps(sum, _mm512_castsi512_ps(lanes[l]));
    _mm512_store_ps(out, sum);
}

/* The mask of the first n (0..16) lanes. */
static inline __mmask16 first_lanes(int n) { return n >= 16 ? 0xffff : (__mmask16)((1u << n) - 1); }

/*
 * The rows x cols block at src (row stride lds) transposed into dst (row stride ldd): 16 x 16 blocks in registers, the
 * edges too (missing rows read as zero, only the columns that exist loaded and only the rows that exist stored).
 */
TARGET static void transpose_f32(const float *src, int lds, int rows, int cols, float *dst, int ldd) {
    for (int r0 = 0; r0 < rows; r0 += 16) {
        int nr = rows - r0 < 16 ? rows - r0 : 16;
        __mmask16 store = first_lanes(nr);
        for (int c0 = 0; c0 < cols; c0 += 16) {
            int nc = cols - c0 < 16 ? cols - c0 : 16;
            __mmask16 load = first_lanes(nc);
            __m512i v[16];
            for (int i = 0; i < 16; i++) {
                v[i] = i < nr ? _mm512_maskz_loadu_epi32(load, src + (size_t)(r0 + i) * lds + c0) : _mm512_setzero_si512();
            }
            transpose16(v);
            for (int i = 0; i < nc; i++) _mm512_mask_storeu_epi32(dst + (size_t)(c0 + i) * ldd + r0, store, v[i]);
        }
    }
}

/* n floats from src to dst: a head's row, a few vectors (element by element, the backward's gathers took ~5% of
 * its block's samples) */
TARGET static inline void copy_floats(const float *src, float *dst, int n) {
    int e = 0;
    for (; e + 16 <= n; e += 16) _mm512_storeu_ps(dst + e, _mm512_loadu_ps(src + e));
    if (e < n) {
        __mmask16 mk = first_lanes(n - e);
        _mm512_mask_storeu_ps(dst + e, mk, _mm512_maskz_loadu_ps(mk, src + e));
    }
}

/* The same for the first 16 columns only: the last panel of keys a tile's rows see, when they stop in its first half
 * (each element the same FMA chain). */
TARGET static inline void f32_tile_half(const float *at, int lda, const float *bt, int ldb, int kc, float *ct, int ldc) {
    __m512 acc[MR];
#pragma GCC unroll 14
    for (int r = 0; r < MR; r++) acc[r] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bt + (size_t)p * ldb);
#pragma GCC unroll 14
        for (int r = 0; r < MR; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(at[(size_t)r * lda + p]), b0, acc[r]);
    }
#pragma GCC unroll 14
    for (int r = 0; r < MR; r++) _mm512_storeu_ps(ct + (size_t)r * ldc, acc[r]);
}

/* The scores of a row tile (rows of a at stride lda, keys of bt at stride ldb) over keys klo .. khi: whole panels of
 * NR keys, the last one half when the keys stop in its first 16. */
TARGET static void score_tiles(const float *at, int lda, const float *bt, int ldb, int kc, int klo, int khi, float *ct, int ldc) {
    for (int pn = klo / NR; pn <= khi / NR; pn++) {
        if (khi - pn * NR < 16) f32_tile_half(at, lda, bt + (size_t)pn * NR, ldb, kc, ct + (size_t)pn * NR, ldc);
        else f32_tile(at, lda, bt + (size_t)pn * NR, ldb, kc, ct + (size_t)pn * NR, ldc);
    }
}

/* Rounds up to a multiple of 64 bytes: the sections of the attention work areas. */
static size_t aligned64(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

/* The next section of a work area (bytes long, at a 64-byte boundary from base; base NULL: only counted), *at moved
 * past it. The work areas' sizes and their cutting are one function each, so the two cannot disagree. */
static void *section(char *base, size_t *at, size_t bytes) {
    void *p = base ? base + *at : NULL;
    *at += aligned64(bytes);
    return p;
}

/* The keys the rows t0 .. t0 + tileRows of an attention block see (matrix row t is block row t / group): klo .. khi,
 * and that range widened to whole pairs of keys within nkp, zlo .. zhi (exclusive), where the BF16 tiles read. */
static inline void tile_keys(const int *keys, int group, int t0, int tileRows, int nkp, int *klo, int *khi, int *zlo,
                             int *zhi) {
    int lo = keys[2 * (t0 / group)], hi = keys[2 * (t0 / group) + 1];
    for (int t = t0 + 1; t < t0 + tileRows; t++) {
        int a = keys[2 * (t / group)], b = keys[2 * (t / group) + 1];
        if (a < lo) lo = a;
        if (b > hi) hi = b;
    }
    *klo = lo;
    *khi = hi;
    *zlo = lo & ~1;
    *zhi = (hi + 2) & ~1;
    if (*zhi > nkp) *zhi = nkp;
}

/* tl_attention_forward's work area: Q's rows, K^T, V packed, and one row tile's scores, P in BF16 and outputs. */
struct forward_work { float *qd, *kt, *st, *ot; uint32_t *vp; uint16_t *pt; };

/* Cuts base (NULL: nothing) into a block's forward work area for m query rows (heads as rows), nk keys, head width
 * hd; returns its bytes. */
static size_t forward_layout(int m, int nk, int hd, char *base, struct forward_work *w) {
    size_t mp = (size_t)(m + MR - 1) / MR * MR, nkp = (size_t)(nk + NR - 1) / NR * NR, hdp = (size_t)(hd + NR - 1) / NR * NR;
    size_t at = 0;
    w->qd = section(base, &at, mp * hd * 4);
    w->kt = section(base, &at, (size_t)hd * nkp * 4);
    w->vp = section(base, &at, (hdp / NR) * panel_words(nk) * 4);
    w->st = section(base, &at, MR * nkp * 4);
    w->pt = section(base, &at, MR * nkp * 2);
    w->ot = section(base, &at, MR * hdp * 4);
    return at;
}

long tl_attention_work_bytes(int m, int nk, int hd) {
    struct forward_work w;
    return (long)forward_layout(m, nk, hd, NULL, &w);
}

/*
 * Attention forward of one block under BF16 compute, every step in one call: the block's rows (rows query rows x
 * the group of query heads sharing one kv head; matrix row t = i * group + hh is row i, head hh), its nk keys. Query
 * row i, head hh at q + i * ldq + hh * hd; key and value j at k + j * ldk and v + j * ldk; row i sees keys
 * keys[2i] .. keys[2i + 1]. Per row tile of MR matrix rows: the FP32 scores over the key panels its rows see,
 * each row's max, exp(scale * s - scale * max) and their sum, P rounded to BF16 over whole pairs of keys, P.V through
 * the BF16 tile, the row scaled by 1 / sum into out (same layout as q, stride ldo); stats[2t] = scale * max and
 * stats[2t + 1] = sum for the caller's log-sum-exp.
 *
 * The bits of Java's tensor.BlockAttention tile by tile (16 lanes): the scores are tl_f32_tiles' FMA chains, the max
 * is exact in any order, exp is DeterministicMath's, each row's exponentials are summed in 16 lanes from its first
 * key (lane j: keys j, j + 16, ...) and the lanes added in lane order from 0, P.V is tl_tile_jobs' tile over the same
 * pairs. work: tl_attention_work_bytes, 64-byte aligned.
 */
TARGET void tl_attention_forward(const float *q, int ldq, const float *k, const float *v, int ldk, int rows, int group,
                                 int hd, int nk, const int *keys, float scale, float *out, int ldo, float *stats,
                                 void *work) {
    int m = rows * group, mp = (m + MR - 1) / MR * MR, nkp = (nk + NR - 1) / NR * NR, hdp = (hd + NR - 1) / NR * NR;
    struct forward_work w;
    forward_layout(m, nk, hd, (char *)work, &w);
    float *qd = w.qd, *kt = w.kt, *st = w.st, *ot = w.ot;
    uint32_t *vp = w.vp;
    uint16_t *pt = w.pt;
    size_t pw = panel_words(nk);

    for (int t = 0; t < m; t++) copy_floats(q + (size_t)(t / group) * ldq + (size_t)(t % group) * hd, qd + (size_t)t * hd, hd);
    for (size_t i = (size_t)m * hd; i < (size_t)mp * hd; i++) qd[i] = 0.f;
    transpose_f32(k, ldk, nk, hd, kt, nkp);
    for (int e = 0; e < hd; e++) {
        for (int j = nk; j < nkp; j++) kt[(size_t)e * nkp + j] = 0.f;
    }
    tl_pack_f32(v, ldk, nk, hd, vp);

    for (int t0 = 0; t0 < m; t0 += MR) {
        int tileRows = m - t0 < MR ? m - t0 : MR;
        int klo, khi, zlo, zhi;
        tile_keys(keys, group, t0, tileRows, nkp, &klo, &khi, &zlo, &zhi);
        /* the scores over the keys the tile's rows see (the FMA chains of tl_f32_tiles) */
        score_tiles(qd + (size_t)t0 * hd, hd, kt, nkp, hd, klo, khi, st, nkp);
        /*
         * Each row's 16 lane maxima, then all rows' maxima at once (a 16 x 16 transpose and vertical maxima: exact in
         * any order); then each row's exponentials and 16 lane sums, rows independent of each other so that the
         * out-of-order core overlaps them; then all rows' sums at once, the lanes added in lane order from 0 as
         * Java's DeterministicMath.sumLanes does. (Row by row with its own reductions, each row waited on the last:
         * latency bound, about a quarter of the block's samples.)
         */
        __m512i lanes[16];
        for (int i = 0; i < 16; i++) {
            __m512 mx = _mm512_set1_ps(-__builtin_inff());
            if (i < tileRows) {
                int t = t0 + i, from = keys[2 * (t / group)], n = keys[2 * (t / group) + 1] - from + 1, j = 0;
                const float *row = st + (size_t)i * nkp + from;
                for (; j + 16 <= n; j += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(row + j));
                if (j < n) {
                    __mmask16 mk = first_lanes(n - j);
                    mx = _mm512_mask_max_ps(mx, mk, mx, _mm512_maskz_loadu_ps(mk, row + j));
                }
            }
            lanes[i] = _mm512_castps_si512(mx);
        }
        transpose16(lanes);
        __m512 rmax = _mm512_castsi512_ps(lanes[0]);
        for (int l = 1; l < 16; l++) rmax = _mm512_max_ps(rmax, _mm512_castsi512_ps(lanes[l]));
        float shifts[16] __attribute__((aligned(64)));
        _mm512_store_ps(shifts, _mm512_mul_ps(rmax, _mm512_set1_ps(scale)));
        __m512 vs = _mm512_set1_ps(scale);
        for (int i = 0; i < 16; i++) {
            __m512 sum = _mm512_setzero_ps();
            if (i < tileRows) {
                int t = t0 + i, from = keys[2 * (t / group)], n = keys[2 * (t / group) + 1] - from + 1;
                float *row = st + (size_t)i * nkp + from;
                __m512 vshift = _mm512_set1_ps(-shifts[i]);
                for (int j = 0; j < n; j += 16) {
                    __mmask16 mk = first_lanes(n - j);
                    __m512 e = det_exp(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, row + j), vs, vshift));
                    _mm512_mask_storeu_ps(row + j, mk, e);
                    sum = _mm512_mask_add_ps(sum, mk, sum, e);
                }
            }
            lanes[i] = _mm512_castps_si512(sum);
        }
        float sums[16] __attribute__((aligned(64)));
        lane_order_sums(lanes, sums);
        /* zeros around each row's keys out to whole pairs, and the tile's rows past the block */
        for (int i = 0; i < MR; i++) {
            float *row = st + (size_t)i * nkp;
            if (i >= tileRows) {
                for (int j = zlo; j < zhi; j++) row[j] = 0.f;
                continue;
            }
            int t = t0 + i, from = keys[2 * (t / group)], to = keys[2 * (t / group) + 1];
            for (int j = zlo; j < from; j++) row[j] = 0.f;
            for (int j = to + 1; j < zhi; j++) row[j] = 0.f;
            stats[2 * t] = shifts[i];
            stats[2 * t + 1] = sums[i];
        }
        /* P in BF16 over the tile's pairs of keys, then P.V panel by panel (tl_tile_jobs' tile) */
        for (int i = 0; i < MR; i++) {
            const float *s = st + (size_t)i * nkp;
            uint16_t *d = pt + (size_t)i * nkp;
            for (int c = zlo; c < zhi; c += 32) {
                int left = zhi - c;
                __mmask16 m0, m1;
                column_masks(left, &m0, &m1);
                __m512i b = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m1, s + c + 16), _mm512_maskz_loadu_ps(m0, s + c));
                _mm512_mask_storeu_epi16(d + c, left >= 32 ? 0xffffffffu : ((1u << left) - 1), b);
            }
        }
        for (int c0 = 0; c0 < hd; c0 += NR) {
            tile_rows(MR, (const uint32_t *)(pt + zlo), (size_t)nkp / 2, vp + (size_t)(c0 / NR) * pw + (size_t)(zlo / 2) * NR,
                      (zhi - zlo + 1) / 2, ot + c0, (size_t)hdp, hd - c0 < NR ? hd - c0 : NR, 0);
        }
        for (int i = 0; i < tileRows; i++) {
            int t = t0 + i;
            float inv = 1.f / stats[2 * t + 1];
            float *dst = out + (size_t)(t / group) * ldo + (size_t)(t % group) * hd;
            const float *o = ot + (size_t)i * hdp;
            __m512 vinv = _mm512_set1_ps(inv);
            for (int e = 0; e < hd; e += 16) {
                __mmask16 mk = first_lanes(hd - e);
                _mm512_mask_storeu_ps(dst + e, mk, _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, o + e), vinv));
            }
        }
    }
}

/* tl_attention_backward's work area (see there for what each holds). */
struct backward_work {
    float *qd, *dod, *tmp, *vt, *kt, *p, *ds, *ot, *dkt, *dvt, *gkv;
    uint16_t *qt16, *dot16, *dod16, *ds16;
    uint32_t *kdP, *vtP, *dsP, *pP;
};

/* Cuts base (NULL: nothing) into a block's backward work area for m query rows (heads as rows), nk keys, head width
 * hd; returns its bytes. */
static size_t backward_layout(int m, int nk, int hd, char *base, struct backward_work *w) {
    size_t mp = (size_t)(m + MR - 1) / MR * MR, nkp = (size_t)(nk + NR - 1) / NR * NR, hdp = (size_t)(hd + NR - 1) / NR * NR;
    size_t hdr = (size_t)(hd + MR - 1) / MR * MR, hda = (size_t)(hd + 1) & ~(size_t)1;
    size_t big = mp * hd > (size_t)hd * nkp ? mp * hd : (size_t)hd * nkp, at = 0;
    w->qd = section(base, &at, mp * hd * 4);                       /* Q's rows */
    w->dod = section(base, &at, mp * hd * 4);                      /* dO's rows */
    w->tmp = section(base, &at, hdr * mp * 4);                     /* FP32 transpose scratch */
    w->vt = section(base, &at, big * 4);                           /* V^T in FP32 */
    w->qt16 = section(base, &at, hdr * mp * 2);                    /* Q^T, dO^T in BF16 */
    w->dot16 = section(base, &at, hdr * mp * 2);
    w->kt = section(base, &at, (size_t)hd * nkp * 4);              /* K^T in FP32, for the scores */
    w->kdP = section(base, &at, (hdp / NR) * panel_words(nk) * 4); /* K packed (red nk, cols hd) */
    w->vtP = section(base, &at, (nkp / NR) * panel_words(hd) * 4); /* V^T packed (red hd, cols nk) */
    w->dod16 = section(base, &at, mp * hda * 2);                   /* dO in BF16 */
    w->p = section(base, &at, MR * nkp * 4);                       /* a row tile of P, dS */
    w->ds = section(base, &at, MR * nkp * 4);
    w->ds16 = section(base, &at, MR * nkp * 2);                    /* a row tile of dS in BF16 */
    w->ot = section(base, &at, MR * hdp * 4);                      /* a row tile of dQ */
    w->dsP = section(base, &at, (nkp / NR) * panel_words(mp) * 4); /* dS, P packed (red mp, cols nk) */
    w->pP = section(base, &at, (nkp / NR) * panel_words(mp) * 4);
    w->dkt = section(base, &at, hdr * NR * 4);                     /* a key panel of dK^T, dV^T */
    w->dvt = section(base, &at, hdr * NR * 4);
    w->gkv = section(base, &at, 2 * NR * hdp * 4);                 /* the two transposed */
    return at;
}

long tl_attention_backward_work_bytes(int m, int nk, int hd) {
    struct backward_work w;
    return (long)backward_layout(m, nk, hd, NULL, &w);
}

/*
 * Attention backward of one block under BF16 compute, every step in one call: the block as in tl_attention_forward
 * (q at stride ldq, k and v at stride ldk, keys[2i] .. keys[2i + 1] seen by row i), lse[(t / group) * ldl + t % group]
 * the forward's log-sum-exp of matrix row t = i * group + hh, dO of row i, head hh at dout + qrow[i] * ldd + hh * hd
 * and dq written at the same place in dq; dK and dV of key j added at dk, dv + krow[j] * ldk (none where krow[j] < 0).
 * Per row tile: the FP32 scores (recomputed), dP = dO.V^T (BF16 tiles over the whole head), the softmax backward
 * (p = exp(scale * s - lse), sum of p * dP in 16 lanes from each row's first key, dS = p * (dP - that) * scale), dQ =
 * dS.K over the pairs of keys the tile's rows see, and the tile's P and dS packed into the block's panels (only a
 * tile of them is ever held in FP32: the work area stays within a Zen 5 core's L2, 0.89 MB instead of 1.28 for a
 * SmolLM2 block, and the harness's backward ran 2-3% faster); then dK^T = Q^T.dS and dV^T = dO^T.P one key panel at
 * a time, each over the pairs of rows that see one of its keys, added into dk and dv.
 *
 * The bits of Java's tensor.BlockAttention.backward tile by tile (16 lanes): the same tiles over the same ranges, the
 * same FMA chains, exp and lane-order sums (a full 16-lane step fuses p * dP into the sum, the partial last one rounds
 * the product first, as Softmax.backwardLanes does). work: tl_attention_backward_work_bytes, 64-byte aligned.
 */
TARGET void tl_attention_backward(const float *q, int ldq, const float *k, const float *v, int ldk, const float *lse,
                                  int ldl, const float *dout, float *dq, const int *qrow, int ldd, float *dk, float *dv,
                                  const int *krow, int rows, int group, int hd, int nk, const int *keys, float scale,
                                  void *work) {
    int m = rows * group, mp = (m + MR - 1) / MR * MR, nkp = (nk + NR - 1) / NR * NR, hdp = (hd + NR - 1) / NR * NR;
    int hdr = (hd + MR - 1) / MR * MR, hda = (hd + 1) & ~1;
    struct backward_work w;
    backward_layout(m, nk, hd, (char *)work, &w);
    float *qd = w.qd, *dod = w.dod, *tmp = w.tmp, *vt = w.vt, *kt = w.kt, *p = w.p, *ds = w.ds, *ot = w.ot;
    float *dkt = w.dkt, *dvt = w.dvt, *gkv = w.gkv;
    uint16_t *qt16 = w.qt16, *dot16 = w.dot16, *dod16 = w.dod16, *ds16 = w.ds16;
    uint32_t *kdP = w.kdP, *vtP = w.vtP, *dsP = w.dsP, *pP = w.pP;

    /* the block's operands: Q and dO with heads as rows (zero rows to mp), their transposes in BF16 (zero rows to
     * hdr), K^T in FP32 for the scores, K and V^T packed for the BF16 tiles, dO in BF16 */
    for (int t = 0; t < m; t++) {
        copy_floats(q + (size_t)(t / group) * ldq + (size_t)(t % group) * hd, qd + (size_t)t * hd, hd);
        copy_floats(dout + (size_t)qrow[t / group] * ldd + (size_t)(t % group) * hd, dod + (size_t)t * hd, hd);
    }
    for (size_t i = (size_t)m * hd; i < (size_t)mp * hd; i++) qd[i] = dod[i] = 0.f;
    transpose_f32(qd, hd, mp, hd, tmp, mp);
    for (size_t i = (size_t)hd * mp; i < (size_t)hdr * mp; i++) tmp[i] = 0.f;
    tl_to_bf16(tmp, hdr, mp, qt16, mp);
    transpose_f32(dod, hd, mp, hd, tmp, mp);
    for (size_t i = (size_t)hd * mp; i < (size_t)hdr * mp; i++) tmp[i] = 0.f;
    tl_to_bf16(tmp, hdr, mp, dot16, mp);
    tl_to_bf16(dod, mp, hd, dod16, hda);
    transpose_f32(k, ldk, nk, hd, kt, nkp);
    for (int e = 0; e < hd; e++) {
        for (int j = nk; j < nkp; j++) kt[(size_t)e * nkp + j] = 0.f;
    }
    tl_pack_f32(k, ldk, nk, hd, kdP);
    transpose_f32(v, ldk, nk, hd, vt, nkp);
    tl_pack_f32(vt, nkp, hd, nk, vtP);

    size_t pwHd = panel_words(hd), pwNk = panel_words(nk), pwM = panel_words(mp);
    for (int t0 = 0; t0 < m; t0 += MR) {
        int tileRows = m - t0 < MR ? m - t0 : MR;
        int klo, khi, zlo, zhi;
        tile_keys(keys, group, t0, tileRows, nkp, &klo, &khi, &zlo, &zhi);
        /* dP (BF16 over the head) panel by panel and the scores (FP32) over the keys the tile's rows see */
        score_tiles(qd + (size_t)t0 * hd, hd, kt, nkp, hd, klo, khi, p, nkp);
        for (int pn = klo / NR; pn <= khi / NR; pn++) {
            int width = nk - pn * NR < NR ? nk - pn * NR : NR;
            tile_rows(MR, (const uint32_t *)(dod16 + (size_t)t0 * hda), (size_t)hda / 2, vtP + (size_t)pn * pwHd,
                      (hd + 1) / 2, ds + pn * NR, (size_t)nkp, width, 0);
        }
        /* each row's probabilities and the 16 lane sums of p * dP, rows independent; then all rows' sums at once */
        __m512 vs = _mm512_set1_ps(scale);
        __m512i lanes[16];
        for (int i = 0; i < 16; i++) {
            __m512 sum = _mm512_setzero_ps();
            if (i < tileRows) {
                int t = t0 + i, from = keys[2 * (t / group)], n = keys[2 * (t / group) + 1] - from + 1;
                float *pr = p + (size_t)i * nkp + from;
                const float *dr = ds + (size_t)i * nkp + from;
                __m512 vshift = _mm512_set1_ps(-lse[(size_t)(t / group) * ldl + t % group]);
                int j = 0;
                for (; j + 16 <= n; j += 16) {
                    __m512 e = det_exp(_mm512_fmadd_ps(_mm512_loadu_ps(pr + j), vs, vshift));
                    _mm512_storeu_ps(pr + j, e);
                    sum = _mm512_fmadd_ps(e, _mm512_loadu_ps(dr + j), sum);
                }
                if (j < n) {
                    __mmask16 mk = first_lanes(n - j);
                    __m512 e = det_exp(_mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, pr + j), vs, vshift));
                    _mm512_mask_storeu_ps(pr + j, mk, e);
                    sum = _mm512_mask_add_ps(sum, mk, sum, _mm512_mul_ps(e, _mm512_maskz_loadu_ps(mk, dr + j)));
                }
            }
            lanes[i] = _mm512_castps_si512(sum);
        }
        float pdp[16] __attribute__((aligned(64)));
        lane_order_sums(lanes, pdp);
        /* dS = p * (dP - sum) * scale; p and dS zero outside each row's keys (the transposed products read whole
         * panels), and in the tile's rows past the block */
        for (int i = 0; i < MR; i++) {
            int t = t0 + i;
            float *pr = p + (size_t)i * nkp, *dr = ds + (size_t)i * nkp;
            if (i >= tileRows) {
                for (int j = 0; j < nkp; j++) pr[j] = dr[j] = 0.f;
                continue;
            }
            int from = keys[2 * (t / group)], to = keys[2 * (t / group) + 1], n = to - from + 1;
            __m512 vpdp = _mm512_set1_ps(pdp[i]);
            for (int j = 0; j < n; j += 16) {
                __mmask16 mk = first_lanes(n - j);
                __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, dr + from + j), vpdp);
                _mm512_mask_storeu_ps(dr + from + j, mk, _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(mk, pr + from + j), d), vs));
            }
            for (int j = 0; j < from; j++) pr[j] = dr[j] = 0.f;
            for (int j = to + 1; j < nkp; j++) pr[j] = dr[j] = 0.f;
        }
        /* dQ = dS.K over the tile's pairs of keys, written to dq */
        tl_to_bf16(ds, MR, nkp, ds16, nkp);
        for (int c0 = 0; c0 < hd; c0 += NR) {
            tile_rows(MR, (const uint32_t *)(ds16 + zlo), (size_t)nkp / 2, kdP + (size_t)(c0 / NR) * pwNk + (size_t)(zlo / 2) * NR,
                      (zhi - zlo + 1) / 2, ot + c0, (size_t)hdp, hd - c0 < NR ? hd - c0 : NR, 0);
        }
        for (int i = 0; i < tileRows; i++) {
            int t = t0 + i;
            float *dst = dq + (size_t)qrow[t / group] * ldd + (size_t)(t % group) * hd;
            copy_floats(ot + (size_t)i * hdp, dst, hd);
        }
        /* the tile's pairs of rows of dS and P, packed now (in cache) where the block's dK and dV products read them */
        pack_f32_panels(ds, nkp, MR, nk, dsP + (size_t)(t0 / 2) * NR, pwM);
        pack_f32_panels(p, nkp, MR, nk, pP + (size_t)(t0 / 2) * NR, pwM);
    }

    /* dK^T = Q^T.dS and dV^T = dO^T.P, each key panel over the pairs of rows that see one of its keys */
    for (int pn = 0; pn * NR < nk; pn++) {
        int j0 = pn * NR, j1 = (nk < j0 + NR ? nk : j0 + NR) - 1, first = -1, last = -1;
        for (int i = 0; i < rows; i++) {
            if (keys[2 * i + 1] >= j0 && keys[2 * i] <= j1) {
                if (first < 0) first = i;
                last = i;
            }
        }
        if (first < 0) continue; /* no row sees these keys: their gradients get nothing */
        int a0 = (first * group) & ~1, a1 = ((last + 1) * group + 1) & ~1, width = j1 - j0 + 1;
        if (a1 > mp) a1 = mp;
        for (int e0 = 0; e0 < hdr; e0 += MR) {
            tile_rows(MR, (const uint32_t *)(qt16 + (size_t)e0 * mp + a0), (size_t)mp / 2, dsP + (size_t)pn * pwM + (size_t)(a0 / 2) * NR,
                      (a1 - a0 + 1) / 2, dkt + (size_t)e0 * NR, NR, width, 0);
            tile_rows(MR, (const uint32_t *)(dot16 + (size_t)e0 * mp + a0), (size_t)mp / 2, pP + (size_t)pn * pwM + (size_t)(a0 / 2) * NR,
                      (a1 - a0 + 1) / 2, dvt + (size_t)e0 * NR, NR, width, 0);
        }
        /* the panels transposed (a key's gradient is a row), then added at each key's gradient row */
        transpose_f32(dkt, NR, hd, width, gkv, hdp);
        transpose_f32(dvt, NR, hd, width, gkv + (size_t)NR * hdp, hdp);
        for (int j = j0; j <= j1; j++) {
            if (krow[j] < 0) continue;
            float *gk = dk + (size_t)krow[j] * ldk, *gv = dv + (size_t)krow[j] * ldk;
            const float *sk = gkv + (size_t)(j - j0) * hdp, *sv = gkv + (size_t)(NR + j - j0) * hdp;
            for (int e = 0; e < hd; e += 16) {
                __mmask16 mk = first_lanes(hd - e);
                _mm512_mask_storeu_ps(gk + e, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, gk + e), _mm512_maskz_loadu_ps(mk, sk + e)));
                _mm512_mask_storeu_ps(gv + e, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, gv + e), _mm512_maskz_loadu_ps(mk, sv + e)));
            }
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
