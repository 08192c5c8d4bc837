#include "models/hf_folder.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void hf_path(char *buf, size_t n, const char *dir, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static int exists(const char *dir, const char *name) {
    char p[4096];
    struct stat sb;
    hf_path(p, sizeof p, dir, name);
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int check_files(const char *dir, char *err, size_t errlen) {
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen,
                 "model.init: no folder %s; download a Hugging Face DistilBERT (for example "
                 "distilbert-base-uncased) and put its config.json, vocab.txt and model.safetensors in %s/",
                 dir, dir);
        return -1;
    }
    if (!exists(dir, "model.safetensors") && exists(dir, "pytorch_model.bin")) {
        snprintf(err, errlen,
                 "%s/pytorch_model.bin is not read: it is a pickle, and loading a pickle executes code; put the "
                 "checkpoint's model.safetensors in %s/ instead",
                 dir, dir);
        return -1;
    }
    const char *need[] = {"config.json", "vocab.txt", "model.safetensors"};
    for (int i = 0; i < 3; i++)
        if (!exists(dir, need[i])) {
            snprintf(err, errlen,
                     "model.init: %s/%s is missing; a Hugging Face model folder needs config.json, vocab.txt and "
                     "model.safetensors",
                     dir, need[i]);
            return -1;
        }
    return 0;
}

/* An integer key of config.json that must be present and in [lo, hi]. */
static int get_int(json_t *root, const char *key, int lo, int hi, int *out, char *err, size_t errlen) {
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, errlen, "config.json: \"%s\" must be an integer from %d to %d", key, lo, hi);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int read_labels(json_t *root, HfConfig *c, char *err, size_t errlen) {
    json_t *map = json_object_get(root, "id2label");
    c->num_labels = 2;
    if (!map) return 0;
    size_t n = json_is_object(map) ? json_object_size(map) : 0;
    if (n < 1 || n > HF_MAX_LABELS) {
        snprintf(err, errlen, "config.json: \"id2label\" must map ids 0..n-1 to names (1 to %d labels)",
                 HF_MAX_LABELS);
        return -1;
    }
    c->num_labels = (int)n;
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        json_t *v = json_object_get(map, key);
        if (!json_is_string(v)) {
            snprintf(err, errlen, "config.json: \"id2label\" has no name for id %zu", i);
            return -1;
        }
        snprintf(c->labels[i], HF_LABEL_MAX, "%s", json_string_value(v));
    }
    return 0;
}

/* A string key that, when present, must be one of the values sentui computes. */
static int check_string(json_t *root, const char *key, const char *want, const char *why, char *err, size_t errlen) {
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v) || (json_is_string(v) && !strcmp(json_string_value(v), want))) return 0;
    snprintf(err, errlen, "config.json: %s must be \"%s\" (%s)", key, want, why);
    return -1;
}

static int read_distilbert(json_t *root, HfConfig *c, char *err, size_t errlen) {
    if (get_int(root, "dim", 1, 8192, &c->dim, err, errlen) ||
        get_int(root, "n_heads", 1, 256, &c->n_heads, err, errlen) ||
        get_int(root, "hidden_dim", 1, 65536, &c->hidden_dim, err, errlen) ||
        get_int(root, "n_layers", 1, 96, &c->n_layers, err, errlen) ||
        check_string(root, "activation", "gelu", "the only one sentui computes for DistilBERT", err, errlen))
        return -1;
    if (json_is_true(json_object_get(root, "sinusoidal_pos_embds"))) {
        snprintf(err, errlen, "config.json: sinusoidal_pos_embds is not supported (learned positions only)");
        return -1;
    }
    return 0;
}

static int read_bert(json_t *root, HfConfig *c, char *err, size_t errlen) {
    c->bert = 1;
    c->type_vocab_size = 2;
    if (get_int(root, "hidden_size", 1, 8192, &c->dim, err, errlen) ||
        get_int(root, "num_attention_heads", 1, 256, &c->n_heads, err, errlen) ||
        get_int(root, "intermediate_size", 1, 65536, &c->hidden_dim, err, errlen) ||
        get_int(root, "num_hidden_layers", 1, 96, &c->n_layers, err, errlen) ||
        (json_object_get(root, "type_vocab_size") &&
         get_int(root, "type_vocab_size", 1, 1 << 16, &c->type_vocab_size, err, errlen)) ||
        check_string(root, "hidden_act", "gelu", "the only one sentui computes for BERT", err, errlen) ||
        check_string(root, "position_embedding_type", "absolute", "learned positions only", err, errlen))
        return -1;
    return 0;
}

static int read_keys(json_t *root, HfConfig *c, char *err, size_t errlen) {
    json_t *mt = json_object_get(root, "model_type");
    snprintf(c->model_type, sizeof c->model_type, "%s", json_is_string(mt) ? json_string_value(mt) : "");
    int bert = !strcmp(c->model_type, "bert");
    if (!bert && strcmp(c->model_type, "distilbert") != 0) {
        snprintf(err, errlen, "config.json: model_type \"%s\" is not supported (sentui reads distilbert and bert)",
                 c->model_type[0] ? c->model_type : "(none)");
        return -1;
    }
    if (get_int(root, "vocab_size", 6, 1 << 22, &c->vocab_size, err, errlen) ||
        (bert ? read_bert(root, c, err, errlen) : read_distilbert(root, c, err, errlen)) ||
        get_int(root, "max_position_embeddings", 2, 1 << 16, &c->max_position_embeddings, err, errlen))
        return -1;
    c->pad_token_id = 0;
    if (json_object_get(root, "pad_token_id") &&
        get_int(root, "pad_token_id", 0, c->vocab_size - 1, &c->pad_token_id, err, errlen))
        return -1;
    if (c->dim % c->n_heads) {
        snprintf(err, errlen, "config.json: %s (%d) must divide %s (%d)", bert ? "num_attention_heads" : "n_heads",
                 c->n_heads, bert ? "hidden_size" : "dim", c->dim);
        return -1;
    }
    json_t *eps = json_object_get(root, "layer_norm_eps"), *ir = json_object_get(root, "initializer_range");
    c->layer_norm_eps = json_is_number(eps) ? (float)json_number_value(eps) : 1e-12f;
    c->initializer_range = json_is_number(ir) ? (float)json_number_value(ir) : 0.02f;
    if (!(c->layer_norm_eps > 0) || !(c->initializer_range >= 0)) {
        snprintf(err, errlen, "config.json: layer_norm_eps must be above 0 and initializer_range not below 0");
        return -1;
    }
    return read_labels(root, c, err, errlen);
}

int hf_read_config(const char *dir, HfConfig *c, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    if (check_files(dir, err, errlen)) return -1;
    char p[4096];
    hf_path(p, sizeof p, dir, "config.json");
    json_error_t je;
    json_t *root = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s:%d: %s", p, je.line, root ? "not a JSON object" : je.text);
        json_decref(root);
        return -1;
    }
    int rc = read_keys(root, c, err, errlen);
    json_decref(root);
    return rc;
}

long hf_vocab_entries(const char *dir, char *err, size_t errlen) {
    char p[4096];
    hf_path(p, sizeof p, dir, "vocab.txt");
    FILE *f = fopen(p, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", p);
        return -1;
    }
    long n = 0;
    int ch, prev = '\n';
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '\n' && prev != '\n') n++;
        prev = ch;
    }
    if (prev != '\n') n++;
    fclose(f);
    return n;
}

static float half_to_f32(uint16_t h) {
    int e = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v = e == 0 ? ldexpf((float)mant, -24) : e == 31 ? (mant ? NAN : INFINITY) : ldexpf((float)(mant | 0x400), e - 25);
    return h & 0x8000 ? -v : v;
}

static float bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

long hf_tensor_to_f32(const StTensor *t, float *dst, size_t n) {
    const unsigned char *src = t->data;
    for (size_t i = 0; i < n; i++) {
        if (t->dtype == ST_F32) {
            memcpy(&dst[i], src + 4 * i, 4);
        } else {
            uint16_t h = (uint16_t)(src[2 * i] | src[2 * i + 1] << 8);
            dst[i] = t->dtype == ST_F16 ? half_to_f32(h) : bf16_to_f32(h);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(dst[i])) return (long)i;
    return -1;
}
