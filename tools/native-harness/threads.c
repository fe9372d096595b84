/*
 * Two threads running the native BF16 products of one SmolLM2-135M layer (forward and backward, m rows) cut as
 * Gemm cuts them (groups of 8 panels x row blocks, tasks per thread as given; B packed once per product, a task per
 * panel), handing out the tasks two ways, alternated round by round in one process:
 *   shared counter: every thread takes the next task number (the order Parallel used before);
 *   owned shares:   thread i runs the i-th contiguous half of the task numbers (row blocks), then takes the last
 *                   tasks left in the other's half (Parallel's order now).
 * Prints each way's median share of the two-thread BF16 peak (twice the one-thread peak loop, re-measured each
 * round). Built and run by run.sh threads [m] [rounds] [tasks per thread].
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "harness.h"

enum { MR = 14 };

/* one product: C[m x cols] = A[m x red] . B, B = W^T (transposed) or W */
typedef struct {
    const uint16_t *a, *w;
    int m, red, cols, transposed;
    float *c;
    gemm_cut cut;
} product_t;

static product_t cur;
static int tasks_per_thread = 16, owned;
static uint32_t *packed;
static atomic_int next_pack, next_task, packed_done;
static _Atomic long share[2]; /* owned: next task (low 32 bits), end of the share (high 32 bits) */
static pthread_barrier_t start, finish;

static void run_task(int t) {
    gemm_cut_run(&cur.cut, t, cur.a, cur.red, cur.red, packed, cur.c);
}

/* the first task left in thread i's share (its own), or the last (another's); -1 when none is left */
static int take(int i, int first) {
    for (;;) {
        long s = atomic_load(&share[i]);
        int from = (int)(s & 0xffffffff), to = (int)(s >> 32);
        if (from >= to) return -1;
        long next = first ? ((long)to << 32) | (from + 1) : ((long)(to - 1) << 32) | from;
        if (atomic_compare_exchange_weak(&share[i], &s, next)) return first ? from : to - 1;
    }
}

static void work(int me) {
    int t;
    while ((t = atomic_fetch_add(&next_pack, 1)) < cur.cut.panels) tl_pack_bf16(cur.w, cur.red, cur.cols, cur.transposed, t, t + 1, packed);
    atomic_fetch_add(&packed_done, 1);
    while (atomic_load(&packed_done) < 2) {
    }
    if (owned) {
        while ((t = take(me, 1)) >= 0) run_task(t);
        while ((t = take(1 - me, 0)) >= 0) run_task(t);
    } else {
        while ((t = atomic_fetch_add(&next_task, 1)) < gemm_cut_tasks(&cur.cut)) run_task(t);
    }
}

static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        pthread_barrier_wait(&start);
        work(1);
        pthread_barrier_wait(&finish);
    }
    return NULL;
}

static void product(const uint16_t *a, int m, int red, const uint16_t *w, int cols, int transposed, float *c) {
    cur = (product_t){a, w, m, red, cols, transposed, c, gemm_cut_of(m, cols, 2, tasks_per_thread)};
    int tasks = gemm_cut_tasks(&cur.cut);
    atomic_store(&next_pack, 0);
    atomic_store(&next_task, 0);
    atomic_store(&packed_done, 0);
    atomic_store(&share[0], ((long)(tasks / 2) << 32));
    atomic_store(&share[1], ((long)tasks << 32) | (tasks / 2));
    pthread_barrier_wait(&start);
    work(0);
    pthread_barrier_wait(&finish);
}

static uint16_t *random_array(size_t n, uint16_t base) {
    uint16_t *p = aligned(n * 2);
    for (size_t i = 0; i < n; i++) p[i] = random_bf16(base);
    return p;
}

int main(int argc, char **argv) {
    int m = argc > 1 ? atoi(argv[1]) : 1024, rounds = argc > 2 ? atoi(argv[2]) : 15;
    tasks_per_thread = argc > 3 ? atoi(argv[3]) : 16;
    if (m < MR || rounds < 1 || rounds > 1000 || tasks_per_thread < 1) {
        fprintf(stderr, "usage: threads [m >= 14] [rounds 1..1000] [tasks per thread >= 1]\n");
        return 2;
    }
    static const int shapes[][3] = {{576, 576, 2}, {192, 576, 2}, {1536, 576, 2}, {576, 1536, 1}}; /* n, k, count */
    uint16_t *x[4], *dy[4], *w[4];
    float *y[4], *dx[4];
    double flops = 0;
    packed = aligned_alloc(64, 4 * 1536 * 1536);
    for (int s = 0; s < 4; s++) {
        int n = shapes[s][0], k = shapes[s][1];
        x[s] = random_array((size_t)m * k, 0x3c00);
        dy[s] = random_array((size_t)m * n, 0x3c00);
        w[s] = random_array((size_t)n * k, 0x3a00);
        y[s] = aligned_alloc(64, (size_t)m * n * 4);
        dx[s] = aligned_alloc(64, (size_t)m * k * 4);
        if (!y[s] || !dx[s] || !packed) return 1;
        flops += 2.0 * 2 * m * n * k * shapes[s][2];
    }
    pthread_barrier_init(&start, NULL, 2);
    pthread_barrier_init(&finish, NULL, 2);
    pthread_t thread;
    pthread_create(&thread, NULL, worker, NULL);
    double *result[2] = {malloc(rounds * sizeof(double)), malloc(rounds * sizeof(double))};
    for (int r = 0; r < rounds + 1; r++) { /* round 0 warms up and is not counted */
        for (int i = 0; i < 2; i++) {
            owned = r % 2 ? 1 - i : i;
            double peak = 2 * bf16_peak_gflops(); /* both threads */
            double t0 = now();
            for (int it = 0; it < 10; it++) {
                for (int s = 0; s < 4; s++) {
                    for (int c = 0; c < shapes[s][2]; c++) {
                        int n = shapes[s][0], k = shapes[s][1];
                        product(x[s], m, k, w[s], n, 1, y[s]);  /* y = x . W^T */
                        product(dy[s], m, n, w[s], k, 0, dx[s]); /* dx = dy . W */
                    }
                }
            }
            if (r > 0) result[owned][r - 1] = 10 * flops / (now() - t0) / 1e9 / peak;
        }
    }
    for (int o = 0; o < 2; o++) {
        qsort(result[o], rounds, sizeof(double), by_value);
        printf("%-15s median %.1f%% of the two-thread BF16 peak (min %.1f, max %.1f; %d rounds, m = %d, %d tasks per thread)\n",
               o ? "owned shares" : "shared counter", 100 * result[o][rounds / 2], 100 * result[o][0],
               100 * result[o][rounds - 1], rounds, m, tasks_per_thread);
    }
    return 0;
}
