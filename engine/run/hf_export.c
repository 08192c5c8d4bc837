#include "run/hf_export.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "models/hf_folder.h"
#include "run/class_names.h"
#include "run/predict.h"
#include "run/safetensors.h"

/* Copies dir/name to out/name; a missing optional file is no error. */
static int copy_file(const char *dir, const char *out, const char *name, int optional, char *err, size_t errlen) {
    char src[4096], dst[4096];
    hf_path(src, sizeof src, dir, name);
    hf_path(dst, sizeof dst, out, name);
    FILE *in = fopen(src, "rb");
    if (!in) return optional ? 0 : (snprintf(err, errlen, "cannot read %s: %s", src, strerror(errno)), -1);
    FILE *o = fopen(dst, "wb");
    if (!o) {
        fclose(in);
        return snprintf(err, errlen, "cannot write %s: %s", dst, strerror(errno)), -1;
    }
    char buf[1 << 14];
    size_t n;
    int bad = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) bad |= fwrite(buf, 1, n, o) != n;
    bad |= ferror(in);
    fclose(in);
    bad |= fclose(o) != 0;
    if (bad) snprintf(err, errlen, "cannot copy %s to %s", src, dst);
    return bad ? -1 : 0;
}

/* id2label and label2id of the run's classes: NEGATIVE and POSITIVE for a
 * binary run, as Hugging Face's sentiment models name them. */
static void set_labels(json_t *root, const ClassNames *c) {
    json_t *id2label = json_object(), *label2id = json_object();
    int n = c->n ? c->n : 2;
    for (int i = 0; i < n; i++) {
        char id[16];
        const char *name = c->n ? c->names[i] : i == 0 ? "NEGATIVE" : "POSITIVE";
        snprintf(id, sizeof id, "%d", i);
        json_object_set_new(id2label, id, json_string(name));
        json_object_set_new(label2id, name, json_integer(i));
    }
    json_object_set_new(root, "id2label", id2label);
    json_object_set_new(root, "label2id", label2id);
}

/* The folder's config.json with sentui's labels. */
static int write_config(const char *dir, const ClassNames *classes, const char *out, char *err, size_t errlen) {
    char src[4096], dst[4096];
    hf_path(src, sizeof src, dir, "config.json");
    hf_path(dst, sizeof dst, out, "config.json");
    json_error_t je;
    json_t *root = json_load_file(src, 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return snprintf(err, errlen, "%s: %s", src, je.text), -1;
    }
    const char *type = json_string_value(json_object_get(root, "model_type"));
    int bert = type && !strcmp(type, "bert");
    json_object_set_new(root, "architectures",
                        json_pack("[s]", bert ? "BertForSequenceClassification" : "DistilBertForSequenceClassification"));
    set_labels(root, classes);
    int rc = json_dump_file(root, dst, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    if (rc) snprintf(err, errlen, "cannot write %s", dst);
    return rc ? -1 : 0;
}

static int write_weights(const Model *m, const char *out, char *err, size_t errlen) {
    StFile f = {0};
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        int64_t shape[PARAM_MAX_DIMS];
        for (int k = 0; k < v->ndim; k++) shape[k] = v->shape[k];
        st_add(&f, v->name, ST_F32, v->ndim, shape, m->params.data + v->offset);
    }
    char dst[4096];
    hf_path(dst, sizeof dst, out, "model.safetensors");
    int rc = st_save(&f, dst, "{\"format\":\"pt\"}", err, errlen);
    st_free(&f);
    return rc;
}

int hf_export(const char *run_dir, const char *out_dir, char *err, size_t errlen) {
    RunModel r;
    if (run_model_open(&r, run_dir, 1, err, errlen) != 0) return -1;
    int rc = -1;
    char p[4096];
    struct stat sb;
    hf_path(p, sizeof p, out_dir, "model.safetensors");
    if (r.cfg.model_arch != ARCH_DISTILBERT) {
        snprintf(err, errlen, "%s is not a distilbert run: only those are written as Hugging Face folders", run_dir);
    } else if (stat(p, &sb) == 0) {
        snprintf(err, errlen, "%s already exists; not overwritten", p);
    } else if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", out_dir, strerror(errno));
    } else {
        const char *dir = r.cfg.model_init;
        rc = write_config(dir, &r.classes, out_dir, err, errlen) || copy_file(dir, out_dir, "vocab.txt", 0, err, errlen) ||
                     copy_file(dir, out_dir, "tokenizer_config.json", 1, err, errlen) ||
                     write_weights(r.model, out_dir, err, errlen)
                 ? -1
                 : 0;
    }
    run_model_close(&r);
    return rc;
}
