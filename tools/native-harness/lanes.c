/*
 * Two ways for two cores to share the native BF16 products of one SmolLM2-135M layer (forward x.W^T and backward
 * dy.W of q, k, v, o, gate, up and down, B packed once before timing), alternated round by round in one process:
 *   products: both threads take the tasks of each product, cut as Gemm cuts them (groups of 8 panels x row blocks,
 *             16 tasks a thread), and wait for each other at the end of every product (what the engine does);
 *   lanes:    each thread runs every product over its own half of the rows, the same cut for one thread, and the
 *             two meet only at the end of the round (the batch split by sequence, no join per product).
 * Whether a join per product and two cores on one product cost the engine its products' speed: if so, lanes win.
 * Prints each way's median share of two cores' BF16 peak (twice the one-thread peak loop, re-measured each round).
 * Built and run by run.sh lanes [m] [rounds].
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "harness.h"

enum { PANEL = 32, MR = 14, TASKS_PER_THREAD = 16 };

/* W is n x k; count = how many such products a layer has */
static const int shapes[][3] = {{576, 576, 2}, {192, 576, 2}, {1536, 576, 2}, {576, 1536, 1}};
static int m, lanes;
static uint16_t *x[4], *dy[4];
static uint32_t *wt[4], *w[4]; /* B packed: W^T for the forward, W for the backward */
static float *y[2][4], *dx[2][4];
static atomic_int next_task, arrived, generation;
static pthread_barrier_t round_start, round_end;

/* Both threads wait here until both have arrived (spinning, as the engine's pool does between tasks). */
static void join(void) {
    int g = atomic_load(&generation);
    if (atomic_fetch_add(&arrived, 1) == 1) {
        atomic_store(&arrived, 0);
        atomic_fetch_add(&generation, 1);
    } else {
        while (atomic_load(&generation) == g) {
        }
    }
}

/* One product on this thread: its share of the shared cut (then a join), or all of its own lane's cut. */
static void product(int me, const uint16_t *a, int red, const uint32_t *b, int cols, float *c) {
    if (lanes) {
        int half = m / 2 / MR * MR, r0 = me ? half : 0;
        gemm_cut g = gemm_cut_of(me ? m - half : half, cols, 1, TASKS_PER_THREAD);
        for (int t = 0; t < gemm_cut_tasks(&g); t++) gemm_cut_run(&g, t, a + (size_t)r0 * red, red, red, b, c);
        return;
    }
    gemm_cut g = gemm_cut_of(m, cols, 2, TASKS_PER_THREAD);
    int t;
    while ((t = atomic_fetch_add(&next_task, 1)) < gemm_cut_tasks(&g)) gemm_cut_run(&g, t, a, red, red, b, c);
    join();
    if (me == 0) atomic_store(&next_task, 0);
    join();
}

static void layer_products(int me) {
    for (int it = 0; it < 10; it++) {
        for (int s = 0; s < 4; s++) {
            for (int c = 0; c < shapes[s][2]; c++) {
                int n = shapes[s][0], k = shapes[s][1];
                product(me, x[s], k, wt[s], n, y[me][s]);  /* y = x . W^T */
                product(me, dy[s], n, w[s], k, dx[me][s]); /* dx = dy . W */
            }
        }
    }
}

static void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *worker(void *unused) {
    (void)unused;
    pin(1);
    for (;;) {
        pthread_barrier_wait(&round_start);
        layer_products(1);
        pthread_barrier_wait(&round_end);
    }
    return NULL;
}

int main(int argc, char **argv) {
    m = argc > 1 ? atoi(argv[1]) : 1024;
    int rounds = argc > 2 ? atoi(argv[2]) : 15;
    if (m < 2 * MR || rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: lanes [m >= 28] [rounds 1..1000]\n");
        return 2;
    }
    double flops = 0;
    for (int s = 0; s < 4; s++) {
        int n = shapes[s][0], k = shapes[s][1];
        uint16_t *wr = aligned((size_t)n * k * 2);
        x[s] = aligned((size_t)m * k * 2);
        dy[s] = aligned((size_t)m * n * 2);
        for (size_t i = 0; i < (size_t)n * k; i++) wr[i] = random_bf16(0x3a00);
        for (size_t i = 0; i < (size_t)m * k; i++) x[s][i] = random_bf16(0x3c00);
        for (size_t i = 0; i < (size_t)m * n; i++) dy[s][i] = random_bf16(0x3c00);
        wt[s] = aligned((size_t)(n + PANEL) * (k + 2) * 2);
        w[s] = aligned((size_t)(k + PANEL) * (n + 2) * 2);
        tl_pack_bf16(wr, k, n, 1, 0, (n + PANEL - 1) / PANEL, wt[s]);
        tl_pack_bf16(wr, n, k, 0, 0, (k + PANEL - 1) / PANEL, w[s]);
        free(wr);
        for (int h = 0; h < 2; h++) {
            y[h][s] = aligned((size_t)m * n * 4);
            dx[h][s] = aligned((size_t)m * k * 4);
        }
        flops += 2.0 * 2 * m * n * k * shapes[s][2];
    }
    pin(0);
    pthread_barrier_init(&round_start, NULL, 2);
    pthread_barrier_init(&round_end, NULL, 2);
    pthread_t thread;
    pthread_create(&thread, NULL, worker, NULL);
    double *result[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
    for (int r = 0; r < rounds + 1; r++) { /* round 0 warms up and is not counted */
        for (int i = 0; i < 2; i++) {
            lanes = r % 2 ? 1 - i : i;
            double peak = 2 * bf16_peak_gflops(); /* both threads */
            double t0 = now();
            pthread_barrier_wait(&round_start);
            layer_products(0);
            pthread_barrier_wait(&round_end);
            if (r > 0) result[lanes][r - 1] = 10 * flops / (now() - t0) / 1e9 / peak;
        }
    }
    for (int l = 0; l < 2; l++) {
        qsort(result[l], rounds, sizeof(double), by_value);
        printf("%-8s median %.1f%% of two cores' BF16 peak (min %.1f, max %.1f; %d rounds, m = %d)\n",
               l ? "lanes" : "products", 100 * result[l][rounds / 2], 100 * result[l][0], 100 * result[l][rounds - 1],
               rounds, m);
    }
    return 0;
}
