/* Seeded, stratified selection of reviews: the validation hold-out carved from
 * train and the data.limit_train subsample keep each label's share. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "kernels/tensor.h"

void split_shuffle(int32_t *idx, int n, uint64_t seed) {
    Rng r;
    rng_seed(&r, seed);
    rng_shuffle_int(&r, idx, n);
}

/* Labels are 0/1; anything else is grouped with 1 so no review is lost. */
static int label_of(const int32_t *labels, int32_t i) { return labels[i] == 0 ? 0 : 1; }

void split_holdout(const int32_t *labels, const int32_t *idx, int n, double frac, uint64_t seed, int32_t *held,
                   int *n_held, int32_t *kept, int *n_kept) {
    int nh = 0, nk = 0;
    int32_t *group = malloc(sizeof *group * (size_t)(n > 0 ? n : 1));
    for (int lab = 0; lab < 2 && group; lab++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (label_of(labels, idx[i]) == lab) group[m++] = idx[i];
        split_shuffle(group, m, seed * 2654435761u + 17u + (uint64_t)lab);
        int take = (int)floor(frac * m + 0.5);
        if (take > m) take = m;
        memcpy(held + nh, group, sizeof *group * (size_t)take);
        memcpy(kept + nk, group + take, sizeof *group * (size_t)(m - take));
        nh += take;
        nk += m - take;
    }
    free(group);
    split_shuffle(held, nh, seed * 2654435761u + 101u);
    split_shuffle(kept, nk, seed * 2654435761u + 103u);
    *n_held = nh;
    *n_kept = nk;
}

int split_limit(const int32_t *labels, int32_t *idx, int n, int limit) {
    if (limit <= 0 || limit >= n) return n;
    int count[2] = {0, 0};
    for (int i = 0; i < n; i++) count[label_of(labels, idx[i])]++;
    /* largest remainder: floor shares, then the spare ones to the larger remainder */
    int quota[2];
    long rem[2];
    for (int lab = 0; lab < 2; lab++) {
        quota[lab] = (int)((long)limit * count[lab] / n);
        rem[lab] = (long)limit * count[lab] % n;
    }
    int spare = limit - quota[0] - quota[1];
    while (spare-- > 0) {
        int lab = (rem[1] > rem[0] && quota[1] < count[1]) || quota[0] >= count[0] ? 1 : 0;
        quota[lab]++;
        rem[lab] = -1;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        int lab = label_of(labels, idx[i]);
        if (quota[lab] > 0) {
            quota[lab]--;
            idx[m++] = idx[i];
        }
    }
    return m;
}
