/*
 * BF16 compute's attention, one block as the training step runs it (tensor.BlockAttention's native form): a
 * SmolLM2-135M kv group (3 query heads of width 64 sharing one kv head), a whole 128-row causal sequence, on one
 * core. Forward (tl_attention_forward) and backward (tl_attention_backward) alternate call by call, timed apart;
 * each round reports the median of its calls and the rate of the useful products (2 x hd FLOPs per query row, head
 * and key it sees: the forward's Q.K^T and P.V, the backward's Q.K^T again, dO.V^T, dS.K, Q^T.dS and dO^T.P) as a share
 * of the BF16 dot-product peak measured before the round. What the products share of it is not counted: the FP32
 * scores run at the FP32 rate, and the softmax, the packing, the transposes and the conversions have no FLOPs here.
 *
 * With sets > 1 the calls cycle through that many blocks' operands and outputs, so that they come from memory as in
 * the step (96 sets: 170 MB); with dense, each block's q, k and v hold only its own columns (row strides 192 and 64
 * floats) instead of sitting inside the layer's rows (576 and 192).
 *
 *   tools/native-harness/run.sh attention [rows] [rounds] [sets] [dense]
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* One block's operands and outputs, at the layer's strides (or dense: the block's own columns only). */
typedef struct {
    float *q, *k, *v, *out, *dout, *dq, *dk, *dv, *lse;
} block_set;

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 128, rounds = argc > 2 ? atoi(argv[2]) : 7;
    int sets = argc > 3 ? atoi(argv[3]) : 1, dense = argc > 4 && strcmp(argv[4], "dense") == 0;
    if (rows < 1 || rows > 4096 || rounds < 1 || rounds > 1000 || sets < 1 || sets > 1000 || (argc > 4 && !dense)) {
        fprintf(stderr, "usage: attention [rows 1..4096] [rounds 1..1000] [sets 1..1000] [dense]\n");
        return 2;
    }
    int group = HEADS / KV_HEADS, m = rows * group, nk = rows;
    int ldq = dense ? group * HD : HEADS * HD, ldk = dense ? HD : KV_HEADS * HD;
    size_t qs = sizeof(float) * rows * ldq, kvs = sizeof(float) * nk * ldk;
    float *stats = aligned(2 * sizeof(float) * m);
    int *keys = aligned(2 * sizeof(int) * rows), *qrow = aligned(sizeof(int) * rows), *krow = aligned(sizeof(int) * nk);
    for (int i = 0; i < rows; i++) {
        keys[2 * i] = 0; /* causal: row i sees keys 0 .. i */
        keys[2 * i + 1] = i;
        qrow[i] = i;
    }
    for (int j = 0; j < nk; j++) krow[j] = j;
    void *fwork = aligned(tl_attention_work_bytes(m, nk, HD)), *bwork = aligned(tl_attention_backward_work_bytes(m, nk, HD));
    const float scale = 0.125f; /* 1 / sqrt(64) */
    block_set *set = aligned(sizeof(block_set) * sets);
    for (int s = 0; s < sets; s++) {
        block_set *b = &set[s];
        b->q = aligned(qs), b->k = aligned(kvs), b->v = aligned(kvs), b->out = aligned(qs), b->dout = aligned(qs);
        b->dq = aligned(qs), b->dk = aligned(kvs), b->dv = aligned(kvs), b->lse = aligned(sizeof(float) * rows * HEADS);
        for (long i = 0; i < (long)rows * ldq; i++) {
            b->q[i] = uniform();
            b->dout[i] = 0.01f * uniform();
        }
        for (long i = 0; i < (long)nk * ldk; i++) {
            b->k[i] = uniform();
            b->v[i] = uniform();
            b->dk[i] = b->dv[i] = 0.f;
        }
        /* the first kv group's block: its heads' log-sum-exp where the step keeps them (row-major, HEADS a row) */
        tl_attention_forward(b->q, ldq, b->k, b->v, ldk, rows, group, HD, nk, keys, scale, b->out, ldq, stats, fwork);
        for (int t = 0; t < m; t++) b->lse[(t / group) * HEADS + t % group] = stats[2 * t] + logf(stats[2 * t + 1]);
    }

    double seen = 0; /* (query row, head, key) triples the causal mask lets through */
    for (int i = 0; i < rows; i++) seen += (double)(i + 1) * group;
    double fflops = 2.0 * HD * seen * 2, bflops = 2.0 * HD * seen * 5;
    double f[CALLS], b[CALLS];
    printf("attention block, one core: %d query rows x %d heads of a kv group, %d keys (causal), head %d; %d set%s of "
           "operands (%.0f MB)%s\n", rows, group, nk, HD, sets, sets > 1 ? "s" : "", sets * (5.0 * qs + 4.0 * kvs) / 1e6,
           dense ? ", dense (the block's columns only)" : ", at the layer's strides");
    for (int r = 0; r < rounds; r++) {
        double peak = bf16_peak_gflops();
        for (int c = 0; c < CALLS; c++) {
            /* with several sets, each call a block the caches have not seen since sets calls ago, and the backward
             * another than the forward (the step's backward comes long after its forward) */
            block_set *f0 = &set[c % sets], *b0 = &set[(c + sets / 2) % sets];
            double t0 = now();
            tl_attention_forward(f0->q, ldq, f0->k, f0->v, ldk, rows, group, HD, nk, keys, scale, f0->out, ldq, stats, fwork);
            double t1 = now();
            tl_attention_backward(b0->q, ldq, b0->k, b0->v, ldk, b0->lse, HEADS, b0->dout, b0->dq, qrow, ldq, b0->dk, b0->dv,
                                  krow, rows, group, HD, nk, keys, scale, bwork);
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
