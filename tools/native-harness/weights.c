/*
 * Whether the forward products wait on the weights coming from memory. The step reads each layer's W^T packed once
 * per forward (212 MB for SmolLM2-135M's 30 layers, more than any cache), while the products harness reuses one
 * layer's weights, which then sit in the caches. Here the forward products y = x.W^T of all 30 layers (q, k, v, o,
 * gate, up, down at m rows; B = W^T packed whole, as BF16 compute holds it), cut as Gemm cuts them, run on one core
 * in two ways alternated round by round: each layer with its own weights (from memory) and every layer with layer
 * 0's (from cache). Each way's median share of the BF16 peak loop, re-measured before each round.
 *
 *   tools/native-harness/run.sh weights [m] [rounds]
 */
#include <stdio.h>

#include "harness.h"

enum { LAYERS = 30 };

/* W is n x k; count = how many such products a layer has */
static const int shapes[][3] = {{576, 576, 2}, {192, 576, 2}, {1536, 576, 2}, {576, 1536, 1}};

/* Words of W^T packed whole for red x cols (tl_pack_bf16 with transposed = 1): 32-column panels of red/2 pairs. */
static size_t packed_words(int red, int cols) {
    return (size_t)((cols + CUT_PANEL - 1) / CUT_PANEL) * ((red + 1) / 2) * CUT_PANEL;
}

int main(int argc, char **argv) {
    int m = argc > 1 ? atoi(argv[1]) : 1024, rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (m < 1 || rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: weights [m >= 1] [rounds 1..1000]\n");
        return 2;
    }
    static uint32_t *wt[LAYERS][4][2];
    uint16_t *x[4], *w = aligned((size_t)1536 * 576 * 2);
    float *y[4];
    double flops = 0;
    for (int s = 0; s < 4; s++) {
        int n = shapes[s][0], k = shapes[s][1];
        x[s] = aligned((size_t)m * k * 2);
        y[s] = aligned((size_t)m * n * 4);
        for (size_t i = 0; i < (size_t)m * k; i++) x[s][i] = random_bf16(0x3c00);
        for (int l = 0; l < LAYERS; l++) {
            for (int c = 0; c < shapes[s][2]; c++) {
                for (size_t i = 0; i < (size_t)n * k; i++) w[i] = random_bf16(0x3a00);
                wt[l][s][c] = aligned(packed_words(k, n) * 4);
                tl_pack_bf16(w, k, n, 1, 0, (n + CUT_PANEL - 1) / CUT_PANEL, wt[l][s][c]);
            }
        }
        flops += 2.0 * m * n * k * shapes[s][2] * LAYERS;
    }
    double *share[2] = {aligned(rounds * sizeof(double)), aligned(rounds * sizeof(double))};
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < 2; i++) {
            int own = r % 2 ? 1 - i : i;
            double peak = bf16_peak_gflops(), t0 = now();
            for (int l = 0; l < LAYERS; l++) {
                for (int s = 0; s < 4; s++) {
                    for (int c = 0; c < shapes[s][2]; c++) {
                        int n = shapes[s][0], k = shapes[s][1];
                        const uint32_t *b = wt[own ? l : 0][s][c];
                        gemm_cut g = gemm_cut_of(m, n, 2, 16);
                        for (int t = 0; t < gemm_cut_tasks(&g); t++) gemm_cut_run(&g, t, x[s], k, k, b, y[s]);
                    }
                }
            }
            share[own][r] = flops / (now() - t0) / 1e9 / peak;
        }
    }
    for (int own = 0; own < 2; own++) {
        qsort(share[own], rounds, sizeof(double), by_value);
        printf("%-28s median %.1f%% of the BF16 peak (min %.1f, max %.1f; %d rounds, m = %d)\n",
               own ? "each layer's W (memory)" : "layer 0's W for all (cache)", 100 * share[own][rounds / 2],
               100 * share[own][0], 100 * share[own][rounds - 1], rounds, m);
    }
    return 0;
}
