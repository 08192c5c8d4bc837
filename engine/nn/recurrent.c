/* Forward of the stacked recurrent layers (recurrent.h): the arena layout,
 * the weight packing and the fused step kernel (both products and the cell in
 * one pass), which trains and evaluates alike. Backward is in
 * recurrent_backward.c. */
#include "nn/recurrent.h"

#include <string.h>

#include "nn/recurrent_internal.h"
#include "nn/activations.h"
#include "nn/dropout.h"
#include "kernels/gemm_small.h"
#include "kernels/vecmath.h"

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

/* The fused step kernel works on blocks of hidden units: one vector of units
 * and all its gates (LSTM i f g o; GRU r z n plus W_hn h' apart), or two
 * vectors of the single RNN gate. Per cell: vectors of units per block, weight
 * vectors per k in the packed block (the same for the x and the h' part),
 * accumulators, and rows per tile, chosen to fill the registers. */
#define RNN_MR 4   /* 4 rows x 2 vectors; 6 rows spill the row broadcasts */
#define GATED_MR 3 /* 3 rows x 4 gate vectors = 12 accumulators */

typedef struct Geo {
    int uv, ng, nacc, mr;
    int bu, nblk, hp;  /* units per block, blocks, H rounded up to whole blocks */
} Geo;

static Geo geo(int cell, int H) {
    Geo g;
    if (cell == CELL_RNN) g = (Geo){.uv = 2, .ng = 2, .nacc = 2, .mr = RNN_MR};
    else if (cell == CELL_LSTM) g = (Geo){.uv = 1, .ng = 4, .nacc = 4, .mr = GATED_MR};
    else g = (Geo){.uv = 1, .ng = 3, .nacc = 4, .mr = GATED_MR};
    g.bu = g.uv * VLANES;
    g.nblk = (H + g.bu - 1) / g.bu;
    g.hp = g.nblk * g.bu;
    return g;
}

static size_t carve(size_t *at, size_t n) {
    size_t o = *at;
    *at += (n + 15) & ~(size_t)15; /* 64-byte steps keep every buffer aligned like the arena */
    return o;
}

void rec_layout(const Recurrent *r, Layout *L) {
    memset(L, 0, sizeof *L);
    size_t N = (size_t)r->max_B * r->max_T, H = r->hidden, GH = (size_t)cell_gates(r->cell) * H,
           D = (size_t)r->dirs * H, at = 0;
    Geo g = geo(r->cell, r->hidden);
    size_t max_in = (size_t)(r->layers > 1 && (int)D > r->input ? (int)D : r->input);
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
        }
    }
    L->wpack = carve(&at, (size_t)g.nblk * (max_in + H) * g.ng * VLANES);
    L->bpad = carve(&at, 4 * (size_t)g.hp);
    L->hhpack = carve(&at, gsm_packed_floats((int)GH, (int)H));
    L->dG = carve(&at, N * GH);
    L->dGh = r->cell == CELL_GRU ? carve(&at, N * GH) : L->dG;
    L->hp = carve(&at, N * (max_in + H + 1));
    L->dwt = carve(&at, (max_in + H + 1) * GH);
    L->dh = carve(&at, (size_t)r->max_B * H);
    L->dc = carve(&at, (size_t)r->max_B * H);
    size_t Bm = (size_t)r->max_B;
    L->ng_gates = carve(&at, Bm * GH);
    L->ng_c[0] = carve(&at, Bm * H);
    L->ng_c[1] = carve(&at, Bm * H);
    L->ng_aux = carve(&at, Bm * H);
    L->ng_h[0] = carve(&at, Bm * D);
    L->ng_h[1] = carve(&at, Bm * D);
    L->ng_final = carve(&at, Bm * D);
    if (r->layers > 1) {
        L->bufA = carve(&at, N * D);
        L->bufB = carve(&at, N * D);
    }
    L->ones = carve(&at, N);
    L->zeros = carve(&at, GH > (size_t)g.hp ? GH : (size_t)g.hp);
    L->total = at;
}

size_t recurrent_arena_floats(const Recurrent *r) {
    Layout L;
    rec_layout(r, &L);
    return L.total;
}

void recurrent_bind(Recurrent *r, float *arena) {
    Layout L;
    rec_layout(r, &L);
    r->arena = arena;
    r->arena_floats = L.total;
    float *ones = arena + L.ones;
    for (size_t i = 0, N = (size_t)r->max_B * r->max_T; i < N; i++) ones[i] = 1.0f;
    memset(arena + L.zeros, 0, (L.total - L.zeros) * sizeof(float));
}

float *recurrent_output(const Recurrent *r) {
    Layout L;
    rec_layout(r, &L);
    return r->arena + L.out[r->layers - 1];
}

/* ---- forward ------------------------------------------------------------------- */

/* Packs [W_ih | W_hh] of one direction block by block: for each block, the x
 * part (k < in) then the h' part (k < H), each k holding ng vectors of VLANES
 * weights, the gates of the block's units side by side. Units past H are 0. */
static void pack_forward(const Recurrent *r, const RecWeights *w, int in, const Geo *g, float *dst) {
    int H = r->hidden;
    for (int b = 0; b < g->nblk; b++)
        for (int part = 0; part < 2; part++) {
            const float *W = part ? w->w_hh : w->w_ih;
            int K = part ? H : in;
            for (int k = 0; k < K; k++)
                for (int q = 0; q < g->ng; q++)
                    for (int lane = 0; lane < VLANES; lane++) {
                        int u = b * g->bu + (r->cell == CELL_RNN ? q * VLANES : 0) + lane;
                        int row = r->cell == CELL_RNN ? u : q * H + u;
                        *dst++ = u < H ? W[(size_t)row * K + k] : 0.0f;
                    }
        }
}

/* b_ih + b_hh folded per gate, except GRU's b_in and b_hn, which sit apart
 * because b_hn stays inside r * (W_hn h' + b_hn): slots 2 and 3. */
static void pad_biases(const Recurrent *r, const RecWeights *w, const Geo *g, float *bp) {
    int H = r->hidden, G = cell_gates(r->cell);
    memset(bp, 0, 4 * (size_t)g->hp * sizeof(float));
    for (int q = 0; q < G; q++)
        for (int u = 0; u < H; u++) bp[(size_t)q * g->hp + u] = w->b_ih[q * H + u] + w->b_hh[q * H + u];
    if (r->cell == CELL_GRU)
        for (int u = 0; u < H; u++) bp[2 * (size_t)g->hp + u] = w->b_ih[2 * H + u], bp[3 * (size_t)g->hp + u] = w->b_hh[2 * H + u];
}

typedef struct FwdCtx {
    const Recurrent *r;
    const Layout *L;
    Geo g;
    int l, d, in, P;
    int nograd, final_only; /* see recurrent_forward_nograd */
    const float *X;
} FwdCtx;

/* What one step of one direction reads and writes, rows indexed from the step's first. */
typedef struct StepPtrs {
    const float *x, *hprev, *cprev, *zeros, *wp, *bias;
    float *G, *h, *c, *tc, *hn;
    int nprev, in, H, GH, D, hp;
    size_t blk_floats;
} StepPtrs;

static inline vf ld_n(const float *p, int n) { return n == VLANES ? vload(p) : vload_n(p, n); }
static inline void st_n(float *p, vf v, int n) {
    if (n == VLANES)
        vstore(p, v);
    else
        vstore_n(p, v, n);
}

/* One tile of the fused step: MR rows (j0, j0 + P, ...) by one unit block.
 * Phase 0 accumulates x W_ih^T and parks it in the gate rows; phase 1 adds
 * h' W_hh^T in registers, applies the cell and writes gates, states and
 * outputs. Two phases keep each half of the block's packed weights in L1
 * while all row tiles of the thread pass over it. CELL, MR and PHASE are
 * constants at each call. */
static inline __attribute__((always_inline)) void fwd_tile(int CELL, int MR, int PHASE, const StepPtrs *s, int blk,
                                                            int j0, int P) {
    const int NG = CELL == CELL_LSTM ? 4 : CELL == CELL_GRU ? 3 : 2;
    int H = s->H, GH = s->GH;
    /* column of accumulator q's first unit in a gate row */
    int col[4];
    for (int q = 0; q < 4; q++) col[q] = CELL == CELL_RNN ? blk * 2 * VLANES + q * VLANES : q * H + blk * VLANES;
    int nv[4]; /* valid lanes */
    for (int q = 0; q < 4; q++) {
        int u = CELL == CELL_RNN ? blk * 2 * VLANES + q * VLANES : blk * VLANES;
        nv[q] = H - u < VLANES ? H - u : VLANES;
    }
    const float *ar[6];
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) {
        int j = j0 + m * P;
        if (PHASE == 0) ar[m] = s->x + (size_t)j * s->in;
        else ar[m] = j < s->nprev ? s->hprev + (size_t)j * s->D : s->zeros;
    }
    vf acc[6][4];
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) {
        const float *G = s->G + (size_t)(j0 + m * P) * GH;
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) acc[m][q] = PHASE == 1 && q < NG && nv[q] > 0 ? ld_n(G + col[q], nv[q]) : (vf){0};
    }
    int K = PHASE == 0 ? s->in : H;
    const float *bp = s->wp + (size_t)blk * s->blk_floats + (PHASE == 0 ? 0 : (size_t)s->in * NG * VLANES);
    for (int k = 0; k < K; k++, bp += NG * VLANES) {
        vf a[6];
#pragma GCC unroll 6
        for (int m = 0; m < MR; m++) a[m] = vsplat(ar[m][k]);
#pragma GCC unroll 4
        for (int q = 0; q < NG; q++) {
            vf b = vload(bp + q * VLANES);
            int t = CELL == CELL_GRU && PHASE == 1 && q == 2 ? 3 : q; /* W_hn h' kept apart from W_in x */
#pragma GCC unroll 6
            for (int m = 0; m < MR; m++) acc[m][t] = vfma(a[m], b, acc[m][t]);
        }
    }
    /* pre-activations back to the gate rows (GRU: W_hn h' to its own row) */
#pragma GCC unroll 6
    for (int m = 0; m < MR; m++) {
        int j = j0 + m * P;
        float *G = s->G + (size_t)j * GH;
#pragma GCC unroll 4
        for (int q = 0; q < NG; q++)
            if (nv[q] > 0) st_n(G + col[q], acc[m][q], nv[q]);
        if (CELL == CELL_GRU && PHASE == 1) st_n(s->hn + (size_t)j * H + blk * VLANES, acc[m][3], nv[0]);
    }
}

/* Gate sigmoid through the rational tanh: no exp, one division; within 2e-7
 * of the logistic function, which is all a gate needs. */
static inline vf gate_sigmoid(vf x) { return 0.5f + 0.5f * vtanh(0.5f * x); }

/* The cell on one block of one row, from the pre-activations in the gate row.
 * Kept apart from the tile so it does not compete with the accumulators for
 * registers; the block is still in L1. */
static inline __attribute__((always_inline)) void fwd_cell(int CELL, const StepPtrs *s, int blk, int j) {
    int H = s->H, hp = s->hp, live = j < s->nprev;
    const float *bias = s->bias;
    float *G = s->G + (size_t)j * s->GH, *h = s->h + (size_t)j * s->D;
    if (CELL == CELL_RNN) {
        for (int q = 0; q < 2; q++) {
            int u = blk * 2 * VLANES + q * VLANES, n = H - u < VLANES ? H - u : VLANES;
            if (n <= 0) break;
            vf y = vtanh(ld_n(G + u, n) + vload(bias + u));
            st_n(G + u, y, n);
            st_n(h + u, y, n);
        }
        return;
    }
    int u = blk * VLANES, n = H - u < VLANES ? H - u : VLANES;
    if (CELL == CELL_LSTM) {
        const float *cp = live ? s->cprev + (size_t)j * H : s->zeros;
        vf i = gate_sigmoid(ld_n(G + u, n) + vload(bias + u));
        vf f = gate_sigmoid(ld_n(G + H + u, n) + vload(bias + hp + u));
        vf gg = vtanh(ld_n(G + 2 * H + u, n) + vload(bias + 2 * hp + u));
        vf o = gate_sigmoid(ld_n(G + 3 * H + u, n) + vload(bias + 3 * hp + u));
        vf cc = f * ld_n(cp + u, n) + i * gg;
        vf t = vtanh(cc);
        st_n(G + u, i, n);
        st_n(G + H + u, f, n);
        st_n(G + 2 * H + u, gg, n);
        st_n(G + 3 * H + u, o, n);
        st_n(s->c + (size_t)j * H + u, cc, n);
        st_n(s->tc + (size_t)j * H + u, t, n);
        st_n(h + u, o * t, n);
    } else {
        const float *hpv = live ? s->hprev + (size_t)j * s->D : s->zeros;
        float *hn = s->hn + (size_t)j * H;
        vf rg = gate_sigmoid(ld_n(G + u, n) + vload(bias + u));
        vf z = gate_sigmoid(ld_n(G + H + u, n) + vload(bias + hp + u));
        vf hv = ld_n(hn + u, n) + vload(bias + 3 * hp + u);
        vf nn = vtanh(ld_n(G + 2 * H + u, n) + vload(bias + 2 * hp + u) + rg * hv);
        st_n(G + u, rg, n);
        st_n(G + H + u, z, n);
        st_n(G + 2 * H + u, nn, n);
        st_n(hn + u, hv, n);
        st_n(h + u, nn + z * (ld_n(hpv + u, n) - nn), n);
    }
}

#define FWD_DISPATCH(CELL, MRMAX, PH, s, blk, j0, P, rows)                         \
    switch (rows < MRMAX ? rows : MRMAX) {                                          \
    case 1: fwd_tile(CELL, 1, PH, s, blk, j0, P); break;                            \
    case 2: fwd_tile(CELL, (MRMAX > 2 ? 2 : MRMAX), PH, s, blk, j0, P); break;      \
    case 3: fwd_tile(CELL, (MRMAX > 3 ? 3 : MRMAX), PH, s, blk, j0, P); break;      \
    case 4: fwd_tile(CELL, (MRMAX > 4 ? 4 : MRMAX), PH, s, blk, j0, P); break;      \
    case 5: fwd_tile(CELL, (MRMAX > 5 ? 5 : MRMAX), PH, s, blk, j0, P); break;      \
    default: fwd_tile(CELL, MRMAX, PH, s, blk, j0, P); break;                       \
    }

/* Every block of one step for `rows` rows of a thread; blocks outside, so a
 * block's packed weights stay in L1 across the row tiles. One body, stamped
 * out once per cell with its constants. A function-like template (an
 * always-inline fwd_step(CELL, ...)) gave the same results but GCC compiled
 * the LSTM copy differently: evaluation of the lab LSTM fell from about 3,150
 * to 2,500 reviews/s. */
#define DEFINE_FWD_STEP(name, CELL, MR)                                             \
    static void name(const StepPtrs *s, int nblk, int tid, int P, int rows) {       \
        for (int b = 0; b < nblk; b++) {                                            \
            for (int q = 0; q < rows; q += MR) {                                    \
                int left = rows - q;                                                \
                FWD_DISPATCH(CELL, MR, 0, s, b, tid + q * P, P, left)               \
            }                                                                       \
            for (int q = 0; q < rows; q += MR) {                                    \
                int left = rows - q;                                                \
                FWD_DISPATCH(CELL, MR, 1, s, b, tid + q * P, P, left)               \
            }                                                                       \
            for (int q = 0; q < rows; q++) fwd_cell(CELL, s, b, tid + q * P);       \
        }                                                                           \
    }

DEFINE_FWD_STEP(fwd_step_rnn, CELL_RNN, RNN_MR)
DEFINE_FWD_STEP(fwd_step_lstm, CELL_LSTM, GATED_MR)
DEFINE_FWD_STEP(fwd_step_gru, CELL_GRU, GATED_MR)

static void fwd_sweep(void *vctx, int t0, int t1) {
    const FwdCtx *c = vctx;
    const Recurrent *r = c->r;
    const Layout *L = c->L;
    int H = r->hidden, GH = cell_gates(r->cell) * H, D = r->dirs * H, T = r->T, l = c->l, d = c->d;
    float *A = r->arena;
    StepPtrs s = {.zeros = A + L->zeros, .wp = A + L->wpack, .bias = A + L->bpad, .in = c->in, .H = H,
                  .GH = GH, .D = D, .hp = c->g.hp,
                  .blk_floats = (size_t)(c->in + H) * c->g.ng * VLANES};
    float *out = A + L->out[l] + (size_t)d * H;
    for (int tid = t0; tid < t1; tid++) {
        for (int i = 0; i < T; i++) {
            int t = d == 0 ? i : T - 1 - i;
            int nb = r->batch_sizes[t], rows = rows_of(nb, tid, c->P);
            if (rows == 0) continue;
            size_t off = (size_t)r->offsets[t];
            int tp = d == 0 ? t - 1 : t + 1;
            int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
            size_t poff = nprev ? (size_t)r->offsets[tp] : 0;
            s.x = c->X + off * c->in;
            s.G = A + L->gates[l][d] + off * GH;
            s.h = out + off * D;
            s.hprev = out + poff * D;
            s.nprev = nprev;
            if (c->nograd) {
                /* row j of every step is the same sequence and stays on this
                   thread, so per-row buffers replace the packed ones; states
                   alternate because a step reads all of h' while writing h */
                int cur = i & 1;
                s.G = A + L->ng_gates;
                if (c->final_only) {
                    s.h = A + L->ng_h[cur] + (size_t)d * H;
                    s.hprev = A + L->ng_h[cur ^ 1] + (size_t)d * H;
                }
                if (r->cell == CELL_LSTM) {
                    s.c = A + L->ng_c[cur];
                    s.cprev = A + L->ng_c[cur ^ 1];
                    s.tc = A + L->ng_aux;
                    fwd_step_lstm(&s, c->g.nblk, tid, c->P, rows);
                } else if (r->cell == CELL_GRU) {
                    s.hn = A + L->ng_aux;
                    fwd_step_gru(&s, c->g.nblk, tid, c->P, rows);
                } else {
                    fwd_step_rnn(&s, c->g.nblk, tid, c->P, rows);
                }
                continue;
            }
            if (r->cell == CELL_LSTM) {
                s.c = A + L->cell[l][d] + off * H;
                s.cprev = A + L->cell[l][d] + poff * H;
                s.tc = A + L->tanhc[l][d] + off * H;
                fwd_step_lstm(&s, c->g.nblk, tid, c->P, rows);
            } else if (r->cell == CELL_GRU) {
                s.hn = A + L->cell[l][d] + off * H;
                fwd_step_gru(&s, c->g.nblk, tid, c->P, rows);
            } else {
                fwd_step_rnn(&s, c->g.nblk, tid, c->P, rows);
            }
        }
        if (c->final_only)
            for (int j = tid; j < r->B; j += c->P) {
                /* the step a row ends on: its last token going forward, the
                   first token (sweep step T - 1) going backward */
                int last = T - 1;
                if (d == 0)
                    for (last = 0; last + 1 < T && r->batch_sizes[last + 1] > j; last++) {}
                memcpy(A + L->ng_final + (size_t)j * D + (size_t)d * H, A + L->ng_h[last & 1] + (size_t)j * D + (size_t)d * H,
                       (size_t)H * sizeof(float));
            }
    }
}

static void direction_forward(Recurrent *r, const Layout *L, int l, int d, const float *X, int in, int nograd,
                              int final_only) {
    FwdCtx c = {.r = r, .L = L, .g = geo(r->cell, r->hidden), .l = l, .d = d, .in = in, .P = sweep_threads(r),
                .nograd = nograd, .final_only = final_only, .X = X};
    pack_forward(r, &r->w[l][d], in, &c.g, r->arena + L->wpack);
    pad_biases(r, &r->w[l][d], &c.g, r->arena + L->bpad);
    parallel_for(c.P, fwd_sweep, &c);
}

void recurrent_forward(Recurrent *r, const float *x, int B, int T, const int32_t *batch_sizes,
                       const int32_t *offsets, int train, Rng *rng) {
    Layout L;
    rec_layout(r, &L);
    r->B = B;
    r->T = T;
    r->batch_sizes = batch_sizes;
    r->offsets = offsets;
    r->N = T > 0 ? offsets[T - 1] + batch_sizes[T - 1] : 0;
    r->train = train;
    r->stored = 1;
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
        for (int d = 0; d < r->dirs; d++) direction_forward(r, &L, l, d, X, in, 0, 0);
    }
}

void recurrent_forward_nograd(Recurrent *r, const float *x, int B, int T, const int32_t *batch_sizes,
                              const int32_t *offsets, int final_only) {
    Layout L;
    rec_layout(r, &L);
    r->B = B;
    r->T = T;
    r->batch_sizes = batch_sizes;
    r->offsets = offsets;
    r->N = T > 0 ? offsets[T - 1] + batch_sizes[T - 1] : 0;
    r->train = 0;
    r->stored = 0;
    const float *X = x;
    int in = r->input;
    for (int l = 0; l < r->layers; l++) {
        if (l > 0) {
            X = r->arena + L.out[l - 1]; /* no dropout outside training */
            in = r->dirs * r->hidden;
        }
        int last = l == r->layers - 1;
        for (int d = 0; d < r->dirs; d++) direction_forward(r, &L, l, d, X, in, 1, last && final_only);
    }
}

const float *recurrent_final(const Recurrent *r) {
    Layout L;
    rec_layout(r, &L);
    return r->arena + L.ng_final;
}
