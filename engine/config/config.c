/* Whole configs: defaults from the schema, copies, hashes, the cross-field
 * checks, and config_read, the one way a Config is made from a file and
 * overrides. The rest of the module is split by job: config_schema.c (the
 * key table and suggestions), config_value.c (values as text),
 * config_yaml_read.c, config_set.c (--set), config_yaml_write.c and
 * config_errors.c. */
#include "config/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

void config_defaults(Config *c) {
    memset(c, 0, sizeof *c);
    for (int i = 0; i < config_key_count; i++) {
        char msg[512];
        if (config_set_text(c, &config_keys[i], config_keys[i].def, msg, sizeof msg)) {
            /* A schema default that does not parse is a bug in config.h. */
            fprintf(stderr, "sentui: bad default for %s: %s\n", config_keys[i].key, msg);
            abort();
        }
    }
}

void config_free(Config *c) {
    if (!c) return;
    for (int i = 0; i < config_key_count; i++)
        if (config_keys[i].type == CFG_STR) {
            char **slot = FIELD(c, &config_keys[i], char *);
            free(*slot);
            *slot = NULL;
        }
}

/* dst is overwritten without being freed: pass a fresh or config_free'd struct. */
void config_copy(Config *dst, const Config *src) {
    if (dst == src) return;
    *dst = *src;
    for (int i = 0; i < config_key_count; i++)
        if (config_keys[i].type == CFG_STR) {
            char **slot = FIELD(dst, &config_keys[i], char *);
            if (*slot) *slot = strdup(*slot);
        }
}

uint64_t config_hash_keys(const Config *c, const char *section_prefix) {
    uint64_t h = 1469598103934665603ull;
    size_t plen = section_prefix ? strlen(section_prefix) : 0;
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        if (plen && strncmp(k->key, section_prefix, plen)) continue;
        char buf[256];
        const char *v = config_get_text(c, k, buf, sizeof buf);
        /* key=value\n: no two different configs give the same byte stream. */
        const char *parts[4] = {k->key, "=", v, "\n"};
        for (int p = 0; p < 4; p++)
            for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++) {
                h ^= *s;
                h *= 1099511628211ull;
            }
    }
    return h;
}

int config_validate(const Config *c, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    char name[64];
    const char *arch = config_enum_name(ARCH_VALUES, c->model_arch, name, sizeof name);

    if (c->model_arch == ARCH_TRANSFORMER && c->model_heads > 0 && c->model_embed_dim % c->model_heads)
        config_errors_add(errs, "", 0, 0, "model.heads (%d) must divide model.embed_dim (%d) for the transformer",
                          c->model_heads, c->model_embed_dim);
    if (c->model_pooling == POOL_CLS && c->model_arch != ARCH_TRANSFORMER)
        config_errors_add(errs, "", 0, 0, "model.pooling: cls needs a transformer (model.arch is %s)", arch);
    /* Validation must hold both classes or the best-checkpoint choice means nothing. */
    long pool = c->data_dataset == DATASET_SYNTHETIC ? c->data_synthetic_size : 0;
    if (c->data_limit_train > 0 && (pool == 0 || c->data_limit_train < pool)) pool = c->data_limit_train;
    if (pool > 0 && pool * c->data_val_fraction < 2)
        config_errors_add(errs, "", 0, 0,
                          "data.val_fraction %g of %ld training reviews leaves fewer than 2 for validation",
                          c->data_val_fraction, pool);
    if (c->eval_explain_samples > c->eval_batch_size)
        config_errors_add(errs, "", 0, 0, "eval.explain_samples (%d) must not exceed eval.batch_size (%d)",
                          c->eval_explain_samples, c->eval_batch_size);
    int heads[2 * CONFIG_MAX_ATTENTION_HEADS], nh;
    char hmsg[160];
    if ((nh = config_attention_heads(c->eval_attention_heads, heads, CONFIG_MAX_ATTENTION_HEADS, hmsg, sizeof hmsg)) < 0)
        config_errors_add(errs, "", 0, 0, "eval.attention_heads: %s", hmsg);
    for (int i = 0; c->model_arch == ARCH_TRANSFORMER && i < nh; i++)
        if (heads[2 * i] >= c->model_layers || heads[2 * i + 1] >= c->model_heads)
            config_errors_add(errs, "", 0, 0, "eval.attention_heads: %d.%d is beyond the model's %d layers x %d heads",
                              heads[2 * i] + 1, heads[2 * i + 1] + 1, c->model_layers, c->model_heads);
    if (c->model_arch == ARCH_DISTILBERT && c->model_pretrain != PRETRAIN_NONE && c->model_init && *c->model_init)
        config_errors_add(errs, "", 0, 0,
                          "model.pretrain word2vec would overwrite the word embeddings model.init loads: set one of them");
    if (c->eval_limit > 0 && c->eval_limit < 10)
        config_errors_add(errs, "", 0, 0, "eval.limit %d: too few reviews to compare models; 0 (all) or at least 10",
                          c->eval_limit);
    if (c->train_warmup >= 1 && c->train_warmup != floor(c->train_warmup))
        config_errors_add(errs, "", 0, 0, "train.warmup %g: steps (>= 1) must be a whole number, a share must be < 1",
                          c->train_warmup);
    if (!c->train_runs_dir || !*c->train_runs_dir)
        config_errors_add(errs, "", 0, 0, "train.runs_dir must not be empty");
    int bad_name = 0;
    for (const unsigned char *p = (const unsigned char *)(c->train_name ? c->train_name : ""); *p; p++)
        bad_name |= *p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f ||
                    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f); /* C1 controls, U+0080-U+009F */
    if (bad_name)
        config_errors_add(errs, "", 0, 0, "train.name '%s' becomes part of a folder name: no '/', '\\' or control characters",
                          c->train_name);
    int added = errs->n - before;
    config_errors_free(&local);
    return added;
}

int config_read(Config *c, const ConfigSource *src, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    config_defaults(c);
    if (src && src->runs_dir) {
        char msg[256];
        if (config_set_text(c, config_find_key("train.runs_dir"), src->runs_dir, msg, sizeof msg))
            config_errors_add(errs, "", 0, 0, "train.runs_dir: %s", msg);
    }
    if (src && src->file) config_load_file(c, src->file, errs);
    if (src && src->sets) config_set_all(c, src->sets, src->n_sets, errs);
    /* Cross-field checks run even after other errors, so one pass shows everything. */
    if (!src || !(src->flags & CONFIG_NO_CHECKS)) config_validate(c, errs);
    int added = errs->n - before;
    config_errors_free(&local);
    return added;
}
