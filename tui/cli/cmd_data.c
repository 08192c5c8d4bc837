/* sentui data [CONFIG] [--set k=v]... [--json]: the dataset as a user wants to
 * see it before training on it: where it came from and how long loading took,
 * counts per split and label, review lengths before truncation, how much
 * max_len cuts, the vocabulary's coverage, and one review decoded back. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_paths.h"
#include "cli/commands.h"
#include "cli/data_classes.h"
#include "cli/text_safe.h"
#include "config/config.h"
#include "data/data.h"
#include "data/wordpiece_data.h"
#include "kernels/tensor.h"

enum { P_MIN, P_10, P_50, P_90, P_99, P_MAX, P_COUNT };
static const char *const P_NAMES[P_COUNT] = {"min", "p10", "p50", "p90", "p99", "max"};
static const double P_AT[P_COUNT] = {0, 10, 50, 90, 99, 100};

typedef struct {
    const char *name;
    const Split *s;
    int neg, pos;
    long pct[P_COUNT];
    double mean, truncated, unk_rate;
} SplitFigures;

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of sorted v[0..n). */
static void percentiles(const int32_t *v, int n, long *out) {
    for (int k = 0; k < P_COUNT; k++) {
        if (n == 0) {
            out[k] = 0;
            continue;
        }
        long rank = (long)(P_AT[k] / 100.0 * n + 0.999999);
        if (rank < 1) rank = 1;
        if (rank > n) rank = n;
        out[k] = v[rank - 1];
    }
}

static void figures(SplitFigures *f, const char *name, const Split *s) {
    memset(f, 0, sizeof *f);
    f->name = name;
    f->s = s;
    int32_t *sorted = malloc(sizeof *sorted * (size_t)(s->n ? s->n : 1));
    long total = 0, truncated = 0, kept = 0, unk = 0;
    for (int i = 0; i < s->n; i++) {
        f->pos += s->labels[i] == 1;
        f->neg += s->labels[i] == 0;
        if (sorted) sorted[i] = s->full_lengths[i];
        total += s->full_lengths[i];
        truncated += s->full_lengths[i] > s->T;
        kept += s->lengths[i];
        for (int t = 0; t < s->lengths[i]; t++) unk += s->tokens[(size_t)i * s->T + t] == TOK_UNK;
    }
    if (sorted) {
        qsort(sorted, (size_t)s->n, sizeof *sorted, cmp_i32);
        percentiles(sorted, s->n, f->pct);
    }
    free(sorted);
    f->mean = s->n ? (double)total / s->n : 0;
    f->truncated = s->n ? (double)truncated / s->n : 0;
    f->unk_rate = kept ? (double)unk / kept : 0;
}

/* The first training review, decoded back to words (at most max_words). */
static char *decode_first(const Dataset *d, int max_words) {
    const Split *s = &d->train;
    if (s->n == 0) return strdup("");
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = 0;
    for (int t = 0; t < s->lengths[0] && t < max_words; t++) {
        int id = s->tokens[t];
        const char *w = id >= 0 && id < d->vocab.n ? d->vocab.words[id] : "?";
        size_t len = strlen(w);
        if (n + len + 8 > cap) {
            while (n + len + 8 > cap) cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) break;
            out = grown;
        }
        n += (size_t)sprintf(out + n, "%s%s", t ? " " : "", w);
    }
    if (s->lengths[0] > max_words) snprintf(out + n, cap - n, " ...");
    return out;
}

static double share(long part, long whole) { return whole ? (double)part / (double)whole : 0; }

static void print_text(const Config *c, const char *cache_dir, const Dataset *d, SplitFigures *f, int nf,
                       const char *sample) {
    const DatasetStats *st = &d->stats;
    char trunc[16], kind[16];
    config_enum_name(TRUNCATE_VALUES, c->data_truncate, trunc, sizeof trunc);
    config_enum_name(DATASET_VALUES, c->data_dataset, kind, sizeof kind);
    if (c->data_dataset != DATASET_SYNTHETIC)
        printf("dataset     %s: %s\n", kind, st->source);
    else
        printf("dataset     %s\n", st->source);
    if (st->cache_damaged[0]) printf("note        the cache %s\n", st->cache_damaged);
    if (st->from_cache || !c->data_cache)
        printf("loaded in   %.2f s (%s)\n\n", st->load_seconds, st->from_cache ? "from the cache" : "built, cache off");
    else if (st->cache_unsaved[0])
        printf("loaded in   %.2f s (built, not cached: %s)\n\n", st->load_seconds, st->cache_unsaved);
    else
        printf("loaded in   %.2f s (built, now cached in %s/)\n\n", st->load_seconds, cache_dir);
    if (d->n_classes) {
        data_classes_print(d);
    } else {
        printf("%-12s %8s %8s %8s\n", "split", "reviews", "neg", "pos");
        for (int k = 0; k < nf; k++) printf("%-12s %8d %8d %8d\n", f[k].name, f[k].s->n, f[k].neg, f[k].pos);
        printf("%-12s %8d %8d %8d\n", "train+val", f[0].s->n + f[1].s->n, f[0].neg + f[1].neg, f[0].pos + f[1].pos);
    }
    if (c->data_dataset == DATASET_IMDB) printf("%-12s %8ld   (train/unsup, not used for training)\n", "unlabelled", st->n_unsup);

    printf("\nreview length in tokens, before truncation\n%-12s", "split");
    for (int p = 0; p < P_COUNT; p++) printf(" %6s", P_NAMES[p]);
    printf(" %8s %11s\n", "mean", "truncated");
    for (int k = 0; k < nf; k++) {
        printf("%-12s", f[k].name);
        for (int p = 0; p < P_COUNT; p++) printf(" %6ld", f[k].pct[p]);
        printf(" %8.1f %10.1f%%\n", f[k].mean, 100 * f[k].truncated);
    }
    printf("(truncated: share of reviews longer than data.max_len = %d; the %s is kept)\n", c->data_max_len,
           trunc);

    /* A WordPiece vocabulary is the checkpoint's or a learnt one, not the training words counted. */
    if (data_uses_wordpiece(c))
        printf("\nvocabulary  %d WordPiece ids (%s)\n", d->vocab.n,
               c->train_objective == OBJECTIVE_MLM ? "learnt from the unlabelled reviews" : "model.init's vocab.txt");
    else
        printf("\nvocabulary  %d ids: <PAD>, <UNK> and %d of %ld distinct training words (min_freq %d)\n",
               d->vocab.n, d->vocab.n - 2, st->distinct_train_words, c->data_min_freq);
    printf("coverage    train %.2f%% of %ld tokens, test %.2f%% of %ld tokens\n",
           100 * (1 - share(st->train_unk, st->train_tokens)), st->train_tokens,
           100 * (1 - share(st->test_unk, st->test_tokens)), st->test_tokens);
    printf("<UNK> rate  in the encoded sequences:");
    for (int k = 0; k < nf; k++) printf(" %s %.2f%%%s", f[k].name, 100 * f[k].unk_rate, k + 1 < nf ? "," : "\n");
    char label[4 * 40 + 1];
    if (d->n_classes && d->train.n) text_safe(label, sizeof label, d->classes[d->train.labels[0]], 0);
    else snprintf(label, sizeof label, "%s", d->train.n && d->train.labels[0] ? "pos" : "neg");
    if (d->train.n)
        printf("\nfirst training review (%s, %d of %d tokens kept):\n  %s\n", label, d->train.lengths[0],
               d->train.full_lengths[0], sample);
}

static int print_json(const Config *c, const Dataset *d, SplitFigures *f, int nf, const char *sample) {
    const DatasetStats *st = &d->stats;
    char trunc[16], kind[16];
    config_enum_name(TRUNCATE_VALUES, c->data_truncate, trunc, sizeof trunc);
    config_enum_name(DATASET_VALUES, c->data_dataset, kind, sizeof kind);
    json_t *root = json_object(), *splits = json_object();
    json_object_set_new(root, "dataset", json_string(kind));
    json_object_set_new(root, "source", json_string(st->source));
    json_object_set_new(root, "load_seconds", json_real(st->load_seconds));
    json_object_set_new(root, "from_cache", json_boolean(st->from_cache));
    json_object_set_new(root, "cached", json_boolean(st->from_cache || (c->data_cache && !st->cache_unsaved[0])));
    if (st->cache_unsaved[0]) json_object_set_new(root, "cache_error", json_string(st->cache_unsaved));
    if (st->cache_damaged[0]) json_object_set_new(root, "cache_rebuilt", json_string(st->cache_damaged));
    for (int k = 0; k < nf; k++) {
        json_t *s = json_object(), *len = json_object();
        json_object_set_new(s, "reviews", json_integer(f[k].s->n));
        json_object_set_new(s, "neg", json_integer(f[k].neg));
        json_object_set_new(s, "pos", json_integer(f[k].pos));
        for (int p = 0; p < P_COUNT; p++) json_object_set_new(len, P_NAMES[p], json_integer(f[k].pct[p]));
        json_object_set_new(len, "mean", json_real(f[k].mean));
        json_object_set_new(s, "length", len);
        json_object_set_new(s, "truncated_share", json_real(f[k].truncated));
        json_object_set_new(s, "unk_rate", json_real(f[k].unk_rate));
        json_object_set_new(splits, f[k].name, s);
    }
    json_object_set_new(root, "splits", splits);
    if (d->n_classes) data_classes_json(d, root);
    json_object_set_new(root, "unlabelled", json_integer(st->n_unsup));
    json_object_set_new(root, "max_len", json_integer(c->data_max_len));
    json_object_set_new(root, "truncate", json_string(trunc));
    json_t *v = json_object();
    json_object_set_new(v, "size", json_integer(d->vocab.n));
    json_object_set_new(v, "distinct_train_words", json_integer(st->distinct_train_words));
    json_object_set_new(v, "min_freq", json_integer(c->data_min_freq));
    json_object_set_new(v, "train_tokens", json_integer(st->train_tokens));
    json_object_set_new(v, "train_coverage", json_real(1 - share(st->train_unk, st->train_tokens)));
    json_object_set_new(v, "test_tokens", json_integer(st->test_tokens));
    json_object_set_new(v, "test_coverage", json_real(1 - share(st->test_unk, st->test_tokens)));
    json_object_set_new(root, "vocab", v);
    if (d->train.n) {
        json_t *s = json_object();
        json_object_set_new(s, "label", json_integer(d->train.labels[0]));
        json_object_set_new(s, "rating", json_integer(d->train.ratings[0]));
        json_object_set_new(s, "length", json_integer(d->train.lengths[0]));
        json_object_set_new(s, "full_length", json_integer(d->train.full_lengths[0]));
        json_object_set_new(s, "text", json_string(sample));
        json_object_set_new(root, "sample", s);
    }
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    printf("\n");
    json_decref(root);
    return rc ? 1 : 0;
}

int cmd_data(int argc, char **argv) {
    static const char *const known[] = {"--set", "--json", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known), *file = NULL;
    if (bad || cli_positional_count(argc, argv) > 1) {
        if (bad) fprintf(stderr, "sentui data: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui data [CONFIG] [--set k=v]... [--json]\n");
        return 2;
    }
    cli_positional(argc, argv, 0, &file);
    int json = cli_has_flag(argc, argv, "--json");
    Config c;
    if (cli_load_config(&c, file, argc, argv)) return 2;
    compute_set_threads(c.train_threads);
    Dataset d;
    char err[1024];
    DataPaths paths = cli_data_paths();
    if (dataset_load(&c, &paths, &d, err, sizeof err)) {
        fprintf(stderr, "sentui data: %s\n", err);
        config_free(&c);
        return 1;
    }
    SplitFigures f[3];
    figures(&f[0], "train", &d.train);
    figures(&f[1], "val", &d.val);
    figures(&f[2], "test", &d.test);
    char *sample = decode_first(&d, 60);
    int rc = 0;
    if (json)
        rc = print_json(&c, &d, f, 3, sample ? sample : "");
    else
        print_text(&c, paths.cache_dir, &d, f, 3, sample ? sample : "");
    free(sample);
    dataset_free(&d);
    config_free(&c);
    return rc;
}
