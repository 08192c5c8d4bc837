#include "nn/mlm_head.h"

#include <math.h>
#include <string.h>

#include "nn/activations.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "kernels/tensor.h"

size_t mlm_head_floats(int M, int E, int V) {
    size_t m = (size_t)(M > 0 ? M : 1);
    return m * (5 * (size_t)E + 4 + (size_t)V);
}

MlmHeadActs mlm_head_acts(float *buf, int M, int E, int V) {
    size_t m = (size_t)(M > 0 ? M : 1), nE = m * (size_t)E;
    MlmHeadActs a;
    a.pre = buf, buf += nE;
    a.act = buf, buf += nE;
    a.ln = buf, buf += nE;
    a.g1 = buf, buf += nE;
    a.g2 = buf, buf += nE;
    a.mean = buf, buf += m;
    a.rstd = buf, buf += m;
    a.ce = buf, buf += 2 * m;
    a.probs = buf;
    (void)V;
    return a;
}

/* Softmax of one row in place; returns -log p(label) and whether the label
 * is the (first) most probable token. */
static double softmax_ce(float *z, int V, int32_t label, int *hit) {
    int best = 0;
    for (int j = 1; j < V; j++) best = z[j] > z[best] ? j : best;
    float mx = z[best];
    double sum = 0;
    for (int j = 0; j < V; j++) sum += (z[j] = expf(z[j] - mx));
    double zl = z[label];
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < V; j++) z[j] *= inv;
    *hit = best == label;
    return log(sum) - log(zl);
}

/* Rows [begin, end) of the softmax, each row's loss and hit into its slot. */
typedef struct SoftmaxJob {
    float *z;
    int V;
    const int32_t *labels;
    float *loss, *hit; /* [M] */
} SoftmaxJob;

static void softmax_rows(void *ctx, int begin, int end) {
    SoftmaxJob *j = ctx;
    for (int r = begin; r < end; r++) {
        int hit;
        j->loss[r] = (float)softmax_ce(j->z + (size_t)r * j->V, j->V, j->labels[r], &hit);
        j->hit[r] = (float)hit;
    }
}

double mlm_head_forward(int M, int E, int V, float eps, const MlmHeadParams *p, const float *x, const int32_t *labels,
                        MlmHeadActs *a, long *correct) {
    if (correct) *correct = 0;
    if (M <= 0) return 0;
    const size_t nE = (size_t)M * E;
    linear_forward(x, M, E, p->vt_w, p->vt_b, E, a->pre);
    act_gelu_forward(a->pre, nE, a->act);
    layernorm_forward(a->act, M, E, p->ln_w, p->ln_b, eps, a->ln, a->mean, a->rstd);
    linear_forward(a->ln, M, E, p->emb, p->proj_b, V, a->probs);
    /* the softmax over the vocabulary, rows spread over the threads; the
     * per-row losses are added in row order, so any thread count agrees */
    SoftmaxJob job = {a->probs, V, labels, a->ce, a->ce + M};
    parallel_for(M, softmax_rows, &job);
    double loss = 0;
    long hits = 0;
    for (int r = 0; r < M; r++) loss += a->ce[r], hits += a->ce[M + r] > 0;
    if (correct) *correct = hits;
    return loss;
}

void mlm_head_backward(int M, int E, int V, const MlmHeadParams *p, const float *x, const int32_t *labels, float scale,
                       MlmHeadActs *a, float *dx, MlmHeadGrads *g) {
    if (M <= 0) return;
    const size_t nE = (size_t)M * E, nV = (size_t)M * V;
    float *dz = a->probs;
    for (size_t i = 0; i < nV; i++) dz[i] *= scale;
    for (int r = 0; r < M; r++) dz[(size_t)r * V + labels[r]] -= scale;
    memset(a->g1, 0, nE * sizeof(float));
    linear_backward(a->ln, M, E, p->emb, V, dz, a->g1, g->emb, g->proj_b);
    memset(a->g2, 0, nE * sizeof(float));
    layernorm_backward(a->act, M, E, p->ln_w, a->mean, a->rstd, a->g1, a->g2, g->ln_w, g->ln_b);
    memset(a->g1, 0, nE * sizeof(float));
    act_gelu_backward(a->pre, a->g2, nE, a->g1);
    linear_backward(x, M, E, p->vt_w, E, a->g1, dx, g->vt_w, g->vt_b);
}
