#include "data/wordpiece_data.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/hash.h"
#include "data/data_internal.h"
#include "data/wordpiece_learn.h"
#include "models/hf_folder.h"

/* Bumped when the learnt vocabulary would come out differently. */
#define WORDPIECE_LEARN_FORMAT 1

int data_uses_wordpiece(const Config *c) { return c->model_arch == ARCH_DISTILBERT; }

/* tokenizer_config.json's do_lower_case; uncased (1) when the file or key is absent. */
static int lower_case(const char *dir) {
    char p[4096];
    hf_path(p, sizeof p, dir, "tokenizer_config.json");
    json_t *root = json_load_file(p, 0, NULL);
    json_t *v = json_object_get(root, "do_lower_case");
    int lower = json_is_boolean(v) ? json_is_true(v) : 1;
    json_decref(root);
    return lower;
}

WordPiece *data_wordpiece_open(const Config *c, char *err, size_t errlen) {
    const char *dir = c->model_init && *c->model_init ? c->model_init : NULL;
    HfConfig hc;
    if (!dir) {
        snprintf(err, errlen, "model.init: distilbert needs the Hugging Face folder it starts from (config.json, "
                              "vocab.txt, model.safetensors)");
        return NULL;
    }
    if (hf_read_config(dir, &hc, err, errlen)) {
        size_t used = strlen(err);
        if (!strncmp(err, "model.init: no folder", 21) && used + 1 < errlen)
            snprintf(err + used, errlen - used, "; or pretrain one there: a run with train.objective mlm and "
                                                "train.export_dir %s (configs/pretrain/mlm.yaml writes "
                                                "models/sentui-mlm-imdb)", dir);
        return NULL;
    }
    char p[4096];
    hf_path(p, sizeof p, dir, "vocab.txt");
    return wordpiece_load(p, lower_case(dir), err, errlen);
}

static int learns_vocab(const Config *c) { return c->train_objective == OBJECTIVE_MLM; }

WordPiece *data_wordpiece_for(const Config *c, const RawCorpus *rc, char *err, size_t errlen) {
    if (!learns_vocab(c)) return data_wordpiece_open(c, err, errlen);
    int n = 0;
    const char **texts = malloc(sizeof *texts * (size_t)(rc->n + 1));
    size_t *lens = malloc(sizeof *lens * (size_t)(rc->n + 1));
    if (!texts || !lens) {
        free(texts), free(lens);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    for (int i = 0; i < rc->n; i++)
        if (rc->docs[i].split == RAW_UNSUP) texts[n] = rc->docs[i].text, lens[n++] = rc->docs[i].len;
    WordPiece *wp = NULL;
    size_t len = 0;
    char *lines = NULL;
    if (n == 0)
        snprintf(err, errlen, "train.objective mlm learns from unlabelled reviews (IMDb's train/unsup), and the data "
                              "has none");
    else if ((lines = wordpiece_learn(texts, lens, n, c->data_vocab_size, 1, &len, err, errlen)))
        wp = wordpiece_from_lines(lines, len, 1, err, errlen);
    free(lines);
    free(texts);
    free(lens);
    return wp;
}

uint64_t data_wordpiece_signature(const Config *c) {
    if (learns_vocab(c)) {
        return hash_pair(0x6c6561726e74ull ^ WORDPIECE_LEARN_FORMAT, (uint64_t)c->data_vocab_size) | 1;
    }
    const char *dir = c->model_init && *c->model_init ? c->model_init : "";
    char p[4096];
    hf_path(p, sizeof p, dir, "vocab.txt");
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)lower_case(dir);
    unsigned char buf[1 << 14];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * 0x100000001b3ull;
    fclose(f);
    return h ? h : 1;
}

int data_vocab_from_wordpiece(Vocab *v, const WordPiece *wp) {
    memset(v, 0, sizeof *v);
    for (int32_t id = 0; id < wordpiece_size(wp); id++) {
        const char *tok = wordpiece_token(wp, id);
        if (vocab_add(v, tok, strlen(tok)) != id) {
            vocab_free(v);
            return -1;
        }
    }
    return 0;
}
