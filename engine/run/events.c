/* Writing and reading event lines from the one schema in events.h. The
 * schema expands into a table of (name, kind, flags, offset) rows per type;
 * the writer and the decoder walk those rows, so a field added to the schema
 * is written and read without another line of code. */
#include "run/events.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/json_get.h"

typedef enum { K_INT, K_REAL, K_G5, K_G6, K_G7, K_F3, K_STR, K_BOOL, K_CONFUSION, K_SAMPLES } Kind;

typedef struct FieldSpec {
    const char *name;
    Kind kind;
    int flags;
    size_t offset;
} FieldSpec;

typedef struct TypeSpec {
    const char *name;
    int precision;
    const FieldSpec *fields;
    int n_fields;
} TypeSpec;

#define EV_ROW(T, name, kind, flags) {#name, K_##kind, flags, offsetof(Event, T.name)},
#define EV_ROWS(E, T, Type, prec) static const FieldSpec fields_##T[] = {EVENT_FIELDS_##T(EV_ROW, T)};
EVENT_TYPES(EV_ROWS)
#undef EV_ROWS
#undef EV_ROW

#define EV_SPEC(E, T, Type, prec) [E] = {#T, prec, fields_##T, (int)(sizeof fields_##T / sizeof *fields_##T)},
static const TypeSpec specs[EV_TYPE_COUNT] = {EVENT_TYPES(EV_SPEC)};
#undef EV_SPEC

/* A bit per field must fit in Event.has. */
#define EV_COUNT_CHECK(E, T, Type, prec) \
    _Static_assert(sizeof fields_##T / sizeof *fields_##T <= 32, "too many fields in " #T);
EVENT_TYPES(EV_COUNT_CHECK)
#undef EV_COUNT_CHECK

const char *event_type_name(EventType t) { return t >= 0 && t < EV_TYPE_COUNT ? specs[t].name : "unknown"; }

void event_init(Event *ev, EventType t) {
    memset(ev, 0, sizeof *ev);
    ev->type = t;
}

typedef const char *ConstStr; /* CAT(ev, f, const char *) would say const twice */
#define AT(ev, f, type) ((type *)((char *)(ev) + (f)->offset))
#define CAT(ev, f, type) ((const type *)((const char *)(ev) + (f)->offset))

void explain_sample_free(ExplainSample *x) {
    for (int i = 0; x->tokens && i < x->len; i++) free(x->tokens[i]);
    free(x->tokens);
    free(x->weight);
    free(x->attn);
    free(x->layer_mean);
    free(x->kept);
    free(x->kept_attn);
    memset(x, 0, sizeof *x);
}

void explain_samples_free(ExplainSamples *s) {
    for (int i = 0; i < s->n; i++) explain_sample_free(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* ---- writing ------------------------------------------------------------- */

/* Finite reals only: JSON has no NaN. */
static json_t *real(double v) { return json_real(isfinite(v) ? v : 0.0); }

static json_t *reals(const float *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, real(v[i]));
    return a;
}

static json_t *sample_json(const ExplainSample *x) {
    json_t *words = json_array(), *weights = json_array();
    for (int j = 0; j < x->len; j++) {
        json_array_append_new(words, json_string(x->tokens[j]));
        json_array_append_new(weights, real(x->weight ? x->weight[j] : 0));
    }
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(x->index));
    json_object_set_new(o, "label", json_integer(x->label));
    json_object_set_new(o, "pred", json_integer(x->pred));
    json_object_set_new(o, "prob", real(x->prob));
    json_object_set_new(o, "tokens", words);
    json_object_set_new(o, "weight", weights);
    json_object_set_new(o, "method", json_string(x->method));
    int maps = x->attn || x->layer_mean || (x->kept_attn && x->n_kept > 0);
    json_object_set_new(o, "layers", json_integer(maps ? x->layers : 0));
    json_object_set_new(o, "heads", json_integer(maps ? x->heads : 0));
    size_t L = (size_t)x->len * (size_t)x->len;
    if (x->attn) json_object_set_new(o, "attn", reals(x->attn, (size_t)x->layers * x->heads * L));
    if (x->layer_mean) json_object_set_new(o, "layer_mean", reals(x->layer_mean, (size_t)x->layers * L));
    if (x->kept_attn && x->n_kept > 0) {
        json_t *k = json_array();
        for (int i = 0; i < x->n_kept; i++)
            json_array_append_new(k, json_pack("[ii]", x->kept[2 * i], x->kept[2 * i + 1]));
        json_object_set_new(o, "kept", k);
        json_object_set_new(o, "kept_attn", reals(x->kept_attn, (size_t)x->n_kept * L));
    }
    return o;
}

/* ---- the size of explain lines ------------------------------------------ */

/* Attention maps are what makes an explain line large: 6 layers x 12 heads
 * of a 256-token review are 4.7M numbers. The trainer keeps only each
 * layer's mean and the heads asked for (train_report.c); here every line is
 * held to EVENT_MAX_BYTES whatever it was given, first by an estimate (so no
 * JSON tree far beyond it is ever built), then by the line itself. */
#define BYTES_PER_REAL 11 /* "-1.234e-05," */

static size_t maps_values(const ExplainSample *x) {
    size_t L = (size_t)x->len * (size_t)x->len, n = 0;
    if (x->attn) n += (size_t)x->layers * x->heads * L;
    if (x->layer_mean) n += (size_t)x->layers * L;
    if (x->kept_attn) n += (size_t)x->n_kept * L;
    return n;
}

static size_t sample_estimate(const ExplainSample *x) {
    size_t b = 256 + maps_values(x) * BYTES_PER_REAL + (size_t)x->len * (BYTES_PER_REAL + 4);
    for (int j = 0; x->tokens && j < x->len; j++) b += x->tokens[j] ? 6 * strlen(x->tokens[j]) : 4;
    return b;
}

static void strip_maps(ExplainSample *x) {
    x->attn = x->layer_mean = x->kept_attn = NULL;
    x->kept = NULL;
    x->n_kept = 0;
}

/* Drops maps (the last sample's first), then samples, from a shallow copy;
 * 1 when something was dropped, 0 when nothing is left to drop. */
static int shrink(ExplainSamples *s) {
    for (int i = s->n - 1; i >= 0; i--)
        if (maps_values(&s->v[i])) {
            strip_maps(&s->v[i]);
            return 1;
        }
    if (s->n == 0) return 0;
    s->n--;
    return 1;
}

static char *format_json(const Event *ev, const TypeSpec *t);

static char *format_explain(const Event *ev, const TypeSpec *t) {
    Event e = *ev;
    ExplainSamples *s = &e.explain.samples;
    ExplainSample *copy = malloc(((size_t)s->n + 1) * sizeof *copy);
    if (!copy) return NULL;
    if (s->n) memcpy(copy, s->v, (size_t)s->n * sizeof *copy);
    s->v = copy;
    for (;;) {
        size_t est = 64;
        for (int i = 0; i < s->n; i++) est += sample_estimate(&s->v[i]);
        if (est <= EVENT_MAX_BYTES || !shrink(s)) break;
    }
    char *line;
    while ((line = format_json(&e, t)) && strlen(line) > EVENT_MAX_BYTES && shrink(s)) free(line);
    free(copy);
    return line;
}

static json_t *field_json(const Event *ev, const FieldSpec *f) {
    switch (f->kind) {
    case K_INT: return json_integer(*CAT(ev, f, long));
    case K_STR: return json_string(*CAT(ev, f, ConstStr));
    case K_BOOL: return json_boolean(*CAT(ev, f, int));
    case K_CONFUSION: {
        const Confusion *m = CAT(ev, f, Confusion);
        int n = m->n >= 2 && m->n <= MAX_CLASSES ? m->n : 2;
        json_t *rows = json_array();
        for (int i = 0; i < n; i++) {
            json_t *row = json_array();
            for (int j = 0; j < n; j++) json_array_append_new(row, json_integer((json_int_t)m->c[i][j]));
            json_array_append_new(rows, row);
        }
        return rows;
    }
    case K_SAMPLES: {
        const ExplainSamples *s = CAT(ev, f, ExplainSamples);
        json_t *a = json_array();
        for (int i = 0; i < s->n; i++) json_array_append_new(a, sample_json(&s->v[i]));
        return a;
    }
    default: return real(*CAT(ev, f, double));
    }
}

static int written(const Event *ev, int i, const FieldSpec *f) {
    return !(f->flags & EVF_OPTIONAL) || ((ev->has >> i) & 1u);
}

static char *format_json(const Event *ev, const TypeSpec *t) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(t->name));
    for (int i = 0; i < t->n_fields; i++)
        if (written(ev, i, &t->fields[i])) json_object_set_new(o, t->fields[i].name, field_json(ev, &t->fields[i]));
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(t->precision));
    json_decref(o);
    return line;
}

/* The step line, written every step, skips building a JSON tree. */
static char *format_plain(const Event *ev, const TypeSpec *t) {
    char line[384];
    size_t at = (size_t)snprintf(line, sizeof line, "{\"type\":\"%s\"", t->name);
    for (int i = 0; i < t->n_fields && at < sizeof line; i++) {
        const FieldSpec *f = &t->fields[i];
        if (!written(ev, i, f)) continue;
        char *p = line + at;
        size_t left = sizeof line - at;
        double v = f->kind == K_INT ? 0 : *CAT(ev, f, double);
        switch (f->kind) {
        case K_INT: at += (size_t)snprintf(p, left, ",\"%s\":%ld", f->name, *CAT(ev, f, long)); break;
        case K_G5: at += (size_t)snprintf(p, left, ",\"%s\":%.5g", f->name, v); break;
        case K_G6: at += (size_t)snprintf(p, left, ",\"%s\":%.6g", f->name, v); break;
        case K_G7: at += (size_t)snprintf(p, left, ",\"%s\":%.7g", f->name, v); break;
        default: at += (size_t)snprintf(p, left, ",\"%s\":%.3f", f->name, v); break;
        }
    }
    if (at < sizeof line) snprintf(line + at, sizeof line - at, "}");
    return strdup(line);
}

char *event_format(const Event *ev) {
    if (ev->type < 0 || ev->type >= EV_TYPE_COUNT) return NULL;
    const TypeSpec *t = &specs[ev->type];
    if (ev->type == EV_EXPLAIN) return format_explain(ev, t);
    return t->precision ? format_json(ev, t) : format_plain(ev, t);
}

/* ---- reading ------------------------------------------------------------- */

/* A square matrix of 2 to MAX_CLASSES rows; runs before N classes wrote 2x2. */
static int read_confusion(const json_t *m, Confusion *c) {
    size_t n = json_array_size(m);
    if (n < 2 || n > MAX_CLASSES) return -1;
    c->n = (int)n;
    for (size_t i = 0; i < n; i++) {
        const json_t *row = json_array_get(m, i);
        if (!json_is_array(row) || json_array_size(row) != n) return -1;
        for (size_t j = 0; j < n; j++) {
            const json_t *v = json_array_get(row, j);
            if (!json_is_number(v)) return -1;
            c->c[i][j] = json_real_to_long(json_number_value(v), 0);
        }
    }
    return 0;
}

static long get_long(const json_t *o, const char *key, long def) {
    long v = def;
    json_get_long(o, key, &v);
    return v;
}

/* maps x len x len numbers of array a into *out; 0 (also when a is absent), -1 malformed. */
static int read_maps(const json_t *a, size_t maps, int len, float **out) {
    if (!json_is_array(a)) return 0; /* absent (or not maps: older readers ignored it too) */
    size_t need;
    /* Huge layers x heads could wrap around to the array's size and pass. */
    if (__builtin_mul_overflow(maps, (size_t)len * (size_t)len, &need) || json_array_size(a) != need || need == 0)
        return -1;
    *out = malloc(need * sizeof **out);
    if (!*out) return -1;
    for (size_t i = 0; i < need; i++) {
        const json_t *v = json_array_get(a, i);
        (*out)[i] = json_is_number(v) ? (float)json_number_value(v) : 0.0f;
    }
    return 0;
}

/* "kept": [[layer, head], ...] within layers x heads. */
static int read_kept(ExplainSample *x, const json_t *k) {
    size_t n = json_array_size(k);
    if (!json_is_array(k) || n == 0 || n > 4096) return -1;
    x->kept = malloc(2 * n * sizeof *x->kept);
    if (!x->kept) return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(k, i);
        long l = -1, h = -1;
        if (json_array_size(p) == 2) json_long_value(json_array_get(p, 0), &l), json_long_value(json_array_get(p, 1), &h);
        if (l < 0 || h < 0 || l >= x->layers || h >= x->heads) return -1;
        x->kept[2 * i] = (int)l, x->kept[2 * i + 1] = (int)h;
    }
    x->n_kept = (int)n;
    return 0;
}

static int read_attn(ExplainSample *x, const json_t *o) {
    int n = x->len;
    if (x->layers <= 0 || x->heads <= 0 || n <= 0) {
        x->layers = x->heads = 0;
        return 0;
    }
    if (read_maps(json_object_get(o, "attn"), (size_t)x->layers * (size_t)x->heads, n, &x->attn) ||
        read_maps(json_object_get(o, "layer_mean"), (size_t)x->layers, n, &x->layer_mean))
        return -1;
    const json_t *k = json_object_get(o, "kept");
    if (k && (read_kept(x, k) || read_maps(json_object_get(o, "kept_attn"), (size_t)x->n_kept, n, &x->kept_attn) ||
              !x->kept_attn))
        return -1;
    if (!x->attn && !x->layer_mean && !x->kept_attn) x->layers = x->heads = 0;
    return 0;
}

static int read_sample(ExplainSample *x, const json_t *o) {
    memset(x, 0, sizeof *x);
    if (!json_is_object(o)) return -1;
    x->index = (int)get_long(o, "index", 0);
    x->label = (int)get_long(o, "label", -1);
    x->pred = (int)get_long(o, "pred", -1);
    x->prob = (float)json_get_real(o, "prob", NAN);
    const char *method = json_get_str(o, "method");
    if (method) snprintf(x->method, sizeof x->method, "%s", method);
    const json_t *tok = json_object_get(o, "tokens"), *w = json_object_get(o, "weight");
    if (!json_is_array(tok)) return -1;
    int n = (int)json_array_size(tok);
    if (json_is_array(w) && (int)json_array_size(w) != n) return -1;
    x->tokens = calloc((size_t)n + 1, sizeof *x->tokens);
    x->weight = calloc((size_t)n + 1, sizeof *x->weight);
    if (!x->tokens || !x->weight) return -1;
    for (int i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(tok, (size_t)i));
        x->tokens[i] = strdup(t ? t : "?");
        if (!x->tokens[i]) return -1;
        x->len = i + 1;
        const json_t *v = json_array_get(w, (size_t)i);
        x->weight[i] = json_is_number(v) ? (float)json_number_value(v) : 0.0f;
    }
    x->layers = (int)get_long(o, "layers", 0);
    x->heads = (int)get_long(o, "heads", 0);
    return read_attn(x, o);
}

static int read_samples(ExplainSamples *s, const json_t *arr) {
    size_t n = json_array_size(arr);
    s->v = calloc(n ? n : 1, sizeof *s->v);
    if (!s->v) return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = read_sample(&s->v[i], json_array_get(arr, i));
        s->n = (int)i + 1;
        if (rc) {
            explain_samples_free(s);
            return -1;
        }
    }
    return 0;
}

/* Reads one field; 1 present, 0 absent, -1 malformed. */
static int read_field(Event *ev, const FieldSpec *f, const json_t *v) {
    switch (f->kind) {
    case K_INT: return json_long_value(v, AT(ev, f, long));
    case K_STR: return (*AT(ev, f, const char *) = json_string_value(v)) != NULL;
    case K_BOOL:
        *AT(ev, f, int) = json_is_true(v);
        return v != NULL;
    case K_CONFUSION:
        if (!json_is_array(v)) return 0;
        return read_confusion(v, AT(ev, f, Confusion)) ? -1 : 1;
    case K_SAMPLES:
        if (!json_is_array(v)) return 0;
        return read_samples(AT(ev, f, ExplainSamples), v) ? -1 : 1;
    default:
        *AT(ev, f, double) = json_is_number(v) ? json_number_value(v) : NAN;
        return v != NULL;
    }
}

static EventType type_named(const char *name) {
    for (int t = 0; t < EV_TYPE_COUNT; t++)
        if (!strcmp(specs[t].name, name)) return (EventType)t;
    return EV_UNKNOWN;
}

int event_decode(const char *line, size_t len, Event *ev) {
    event_init(ev, EV_UNKNOWN);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    ev->json = o;
    const char *type = json_is_object(o) ? json_get_str(o, "type") : NULL;
    if (!type) return -1;
    ev->type = type_named(type);
    if (ev->type == EV_UNKNOWN) return 0;
    const TypeSpec *t = &specs[ev->type];
    for (int i = 0; i < t->n_fields; i++) {
        const FieldSpec *f = &t->fields[i];
        int rc = read_field(ev, f, json_object_get(o, f->name));
        if (rc < 0 || (rc == 0 && (f->flags & EVF_REQUIRED))) return -1;
        if (rc > 0) ev->has |= 1u << i;
    }
    return 0;
}

void event_release(Event *ev) {
    if (ev->type == EV_EXPLAIN) explain_samples_free(&ev->explain.samples);
    json_decref(ev->json);
    ev->json = NULL;
}
