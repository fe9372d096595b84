/*
 * Packing the backward products' B = W as a training step does it, with BF16 compute holding each matrix once, as
 * W^T packed: every layer matrix of SmolLM2-135M (30 layers, 212 MB, so each comes from memory, not cache) on one
 * core. Two ways, alternated round by round: the library's tl_pack_bf16_from_wt (from W^T packed, a row panel of W
 * at a time, in memory order) and tl_pack_bf16 from row-major W (a matrix layout the engine no longer keeps, as the
 * reference for how fast a plain row-major read packs). Checks that both write the same words. Built and run by
 * run.sh packing [rounds].
 */
#include <stdio.h>

#include "../../src/main/c/tagllm_bf16.c"
#include "harness.h"

enum { LAYERS = 30 };

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 6;
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: packing [rounds 1..1000]\n");
        return 2;
    }
    /* W is red x cols: the backward's reduction runs over W's rows (q, k, v, o, gate, up, down) */
    static const int shapes[7][2] = {{576, 576}, {192, 576}, {192, 576}, {576, 576}, {1536, 576}, {1536, 576}, {576, 1536}};
    uint16_t *w[LAYERS][7];
    uint32_t *wt[LAYERS][7];
    size_t bytes = 0;
    for (int l = 0; l < LAYERS; l++) {
        for (int s = 0; s < 7; s++) {
            int red = shapes[s][0], cols = shapes[s][1];
            size_t n = (size_t)red * cols, words = (size_t)((red + NR - 1) / NR) * panel_words(cols);
            w[l][s] = aligned_alloc(64, n * 2);
            wt[l][s] = aligned_alloc(64, words * 4);
            if (!w[l][s] || !wt[l][s]) return 1;
            for (size_t i = 0; i < n; i++) w[l][s][i] = random_bf16(0x3a00);
            tl_pack_bf16(w[l][s], cols, red, 1, 0, (red + NR - 1) / NR, wt[l][s]);
            bytes += words * 4;
        }
    }
    uint32_t *a = aligned_alloc(64, 4 * 1536 * 1536), *b = aligned_alloc(64, 4 * 1536 * 1536);
    if (!a || !b) return 1;
    double *ms[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
    for (int r = 0; r < rounds + 1; r++) { /* round 0 warms up and is not counted */
        for (int i = 0; i < 2; i++) {
            int fromWt = r % 2 ? 1 - i : i;
            double t0 = now();
            for (int l = 0; l < LAYERS; l++) {
                for (int s = 0; s < 7; s++) {
                    int red = shapes[s][0], cols = shapes[s][1];
                    if (fromWt) tl_pack_bf16_from_wt(wt[l][s], red, cols, 0, (red + NR - 1) / NR, b);
                    else tl_pack_bf16(w[l][s], red, cols, 0, 0, (cols + NR - 1) / NR, a);
                }
            }
            if (r > 0) ms[fromWt][r - 1] = 1e3 * (now() - t0);
        }
    }
    for (int s = 0; s < 7; s++) {
        int red = shapes[s][0], cols = shapes[s][1];
        size_t words = (size_t)((cols + NR - 1) / NR) * panel_words(red);
        tl_pack_bf16_from_wt(wt[0][s], red, cols, 0, (red + NR - 1) / NR, b);
        tl_pack_bf16(w[0][s], red, cols, 0, 0, (cols + NR - 1) / NR, a);
        for (size_t i = 0; i < words; i++) {
            if (a[i] != b[i]) {
                printf("the two ways differ: matrix %d, word %zu\n", s, i);
                return 1;
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        qsort(ms[k], rounds, sizeof(double), by_value);
        printf("%-44s median %.1f ms (min %.1f, max %.1f; %d rounds), %.1f GB/s of weights read\n",
               k ? "from W^T packed (the library)" : "from row-major W (reference)",
               ms[k][rounds / 2], ms[k][0], ms[k][rounds - 1], rounds, bytes / ms[k][rounds / 2] / 1e6);
    }
    return 0;
}
