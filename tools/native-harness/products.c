/*
 * The native BF16 products of one SmolLM2-135M layer (forward x.W^T and backward dy.W of q, k, v, o, gate, up and
 * down at m rows), cut into tasks as tensor.Gemm cuts them (TaskGrid.forNative) and run on the calling thread, as a
 * share of the BF16 dot-product peak re-measured before each round. Two ways alternate round by round, so the
 * machine's drift falls on both: B packed by every task (tl_xwt_bf16a / tl_xw_bf16a) and B packed once per product
 * (tl_pack_bf16 + tl_gemm_packed_bf16, what Gemm does when row blocks share panels). Operands are random BF16.
 *
 *   tools/native-harness/run.sh [m] [rounds] [threads the cut assumes] [tasks per thread]
 */
#include <stdio.h>

#include "harness.h"

static int threads = 2, tasks_per_thread = 16; /* Gemm.NATIVE_TASKS_PER_THREAD */
static uint32_t *packed;

/* One product, every task of Gemm's cut in turn; once = 1 packs B for the whole product first. */
static void product(int once, int transposed, const uint16_t *a, int lda, int m, int red, const uint16_t *w, int cols,
                    float *y) {
    gemm_cut g = gemm_cut_of(m, cols, threads, tasks_per_thread);
    if (once) tl_pack_bf16(w, red, cols, transposed, 0, g.panels, packed);
    for (int t = 0; t < gemm_cut_tasks(&g); t++) {
        int r0, r1, c0, c1;
        gemm_cut_task(&g, t, &r0, &r1, &c0, &c1);
        if (r1 <= r0) continue;
        const uint16_t *at = a + (size_t)r0 * lda;
        float *yt = y + (size_t)r0 * cols;
        if (once) tl_gemm_packed_bf16(at, lda, r1 - r0, red, packed, cols, c0, c1, yt + c0, cols, 0);
        else if (transposed) tl_xwt_bf16a(at, lda, r1 - r0, red, w, cols, c0, c1, yt, 0);
        else tl_xw_bf16a(at, lda, r1 - r0, red, w, cols, c0, c1, yt, 0);
    }
}

int main(int argc, char **argv) {
    int m = argc > 1 ? atoi(argv[1]) : 1024, rounds = argc > 2 ? atoi(argv[2]) : 11;
    threads = argc > 3 ? atoi(argv[3]) : 2;
    tasks_per_thread = argc > 4 ? atoi(argv[4]) : 16;
    if (m < 1 || rounds < 1 || rounds > 1000 || threads < 1 || tasks_per_thread < 1) {
        fprintf(stderr, "usage: products [m >= 1] [rounds 1..1000] [threads >= 1] [tasks per thread >= 1]\n");
        return 2;
    }
    /* W is n x k (rows x cols); count = how many such products a layer has */
    static const int shapes[][3] = {{576, 576, 2}, {192, 576, 2}, {1536, 576, 2}, {576, 1536, 1}};
    uint16_t *w[4], *x[4], *dy[4];
    float *y[4], *dx[4];
    packed = aligned_alloc(64, 4 * 1536 * 1536);
    double flops = 0;
    for (int s = 0; s < 4; s++) {
        int n = shapes[s][0], k = shapes[s][1];
        w[s] = aligned_alloc(64, (size_t)n * k * 2 + 64);
        x[s] = aligned_alloc(64, (size_t)m * k * 2 + 64);
        dy[s] = aligned_alloc(64, (size_t)m * n * 2 + 64);
        y[s] = aligned_alloc(64, (size_t)m * n * 4 + 64);
        dx[s] = aligned_alloc(64, (size_t)m * k * 4 + 64);
        if (!w[s] || !x[s] || !dy[s] || !y[s] || !dx[s] || !packed) return 1;
        for (size_t i = 0; i < (size_t)n * k; i++) w[s][i] = random_bf16(0x3a00);
        for (size_t i = 0; i < (size_t)m * k; i++) x[s][i] = random_bf16(0x3c00);
        for (size_t i = 0; i < (size_t)m * n; i++) dy[s][i] = random_bf16(0x3c00);
        flops += 2.0 * 2 * m * n * k * shapes[s][2];
    }
    double *share[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 2; i++) {
            int once = r % 2 ? 1 - i : i;
            double peak = bf16_peak_gflops();
            double total = 0;
            for (int s = 0; s < 4; s++) {
                int n = shapes[s][0], k = shapes[s][1];
                double best = 1e9;
                for (int q = 0; q < 3; q++) {
                    double t0 = now();
                    product(once, 1, x[s], k, m, k, w[s], n, y[s]);  /* y = x . W^T: reduction k, n columns */
                    product(once, 0, dy[s], n, m, n, w[s], k, dx[s]); /* dx = dy . W: reduction n, k columns */
                    double t = now() - t0;
                    if (t < best) best = t;
                }
                total += best * shapes[s][2];
            }
            share[once][r] = flops / total / 1e9 / peak;
        }
    }
    for (int once = 0; once < 2; once++) {
        qsort(share[once], rounds, sizeof(double), by_value);
        printf("%-18s median %.1f%% of the BF16 peak (min %.1f, max %.1f; %d rounds, m = %d, cut for %d threads x %d "
               "tasks)\n", once ? "B packed once" : "B packed per task", 100 * share[once][rounds / 2],
               100 * share[once][0], 100 * share[once][rounds - 1], rounds, m, threads, tasks_per_thread);
    }
    return 0;
}
