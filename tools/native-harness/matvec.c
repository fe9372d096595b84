/*
 * Decode's one-row product, as BF16 compute now holds the weights (W^T packed, tl_matvec_wt) against Java's BF16
 * panels (tl_matvec_bf16, what decode read before the fifteenth pass): one core, one 283 MB region read through both
 * layouts (the same bytes, the same memory, so only the loop differs), first on 4 KB pages, then on a region advised
 * for transparent huge pages, alternated round by round. Built and run by run.sh matvec [rounds].
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "harness.h"

void tl_matvec_bf16(const float *x, int k, const uint16_t *panels, int p0, int p1, int n, float *y, int accumulate);
void tl_matvec_wt(const float *x, int k, const uint32_t *wt, int p0, int p1, int n, float *y, int accumulate);

enum { K = 576 };

/* bytes at a 2 MB boundary, advised for huge pages or not */
static void *region(size_t bytes, int huge) {
    char *p = mmap(NULL, bytes + (2 << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
    if (huge) madvise(a, bytes, MADV_HUGEPAGE);
    return a;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: matvec [rounds 1..1000]\n");
        return 2;
    }
    int n = 5 * 49152, panels = (n + 31) / 32; /* five LM heads of SmolLM2-135M */
    size_t bytes = (size_t)panels * 32 * K * 2;
    float x[K], *y = aligned_alloc(64, (size_t)n * 4);
    for (int i = 0; i < K; i++) x[i] = 0.01f * (i % 97) - 0.4f;
    for (int huge = 0; huge < 2; huge++) {
        uint16_t *w = region(bytes, huge);
        if (!w || !y) return 1;
        for (size_t i = 0; i < bytes / 2; i++) w[i] = random_bf16(0x3c00);
        double *ms[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
        for (int r = 0; r < rounds + 1; r++) { /* round 0 warms up and is not counted */
            for (int i = 0; i < 2; i++) {
                int wt = r % 2 ? 1 - i : i;
                double t0 = now();
                if (wt) tl_matvec_wt(x, K, (const uint32_t *)w, 0, panels, n, y, 0);
                else tl_matvec_bf16(x, K, w, 0, panels, n, y, 0);
                if (r > 0) ms[wt][r - 1] = 1e3 * (now() - t0);
            }
        }
        for (int wt = 0; wt < 2; wt++) {
            qsort(ms[wt], rounds, sizeof(double), by_value);
            printf("%-10s %-32s median %.2f ms (min %.2f, max %.2f; %d rounds), %.1f GB/s\n", huge ? "huge pages" : "4 KB pages",
                   wt ? "tl_matvec_wt (W^T packed, now)" : "tl_matvec_bf16 (panels, before)", ms[wt][rounds / 2], ms[wt][0],
                   ms[wt][rounds - 1], rounds, bytes / ms[wt][rounds / 2] / 1e6);
        }
        munmap(w, bytes); /* inside the mapping: its first 2 MB-aligned part, enough to free most of it */
    }
    return 0;
}
