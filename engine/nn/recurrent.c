#include "recurrent.h"

#include <string.h>

#include "activations.h"
#include "dropout.h"
#include "vecmath.h"

/* Row-parallel elementwise kernels pay for the thread hand-off only when a
 * step has enough work; below this many gate values per step they run inline. */
#define PAR_MIN_ELEMS 16384

int cell_gates(int cell) { return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1; }

int rec_pack_plan(const int32_t *sorted_lengths, int B, int T, int32_t *batch_sizes, int32_t *offsets) {
    int n = 0;
    for (int t = 0; t < T; t++) batch_sizes[t] = 0;
    for (int b = 0; b < B; b++) {
        int len = sorted_lengths[b] < 1 ? 1 : sorted_lengths[b] > T ? T : sorted_lengths[b];
        for (int t = 0; t < len; t++) batch_sizes[t]++;
    }
    for (int t = 0; t < T; t++) {
        offsets[t] = n;
        n += batch_sizes[t];
    }
    return n;
}

/* ---- arena layout ------------------------------------------------------------ */

typedef struct Layout {
    size_t out[REC_MAX_LAYERS];       /* [N x D] layer outputs */
    size_t xin[REC_MAX_LAYERS];       /* [N x D] dropped inputs of layer l > 0 */
    size_t mask[REC_MAX_LAYERS];      /* [N x D] their dropout masks */
    size_t gates[REC_MAX_LAYERS][2];  /* [N x GH] gate activations */
    size_t cell[REC_MAX_LAYERS][2];   /* LSTM c [N x H]; GRU W_hn h' + b_hn [N x H] */
    size_t tanhc[REC_MAX_LAYERS][2];  /* LSTM tanh(c) [N x H] */
    size_t bias[REC_MAX_LAYERS][2];   /* [GH + H] biases folded for the step kernels */
    size_t hh;                        /* [B x GH] GRU h' W_hh^T of one step */
    size_t dG, dGh;                   /* [N x GH] pre-activation gradients (ih and hh side) */
    size_t hp;                        /* [N x H] previous states, packed, for dW_hh */
    size_t dh, dc;                    /* [B x H] gradients carried across steps */
    size_t bufA, bufB;                /* [N x D] gradients between layers */
    size_t ones;                      /* [N] for bias gradients as a GEMM */
    size_t zeros;                     /* [GH] */
    size_t total;
} Layout;

static size_t carve(size_t *at, size_t n) {
    size_t o = *at;
    *at += (n + 15) & ~(size_t)15; /* 64-byte steps keep every buffer aligned like the arena */
    return o;
}

static int use_dropout(const Recurrent *r) { return r->dropout > 0.0f && r->layers > 1; }

static void layout(const Recurrent *r, Layout *L) {
    memset(L, 0, sizeof *L);
    size_t N = (size_t)r->max_B * r->max_T, H = r->hidden, GH = (size_t)cell_gates(r->cell) * H,
           D = (size_t)r->dirs * H, at = 0;
    for (int l = 0; l < r->layers; l++) {
        L->out[l] = carve(&at, N * D);
        if (l > 0 && use_dropout(r)) {
            L->xin[l] = carve(&at, N * D);
            L->mask[l] = carve(&at, N * D);
        }
        for (int d = 0; d < r->dirs; d++) {
            L->gates[l][d] = carve(&at, N * GH);
            if (r->cell != CELL_RNN) L->cell[l][d] = carve(&at, N * H);
            if (r->cell == CELL_LSTM) L->tanhc[l][d] = carve(&at, N * H);
            L->bias[l][d] = carve(&at, GH + H);
        }
    }
    L->hh = carve(&at, (size_t)r->max_B * GH);
    L->dG = carve(&at, N * GH);
    L->dGh = r->cell == CELL_GRU ? carve(&at, N * GH) : L->dG;
    L->hp = carve(&at, N * H);
    L->dh = carve(&at, (size_t)r->max_B * H);
    L->dc = carve(&at, (size_t)r->max_B * H);
    if (r->layers > 1) {
        L->bufA = carve(&at, N * D);
        L->bufB = carve(&at, N * D);
    }
    L->ones = carve(&at, N);
    L->zeros = carve(&at, GH);
    L->total = at;
}

size_t recurrent_arena_floats(const Recurrent *r) {
    Layout L;
    layout(r, &L);
    return L.total;
}

void recurrent_bind(Recurrent *r, float *arena) {
    Layout L;
    layout(r, &L);
    r->arena = arena;
    r->arena_floats = L.total;
    float *ones = arena + L.ones;
    for (size_t i = 0, N = (size_t)r->max_B * r->max_T; i < N; i++) ones[i] = 1.0f;
    memset(arena + L.zeros, 0, (size_t)cell_gates(r->cell) * r->hidden * sizeof(float));
}

float *recurrent_output(const Recurrent *r) {
    Layout L;
    layout(r, &L);
    return r->arena + L.out[r->layers - 1];
}

/* ---- one step of one direction ------------------------------------------------- */

typedef struct Step {
    int cell, H, GH, D;
    float *G;            /* gates of this step's rows, ld GH */
    float *h;            /* outputs, ld D (already offset to the direction's columns) */
    const float *hprev;  /* previous states, ld D; rows >= nprev start from zero */
    int nprev;
    float *c, *tc;       /* LSTM, ld H */
    const float *cprev;
    float *hn;           /* GRU, ld H */
    const float *hh;     /* GRU h' W_hh^T, ld GH */
    const float *bias;
    const float *zeros;  /* [GH] of zeros: the previous state of a starting row */
    /* backward */
    const float *dout;   /* ld D */
    float *dG, *dGh;     /* ld GH */
    float *dh, *dc;      /* ld H, row j = row j of the step */
} Step;

/* Each kernel body is written once over a lane type: first whole vectors
 * (vf, VLANES floats), then the scalar tail with the same formulas. Rows that
 * start a sequence read a zero row as their previous state. */
#define VEC vf, vload, vstore, vsigmoid, vtanh, VLANES
#define SCALAR float, sload, sstore, ssigmoid, stanh, 1

#define RNN_FWD(V, LD, ST, SIG, TANH, STEP)                                                   \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V a = TANH(LD(g + k) + LD(b + k));                                                    \
        ST(g + k, a);                                                                         \
        ST(h + k, a);                                                                         \
    }

#define LSTM_FWD(V, LD, ST, SIG, TANH, STEP)                                                  \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V i = SIG(LD(g + k) + LD(b + k));                                                     \
        V f = SIG(LD(g + H + k) + LD(b + H + k));                                             \
        V u = TANH(LD(g + 2 * H + k) + LD(b + 2 * H + k));                                    \
        V o = SIG(LD(g + 3 * H + k) + LD(b + 3 * H + k));                                     \
        V cc = f * LD(cp + k) + i * u;                                                        \
        V t = TANH(cc);                                                                       \
        ST(g + k, i);                                                                         \
        ST(g + H + k, f);                                                                     \
        ST(g + 2 * H + k, u);                                                                 \
        ST(g + 3 * H + k, o);                                                                 \
        ST(c + k, cc);                                                                        \
        ST(tc + k, t);                                                                        \
        ST(h + k, o * t);                                                                     \
    }

/* b holds b_ir + b_hr, b_iz + b_hz, b_in, b_hn */
#define GRU_FWD(V, LD, ST, SIG, TANH, STEP)                                                   \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V r = SIG(LD(g + k) + LD(b + k) + LD(hh + k));                                        \
        V z = SIG(LD(g + H + k) + LD(b + H + k) + LD(hh + H + k));                            \
        V hv = LD(hh + 2 * H + k) + LD(b + 3 * H + k);                                        \
        V n = TANH(LD(g + 2 * H + k) + LD(b + 2 * H + k) + r * hv);                           \
        ST(g + k, r);                                                                         \
        ST(g + H + k, z);                                                                     \
        ST(g + 2 * H + k, n);                                                                 \
        ST(hn + k, hv);                                                                       \
        ST(h + k, n + z * (LD(hp + k) - n));                                                  \
    }

#define RNN_BWD(V, LD, ST, SIG, TANH, STEP)                                                   \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V y = LD(g + k);                                                                      \
        ST(dG + k, (LD(dh + k) + LD(dout + k)) * (1.0f - y * y));                             \
    }

#define LSTM_BWD(V, LD, ST, SIG, TANH, STEP)                                                  \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V dhv = LD(dh + k) + LD(dout + k);                                                    \
        V i = LD(g + k), f = LD(g + H + k), u = LD(g + 2 * H + k), o = LD(g + 3 * H + k);     \
        V t = LD(tc + k);                                                                     \
        V dc = LD(dcr + k) + dhv * o * (1.0f - t * t);                                        \
        ST(dG + k, dc * u * i * (1.0f - i));                                                  \
        ST(dG + H + k, dc * LD(cp + k) * f * (1.0f - f));                                     \
        ST(dG + 2 * H + k, dc * i * (1.0f - u * u));                                          \
        ST(dG + 3 * H + k, dhv * t * o * (1.0f - o));                                         \
        ST(dcr + k, dc * f);                                                                  \
    }

/* dh keeps the direct path to h' (dh z); the W_hh path is added by the step GEMM */
#define GRU_BWD(V, LD, ST, SIG, TANH, STEP)                                                   \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V dhv = LD(dh + k) + LD(dout + k);                                                    \
        V r = LD(g + k), z = LD(g + H + k), n = LD(g + 2 * H + k);                            \
        V dn = dhv * (1.0f - z) * (1.0f - n * n);                                             \
        V dz = dhv * (LD(hp + k) - n) * z * (1.0f - z);                                       \
        V dr = dn * LD(hn + k) * r * (1.0f - r);                                              \
        ST(dG + k, dr);                                                                       \
        ST(dGh + k, dr);                                                                      \
        ST(dG + H + k, dz);                                                                   \
        ST(dGh + H + k, dz);                                                                  \
        ST(dG + 2 * H + k, dn);                                                               \
        ST(dGh + 2 * H + k, dn * r);                                                          \
        ST(dh + k, dhv * z);                                                                  \
    }

#define EXPAND(m, args) m args

static void step_forward_rows(void *ctx, int j0, int j1) {
    const Step *s = ctx;
    int H = s->H, GH = s->GH;
    const float *b = s->bias;
    for (int j = j0; j < j1; j++) {
        float *g = s->G + (size_t)j * GH, *h = s->h + (size_t)j * s->D;
        int live = j < s->nprev, k = 0;
        if (s->cell == CELL_RNN) {
            EXPAND(RNN_FWD, (VEC))
            EXPAND(RNN_FWD, (SCALAR))
        } else if (s->cell == CELL_LSTM) {
            const float *cp = live ? s->cprev + (size_t)j * H : s->zeros;
            float *c = s->c + (size_t)j * H, *tc = s->tc + (size_t)j * H;
            EXPAND(LSTM_FWD, (VEC))
            EXPAND(LSTM_FWD, (SCALAR))
        } else {
            const float *hh = live ? s->hh + (size_t)j * GH : s->zeros;
            const float *hp = live ? s->hprev + (size_t)j * s->D : s->zeros;
            float *hn = s->hn + (size_t)j * H;
            EXPAND(GRU_FWD, (VEC))
            EXPAND(GRU_FWD, (SCALAR))
        }
    }
}

static void step_backward_rows(void *ctx, int j0, int j1) {
    const Step *s = ctx;
    int H = s->H, GH = s->GH;
    for (int j = j0; j < j1; j++) {
        const float *g = s->G + (size_t)j * GH, *dout = s->dout + (size_t)j * s->D;
        float *dG = s->dG + (size_t)j * GH, *dh = s->dh + (size_t)j * H;
        int live = j < s->nprev, k = 0;
        if (s->cell == CELL_RNN) {
            EXPAND(RNN_BWD, (VEC))
            EXPAND(RNN_BWD, (SCALAR))
        } else if (s->cell == CELL_LSTM) {
            const float *tc = s->tc + (size_t)j * H;
            const float *cp = live ? s->cprev + (size_t)j * H : s->zeros;
            float *dcr = s->dc + (size_t)j * H;
            EXPAND(LSTM_BWD, (VEC))
            EXPAND(LSTM_BWD, (SCALAR))
        } else {
            const float *hn = s->hn + (size_t)j * H;
            const float *hp = live ? s->hprev + (size_t)j * s->D : s->zeros;
            float *dGh = s->dGh + (size_t)j * GH;
            EXPAND(GRU_BWD, (VEC))
            EXPAND(GRU_BWD, (SCALAR))
        }
    }
}

static void run_rows(int n, ParallelFn fn, Step *s) {
    if ((long)n * s->GH >= PAR_MIN_ELEMS)
        parallel_for(n, fn, s);
    else if (n > 0)
        fn(s, 0, n);
}

/* ---- forward ------------------------------------------------------------------- */

static void direction_forward(Recurrent *r, const Layout *L, int l, int d, const float *X, int in) {
    int H = r->hidden, GH = cell_gates(r->cell) * H, D = r->dirs * H, T = r->T;
    const RecWeights *w = &r->w[l][d];
    float *A = r->arena, *gates = A + L->gates[l][d], *out = A + L->out[l] + (size_t)d * H;
    float *bias = A + L->bias[l][d];
    /* b_ih + b_hh folded, except GRU's b_hn which stays inside r * (W_hn h' + b_hn):
       it follows the folded biases, at [3H, 4H) */
    for (int k = 0; k < GH; k++) bias[k] = w->b_ih[k] + w->b_hh[k];
    if (r->cell == CELL_GRU)
        for (int k = 0; k < H; k++) bias[2 * H + k] = w->b_ih[2 * H + k], bias[3 * H + k] = w->b_hh[2 * H + k];

    /* all timesteps' input projections at once */
    gemm(0, 1, r->N, GH, in, 1.0f, X, in, w->w_ih, in, 0.0f, gates, GH);

    Step s = {.cell = r->cell, .H = H, .GH = GH, .D = D, .bias = bias, .zeros = A + L->zeros};
    for (int i = 0; i < T; i++) {
        int t = d == 0 ? i : T - 1 - i;
        int nb = r->batch_sizes[t];
        if (nb == 0) continue;
        size_t off = (size_t)r->offsets[t];
        int tp = d == 0 ? t - 1 : t + 1;
        int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
        size_t poff = nprev ? (size_t)r->offsets[tp] : 0;
        s.G = gates + off * GH;
        s.h = out + off * D;
        s.hprev = out + poff * D;
        s.nprev = nprev;
        if (r->cell == CELL_LSTM) {
            s.c = A + L->cell[l][d] + off * H;
            s.cprev = A + L->cell[l][d] + poff * H;
            s.tc = A + L->tanhc[l][d] + off * H;
        }
        if (r->cell == CELL_GRU) {
            s.hn = A + L->cell[l][d] + off * H;
            s.hh = A + L->hh;
            if (nprev) gemm(0, 1, nprev, GH, H, 1.0f, s.hprev, D, w->w_hh, H, 0.0f, A + L->hh, GH);
        } else if (nprev) {
            gemm(0, 1, nprev, GH, H, 1.0f, s.hprev, D, w->w_hh, H, 1.0f, s.G, GH);
        }
        run_rows(nb, step_forward_rows, &s);
    }
}

void recurrent_forward(Recurrent *r, const float *x, int B, int T, const int32_t *batch_sizes,
                       const int32_t *offsets, int train, Rng *rng) {
    Layout L;
    layout(r, &L);
    r->B = B;
    r->T = T;
    r->batch_sizes = batch_sizes;
    r->offsets = offsets;
    r->N = T > 0 ? offsets[T - 1] + batch_sizes[T - 1] : 0;
    r->train = train;
    int D = r->dirs * r->hidden;
    const float *X = x;
    int in = r->input;
    for (int l = 0; l < r->layers; l++) {
        if (l > 0) {
            float *prev = r->arena + L.out[l - 1];
            if (train && use_dropout(r)) {
                float *mask = r->arena + L.mask[l], *xin = r->arena + L.xin[l];
                dropout_mask(rng, r->dropout, mask, (size_t)r->N * D);
                dropout_forward(prev, mask, (size_t)r->N * D, xin);
                X = xin;
            } else {
                X = prev;
            }
            in = D;
        }
        for (int d = 0; d < r->dirs; d++) direction_forward(r, &L, l, d, X, in);
    }
}

/* ---- backward ------------------------------------------------------------------ */

static void direction_backward(Recurrent *r, const Layout *L, int l, int d, const float *X, int in,
                               const float *dout, float *dX, float beta_dx, int param_grads) {
    int H = r->hidden, GH = cell_gates(r->cell) * H, D = r->dirs * H, T = r->T, N = r->N;
    const RecWeights *w = &r->w[l][d];
    float *A = r->arena, *out = A + L->out[l] + (size_t)d * H;
    float *dG = A + L->dG, *dGh = A + L->dGh, *dh = A + L->dh, *dc = A + L->dc;
    memset(dh, 0, (size_t)r->B * H * sizeof(float));
    memset(dc, 0, (size_t)r->B * H * sizeof(float));

    Step s = {.cell = r->cell, .H = H, .GH = GH, .D = D, .dh = dh, .dc = dc, .zeros = A + L->zeros};
    /* sweep in the reverse of the direction's own order */
    for (int i = 0; i < T; i++) {
        int t = d == 0 ? T - 1 - i : i;
        int nb = r->batch_sizes[t];
        if (nb == 0) continue;
        size_t off = (size_t)r->offsets[t];
        int tp = d == 0 ? t - 1 : t + 1;
        int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
        size_t poff = nprev ? (size_t)r->offsets[tp] : 0;
        s.G = A + L->gates[l][d] + off * GH;
        s.hprev = out + poff * D;
        s.nprev = nprev;
        s.dout = dout + off * D + (size_t)d * H;
        s.dG = dG + off * GH;
        s.dGh = dGh + off * GH;
        if (r->cell == CELL_LSTM) {
            s.cprev = A + L->cell[l][d] + poff * H;
            s.tc = A + L->tanhc[l][d] + off * H;
        }
        if (r->cell == CELL_GRU) s.hn = A + L->cell[l][d] + off * H;
        run_rows(nb, step_backward_rows, &s);
        /* gradient reaching h' through W_hh; GRU adds to its direct path kept in dh */
        if (nprev)
            gemm(0, 0, nprev, H, GH, 1.0f, s.dGh, GH, w->w_hh, H, r->cell == CELL_GRU ? 1.0f : 0.0f, dh, H);
    }

    if (param_grads) {
        float *ones = A + L->ones;
        gemm(1, 0, GH, in, N, 1.0f, dG, GH, X, in, 1.0f, w->dw_ih, in);
        /* packed previous states, zero where a sequence starts */
        float *hp = A + L->hp;
        for (int t = 0; t < T; t++) {
            int nb = r->batch_sizes[t];
            int tp = d == 0 ? t - 1 : t + 1;
            int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
            float *dst = hp + (size_t)r->offsets[t] * H;
            for (int j = 0; j < nprev; j++)
                memcpy(dst + (size_t)j * H, out + ((size_t)r->offsets[tp] + j) * D, (size_t)H * sizeof(float));
            if (nb > nprev) memset(dst + (size_t)nprev * H, 0, (size_t)(nb - nprev) * H * sizeof(float));
        }
        gemm(1, 0, GH, H, N, 1.0f, dGh, GH, hp, H, 1.0f, w->dw_hh, H);
        if (r->cell == CELL_GRU) {
            gemm(1, 0, GH, 1, N, 1.0f, dG, GH, ones, 1, 1.0f, w->db_ih, 1);
            gemm(1, 0, GH, 1, N, 1.0f, dGh, GH, ones, 1, 1.0f, w->db_hh, 1);
        } else {
            /* both biases see the same pre-activation gradient: sum it once */
            float *db = A + L->hh;
            gemm(1, 0, GH, 1, N, 1.0f, dG, GH, ones, 1, 0.0f, db, 1);
            for (int k = 0; k < GH; k++) w->db_ih[k] += db[k], w->db_hh[k] += db[k];
        }
    }
    if (dX) gemm(0, 0, N, in, GH, 1.0f, dG, GH, w->w_ih, in, beta_dx, dX, in);
}

void recurrent_backward(Recurrent *r, const float *x, const float *dout, float *dx, int param_grads) {
    Layout L;
    layout(r, &L);
    int D = r->dirs * r->hidden;
    const float *dO = dout;
    for (int l = r->layers - 1; l >= 0; l--) {
        const float *X;
        int in;
        float *dX;
        float beta;
        if (l == 0) {
            X = x;
            in = r->input;
            dX = dx;
            beta = 1.0f;
        } else {
            X = r->train && use_dropout(r) ? r->arena + L.xin[l] : r->arena + L.out[l - 1];
            in = D;
            dX = r->arena + ((r->layers - 1 - l) % 2 == 0 ? L.bufA : L.bufB);
            beta = 0.0f;
        }
        for (int d = 0; d < r->dirs; d++) {
            direction_backward(r, &L, l, d, X, in, dO, dX, d == 0 ? beta : 1.0f, param_grads);
        }
        if (l > 0) {
            if (r->train && use_dropout(r)) dropout_apply(dX, r->arena + L.mask[l], (size_t)r->N * D);
            dO = dX;
        }
    }
}
