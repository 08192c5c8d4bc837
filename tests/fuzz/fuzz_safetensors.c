/* safetensors files and the checkpoints built on them: the header, every
 * tensor accessor, the __metadata__ values and a full checkpoint load (with
 * and without optimizer state) into a model shaped like the seed corpus's
 * small bidirectional LSTM, so mutated seeds get past the shape checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/checkpoint.h"
#include "run/safetensors.h"
#include "fuzz_file.h"

static Model *seed_model(void) {
    static const struct { const char *name; int ndim, shape[2]; } views[] = {
        {"embedding.weight", 2, {20, 4}},         {"rnn.weight_ih_l0", 2, {12, 4}},
        {"rnn.weight_hh_l0", 2, {12, 3}},         {"rnn.bias_ih_l0", 1, {12, 0}},
        {"rnn.bias_hh_l0", 1, {12, 0}},           {"rnn.weight_ih_l0_reverse", 2, {12, 4}},
        {"rnn.weight_hh_l0_reverse", 2, {12, 3}}, {"rnn.bias_ih_l0_reverse", 1, {12, 0}},
        {"rnn.bias_hh_l0_reverse", 1, {12, 0}},   {"fc.weight", 2, {2, 6}},
        {"fc.bias", 1, {2, 0}},
    };
    Model *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->arch = ARCH_LSTM;
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        params_add(&m->params, views[i].name, views[i].ndim, views[i].shape, 0);
    if (params_alloc(&m->params) != 0) abort();
    return m;
}

static void read_tensors(const StFile *f) {
    char err[512], buf[160];
    for (int i = 0; i < f->n; i++) {
        const StTensor *t = &f->tensors[i];
        if (st_find(f, t->name) == NULL) abort();
        if (t->dtype == ST_F32 && t->nbytes <= (1u << 20)) {
            float *dst = malloc(t->nbytes ? t->nbytes : 1);
            if (st_get_f32(f, t->name, dst, t->nbytes / sizeof(float), err, sizeof err) != 0) abort();
            free(dst);
        }
    }
    const char *keys[] = {"format", "arch", "step", "epoch", "epoch_pos", "checksum", "rng", "missing"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) st_metadata(f, keys[k], buf, sizeof buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static Model *model;
    static float *opt_m, *opt_v;
    if (!model) {
        model = seed_model();
        opt_m = calloc(model->params.total, sizeof *opt_m);
        opt_v = calloc(model->params.total, sizeof *opt_v);
    }
    const char *path = fuzz_write("last.safetensors", data, size);
    char err[2048];
    StFile f;
    if (st_load(&f, path, err, sizeof err) == 0) {
        read_tensors(&f);
        st_free(&f);
    }
    CheckpointMeta meta;
    checkpoint_read_meta(path, &meta, err, sizeof err);
    checkpoint_load(path, model, &meta, NULL, NULL, err, sizeof err);
    checkpoint_load(path, model, &meta, opt_m, opt_v, err, sizeof err);
    return 0;
}
