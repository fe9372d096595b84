/*
 * Packing the backward products' B = W from Java's panels, as a training step does it: every layer matrix of
 * SmolLM2-135M (30 layers, 212 MB of BF16 panels, so each comes from memory, not cache) on one core. Two ways,
 * alternated round by round: the library's tl_pack_panels_bf16 (row panels in memory order, prefetching ahead) and the
 * order it replaced (a column panel of B at a time, all its row panels, no prefetch), both through the library's own
 * pack_w_panels, so only the order and the prefetch differ. Checks that both write the same words. Built and run by
 * run.sh packing [rounds].
 */
#include <stdio.h>

#include "../../src/main/c/tagllm_bf16.c"
#include "harness.h"

enum { PR = 32, LAYERS = 30 };

/* the previous order: column panel j of B over every row of W, one call per column panel */
static void by_column_panels(const uint16_t *panels, int red, int cols, uint32_t *dst) {
    for (int j = 0; j < (cols + NR - 1) / NR; j++) {
        int width = cols - j * NR < NR ? cols - j * NR : NR;
        pack_w_panels(panels, PR, cols, j * NR, width, 0, red, dst + (size_t)j * panel_words(red));
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 6;
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: packing [rounds 1..1000]\n");
        return 2;
    }
    /* W is red x cols: the backward's reduction runs over W's rows (q, k, v, o, gate, up, down) */
    static const int shapes[7][2] = {{576, 576}, {192, 576}, {192, 576}, {576, 576}, {1536, 576}, {1536, 576}, {576, 1536}};
    uint16_t *w[LAYERS][7];
    size_t bytes = 0;
    for (int l = 0; l < LAYERS; l++) {
        for (int s = 0; s < 7; s++) {
            size_t n = (size_t)((shapes[s][0] + PR - 1) / PR) * PR * shapes[s][1];
            w[l][s] = aligned_alloc(64, n * 2);
            if (!w[l][s]) return 1;
            for (size_t i = 0; i < n; i++) w[l][s][i] = random_bf16(0x3a00);
            bytes += n * 2;
        }
    }
    uint32_t *a = aligned_alloc(64, 4 * 1536 * 1536), *b = aligned_alloc(64, 4 * 1536 * 1536);
    if (!a || !b) return 1;
    double *ms[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
    for (int r = 0; r < rounds + 1; r++) { /* round 0 warms up and is not counted */
        for (int i = 0; i < 2; i++) {
            int rows = r % 2 ? 1 - i : i;
            double t0 = now();
            for (int l = 0; l < LAYERS; l++) {
                for (int s = 0; s < 7; s++) {
                    int red = shapes[s][0], cols = shapes[s][1];
                    if (rows) tl_pack_panels_bf16(w[l][s], PR, red, cols, 0, (red + PR - 1) / PR, b);
                    else by_column_panels(w[l][s], red, cols, a);
                }
            }
            if (r > 0) ms[rows][r - 1] = 1e3 * (now() - t0);
        }
    }
    for (int s = 0; s < 7; s++) {
        int red = shapes[s][0], cols = shapes[s][1];
        size_t words = (size_t)((cols + NR - 1) / NR) * panel_words(red);
        tl_pack_panels_bf16(w[0][s], PR, red, cols, 0, (red + PR - 1) / PR, b);
        by_column_panels(w[0][s], red, cols, a);
        for (size_t i = 0; i < words; i++) {
            if (a[i] != b[i]) {
                printf("the two orders differ: matrix %d, word %zu\n", s, i);
                return 1;
            }
        }
    }
    for (int rows = 0; rows < 2; rows++) {
        qsort(ms[rows], rounds, sizeof(double), by_value);
        printf("%-44s median %.1f ms (min %.1f, max %.1f; %d rounds), %.1f GB/s of panels read\n",
               rows ? "row panels, prefetching ahead (the library)" : "column panels, no prefetch (before)",
               ms[rows][rounds / 2], ms[rows][0], ms[rows][rounds - 1], rounds, bytes / ms[rows][rounds / 2] / 1e6);
    }
    return 0;
}
