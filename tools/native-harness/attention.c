/*
 * BF16 compute's attention, one block as the training step runs it (tensor.BlockAttention's native form): a
 * SmolLM2-135M kv group (3 query heads of width 64 sharing one kv head), a whole 128-row causal sequence, on one
 * core. Forward (tl_attention_forward) and backward (tl_attention_backward) alternate call by call, timed apart;
 * each round reports the median of its calls and the rate of the useful products (2 x hd FLOPs per query row, head
 * and key it sees: the forward's Q.K^T and P.V, the backward's Q.K^T again, dO.V^T, dS.K, Q^T.dS and dO^T.P) as a share
 * of the BF16 dot-product peak measured before the round. What the products share of it is not counted: the FP32
 * scores run at the FP32 rate, and the softmax, the packing, the transposes and the conversions have no FLOPs here.
 *
 *   tools/native-harness/run.sh attention [rows] [rounds]
 */
#include <math.h>
#include <stdio.h>

#include "harness.h"

long tl_attention_work_bytes(int m, int nk, int hd);
long tl_attention_backward_work_bytes(int m, int nk, int hd);
void tl_attention_forward(const float *q, int ldq, const float *k, const float *v, int ldk, int rows, int group, int hd,
                          int nk, const int *keys, float scale, float *out, int ldo, float *stats, void *work);
void tl_attention_backward(const float *q, int ldq, const float *k, const float *v, int ldk, const float *lse, int ldl,
                           const float *dout, float *dq, const int *qrow, int ldd, float *dk, float *dv, const int *krow,
                           int rows, int group, int hd, int nk, const int *keys, float scale, void *work);

enum { HEADS = 9, KV_HEADS = 3, HD = 64, CALLS = 201 };

static float uniform(void) { return (float)rand() / RAND_MAX * 2.f - 1.f; }

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 128, rounds = argc > 2 ? atoi(argv[2]) : 7;
    if (rows < 1 || rows > 4096 || rounds < 1 || rounds > 1000) {
        fprintf(stderr, "usage: attention [rows 1..4096] [rounds 1..1000]\n");
        return 2;
    }
    int group = HEADS / KV_HEADS, ldq = HEADS * HD, ldk = KV_HEADS * HD, m = rows * group, nk = rows;
    size_t qs = sizeof(float) * rows * ldq, kvs = sizeof(float) * nk * ldk;
    float *q = aligned(qs), *k = aligned(kvs), *v = aligned(kvs), *out = aligned(qs), *dout = aligned(qs), *dq = aligned(qs);
    float *dk = aligned(kvs), *dv = aligned(kvs), *stats = aligned(2 * sizeof(float) * m), *lse = aligned(sizeof(float) * rows * HEADS);
    int *keys = aligned(2 * sizeof(int) * rows), *qrow = aligned(sizeof(int) * rows), *krow = aligned(sizeof(int) * nk);
    for (long i = 0; i < (long)rows * ldq; i++) {
        q[i] = uniform();
        dout[i] = 0.01f * uniform();
    }
    for (long i = 0; i < (long)nk * ldk; i++) {
        k[i] = uniform();
        v[i] = uniform();
    }
    for (int i = 0; i < rows; i++) {
        keys[2 * i] = 0; /* causal: row i sees keys 0 .. i */
        keys[2 * i + 1] = i;
        qrow[i] = i;
    }
    for (int j = 0; j < nk; j++) krow[j] = j;
    void *fwork = aligned(tl_attention_work_bytes(m, nk, HD)), *bwork = aligned(tl_attention_backward_work_bytes(m, nk, HD));
    const float scale = 0.125f; /* 1 / sqrt(64) */
    /* the first kv group's block: its heads' log-sum-exp where the step keeps them (row-major, HEADS a row) */
    tl_attention_forward(q, ldq, k, v, ldk, rows, group, HD, nk, keys, scale, out, ldq, stats, fwork);
    for (int t = 0; t < m; t++) lse[(t / group) * HEADS + t % group] = stats[2 * t] + logf(stats[2 * t + 1]);

    double seen = 0; /* (query row, head, key) triples the causal mask lets through */
    for (int i = 0; i < rows; i++) seen += (double)(i + 1) * group;
    double fflops = 2.0 * HD * seen * 2, bflops = 2.0 * HD * seen * 5;
    double f[CALLS], b[CALLS];
    printf("attention block, one core: %d query rows x %d heads of a kv group, %d keys (causal), head %d\n", rows, group, nk, HD);
    for (int r = 0; r < rounds; r++) {
        double peak = bf16_peak_gflops();
        for (int c = 0; c < CALLS; c++) {
            double t0 = now();
            tl_attention_forward(q, ldq, k, v, ldk, rows, group, HD, nk, keys, scale, out, ldq, stats, fwork);
            double t1 = now();
            tl_attention_backward(q, ldq, k, v, ldk, lse, HEADS, dout, dq, qrow, ldq, dk, dv, krow, rows, group, HD, nk,
                                  keys, scale, bwork);
            f[c] = t1 - t0;
            b[c] = now() - t1;
        }
        qsort(f, CALLS, sizeof(double), by_value);
        qsort(b, CALLS, sizeof(double), by_value);
        double fm = f[CALLS / 2], bm = b[CALLS / 2];
        printf("round %d: forward %.1f us (%.0f GFLOP/s useful, %.1f%% of the peak %.0f), backward %.1f us (%.0f, %.1f%%)\n", r + 1,
               fm * 1e6, fflops / fm / 1e9, 100 * fflops / fm / 1e9 / peak, peak, bm * 1e6, bflops / bm / 1e9,
               100 * bflops / bm / 1e9 / peak);
    }
    return 0;
}
