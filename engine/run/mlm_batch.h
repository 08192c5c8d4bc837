/* BERT's masking for masked-language-model pretraining: each token other
 * than [PAD], [UNK], [CLS], [SEP] and [MASK] is chosen with probability p;
 * a chosen token becomes [MASK] 80 % of the time, a random ordinary token
 * 10 %, and stays itself 10 %. The loss is taken at the chosen positions
 * only. The draws are a function of (seed, review) alone, so a step or a
 * validation review is masked the same way every time. */
#ifndef SENTUI_RUN_MLM_BATCH_H
#define SENTUI_RUN_MLM_BATCH_H

#include <stdint.h>

#include "models/model.h"

/* The ids the masking needs; ids below first_plain are special or unused
 * (BERT's layout: [PAD] 0, [unused..], [UNK] 100, [CLS] 101, [SEP] 102,
 * [MASK] 103), and random replacements are drawn from [first_plain, V). */
typedef struct MlmIds {
    int32_t pad, unk, cls, sep, mask, first_plain, V;
} MlmIds;

/* A masked batch: the model's input and where the loss is taken. */
typedef struct MlmBatch {
    Batch in;          /* tokens with the replacements, lengths as given */
    int32_t *pos;      /* [M] s * T + i of each chosen token, in order */
    int32_t *labels;   /* [M] the original token there */
    int M;
} MlmBatch;

/* Masks b (tokens [B x T]) into out, whose tokens, pos and labels have room
 * for B * T entries. keys[s] seeds review s's draws. */
void mlm_mask(const Batch *b, const MlmIds *ids, float p, const uint64_t *keys, int32_t *tokens, MlmBatch *out);

/* True when token is never masked. */
int mlm_is_special(const MlmIds *ids, int32_t token);

#endif
