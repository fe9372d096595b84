/* What both harnesses share: the library's entry points they call, a clock, a sort order and random BF16 values. */
#ifndef TAGLLM_HARNESS_H
#define TAGLLM_HARNESS_H
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

void tl_xwt_bf16a(const uint16_t *, int, int, int, const uint16_t *, int, int, int, float *, int);
void tl_xw_bf16a(const uint16_t *, int, int, int, const uint16_t *, int, int, int, float *, int);
void tl_pack_bf16(const uint16_t *w, int red, int cols, int transposed, int p0, int p1, uint32_t *dst);
void tl_gemm_packed_bf16(const uint16_t *a, int lda, int m, int red, const uint32_t *b, int cols, int c0, int c1,
                         float *yc, int ldy, int accumulate);
float tl_bf16_peak(long iters);

static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The BF16 dot-product peak of one thread in GFLOP/s: the best of three runs of the library's peak loop (100,000
 * rounds of 24 x 64 FLOPs each), so that a slow moment cannot lower it. */
static inline double bf16_peak_gflops(void) {
    double peak = 0;
    for (int q = 0; q < 3; q++) {
        double t0 = now();
        tl_bf16_peak(100000);
        double g = 100000.0 * 24 * 64 / (now() - t0) / 1e9;
        if (g > peak) peak = g;
    }
    return peak;
}

/* bytes (rounded up to a cache line) at a 64-byte boundary; the harness gives up when memory runs out */
static inline void *aligned(size_t bytes) {
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) exit(1);
    return p;
}

/*
 * tensor.Gemm's cut of a native product C[rows x cols] into tasks (TaskGrid.forNative): groups of about 8 panels of
 * 32 columns, evenly sized, times blocks of whole 14-row tiles, about tasks_per_thread tasks for each of threads.
 */
enum { CUT_TILE_ROWS = 14, CUT_PANEL = 32, CUT_GROUP = 8 }; /* Gemm.MR, NativeBf16.PANEL, Gemm.NATIVE_PANELS */

typedef struct {
    int rows, cols, panels, row_tiles, groups, per, blocks;
} gemm_cut;

static inline gemm_cut gemm_cut_of(int rows, int cols, int threads, int tasks_per_thread) {
    gemm_cut g = {rows, cols, (cols + CUT_PANEL - 1) / CUT_PANEL, (rows + CUT_TILE_ROWS - 1) / CUT_TILE_ROWS, 0, 0, 0};
    g.groups = (g.panels + CUT_GROUP - 1) / CUT_GROUP;
    g.per = (g.panels + g.groups - 1) / g.groups;
    g.groups = (g.panels + g.per - 1) / g.per;
    g.blocks = (tasks_per_thread * threads + g.groups - 1) / g.groups;
    if (g.blocks > g.row_tiles) g.blocks = g.row_tiles;
    if (g.blocks < 1) g.blocks = 1;
    return g;
}

static inline int gemm_cut_tasks(const gemm_cut *g) { return g->groups * g->blocks; }

/* Task t's rows [r0, r1) (empty when a block falls past the last row) and columns [c0, c1). */
static inline void gemm_cut_task(const gemm_cut *g, int t, int *r0, int *r1, int *c0, int *c1) {
    int p0 = t % g->groups * g->per, p1 = p0 + g->per < g->panels ? p0 + g->per : g->panels;
    *r0 = (int)((long)g->row_tiles * (t / g->groups) / g->blocks) * CUT_TILE_ROWS;
    *r1 = (int)((long)g->row_tiles * (t / g->groups + 1) / g->blocks) * CUT_TILE_ROWS;
    if (*r1 > g->rows) *r1 = g->rows;
    *c0 = p0 * CUT_PANEL;
    *c1 = p1 * CUT_PANEL < g->cols ? p1 * CUT_PANEL : g->cols;
}

/* Task t of the cut g of C[g->rows x g->cols] = A . B on this thread, B packed whole (tl_pack_bf16's layout), A's rows
 * at stride lda with red values each; nothing when the task's rows fall past the last. */
static inline void gemm_cut_run(const gemm_cut *g, int t, const uint16_t *a, int lda, int red, const uint32_t *b, float *c) {
    int r0, r1, c0, c1;
    gemm_cut_task(g, t, &r0, &r1, &c0, &c1);
    if (r1 > r0) {
        tl_gemm_packed_bf16(a + (size_t)r0 * lda, lda, r1 - r0, red, b, g->cols, c0, c1, c + (size_t)r0 * g->cols + c0,
                            g->cols, 0);
    }
}

/* qsort order of doubles, ascending */
static inline int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* a random BF16 value of either sign with the exponent of base (0x3c00: about 1/128 to 1/64) */
static inline uint16_t random_bf16(uint16_t base) { return (uint16_t)(base + (rand() & 0x3ff) + ((rand() & 1) << 15)); }

#endif
