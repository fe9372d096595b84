/*
 * The library's register tile on hot operands: one 14-row tile of BF16 A times one packed 32-column panel of B over
 * red reduction elements (tl_gemm_packed_bf16 with m = 14, 32 columns), called again and again on one core, so A
 * (14 x red BF16) and B (red x 32 BF16) stay in L1 for red up to ~700. Prints its rate as a share of the BF16
 * dot-product peak loop measured in the same round (the median over rounds): what the kernel itself reaches when
 * nothing waits on memory, the ceiling for every product built from it. Built and run by run.sh tile [red] [rounds].
 */
#include <stdio.h>

#include "harness.h"

int main(int argc, char **argv) {
    int red = argc > 1 ? atoi(argv[1]) : 576, rounds = argc > 2 ? atoi(argv[2]) : 15;
    if (red < 2 || red > 4096 || rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: tile [red 2..4096] [rounds 1..1000]\n");
        return 2;
    }
    enum { MR = 14, NR = 32 };
    int lda = (red + 1) & ~1;
    uint16_t *a = aligned_alloc(64, ((size_t)MR * lda * 2 + 63) / 64 * 64), *w = aligned_alloc(64, ((size_t)NR * red * 2 + 63) / 64 * 64);
    uint32_t *b = aligned_alloc(64, ((size_t)(red + 1) / 2 * NR * 4 + 63) / 64 * 64);
    float *c = aligned_alloc(64, MR * NR * 4);
    if (!a || !w || !b || !c) return 1;
    for (size_t i = 0; i < (size_t)MR * lda; i++) a[i] = (int)(i % lda) < red ? random_bf16(0x3c00) : 0;
    for (size_t i = 0; i < (size_t)NR * red; i++) w[i] = random_bf16(0x3a00);
    tl_pack_bf16(w, red, NR, 1, 0, 1, b); /* B = W^T, W is 32 x red */
    long calls = 2000000000L / ((long)red * MR * NR * 2) + 1; /* ~2 GFLOP a round */
    double *share = malloc(rounds * sizeof(double));
    if (!share) return 1;
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        tl_bf16_peak(1000000);
        double peak = 1000000.0 * 24 * 64 / (now() - t0);
        t0 = now();
        for (long i = 0; i < calls; i++) tl_gemm_packed_bf16(a, lda, MR, red, b, NR, 0, NR, c, NR, 0);
        share[r] = (double)calls * red * MR * NR * 2 / (now() - t0) / peak;
    }
    qsort(share, rounds, sizeof(double), by_value);
    printf("register tile, hot operands (14 x %d A, %d x 32 B): median %.1f%% of the BF16 peak loop (min %.1f, max %.1f; "
           "%d rounds)\n", red, red, 100 * share[rounds / 2], 100 * share[0], 100 * share[rounds - 1], rounds);
    return 0;
}
