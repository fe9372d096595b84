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

/* qsort order of doubles, ascending */
static inline int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* a random BF16 value of either sign with the exponent of base (0x3c00: about 1/128 to 1/64) */
static inline uint16_t random_bf16(uint16_t base) { return (uint16_t)(base + (rand() & 0x3ff) + ((rand() & 1) << 15)); }

#endif
