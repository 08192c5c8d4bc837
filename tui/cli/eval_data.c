#include "cli/eval_data.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/confusion_print.h"
#include "cli/text_safe.h"
#include "data/own_data.h"
#include "run/eval_file.h"

/* The run's config, the format the file's name suggests, then each --set. */
static int file_config(Config *c, const RunModel *r, const char *path, int argc, char **argv) {
    config_copy(c, &r->cfg);
    int guess = own_data_guess_format(path);
    if (guess >= 0) c->data_dataset = guess;
    else if (!DATASET_IS_OWN(c->data_dataset)) c->data_dataset = DATASET_TSV;
    int it = 0;
    const char *a;
    while (cli_flag_next(argc, argv, "--set", &it, &a)) {
        ConfigErrors errs = {0};
        if (!a || config_set(c, a, &errs) != 0) {
            if (errs.n) config_errors_print(&errs, stderr);
            else fprintf(stderr, "sentui eval: --set needs key=value\n");
            config_errors_free(&errs);
            return -1;
        }
        config_errors_free(&errs);
    }
    return 0;
}

void eval_print_classes(const RunModel *r, const Metrics *m) {
    printf("  %-22s %9s %9s %9s %9s\n", "class", "precision", "recall", "f1", "support");
    for (int c = 0; c < m->n_classes; c++) {
        char name[4 * 22 + 1];
        text_safe(name, sizeof name, class_name(&r->classes, c), 0);
        printf("  %-22.22s %9.4f %9.4f %9.4f %9ld\n", name, m->class_precision[c], m->class_recall[c],
               m->class_f1[c], m->class_support[c]);
    }
    Confusion cm = {.n = m->n_classes};
    memcpy(cm.c, m->confusion, sizeof cm.c);
    ClassNames fallback = {0};
    confusion_print(stdout, &cm, r->classes.n ? &r->classes : &fallback, 2);
}

static void print_text(const RunModel *r, const char *path, const EvalFileResult *e) {
    char safe[4 * 1024 + 1];
    const Metrics *m = &e->m;
    printf("data: %s\n", text_safe(safe, sizeof safe, path, 0));
    printf("%ld examples scored", m->n);
    if (e->no_words) printf(" (%ld without a word the tokenizer keeps, not scored)", e->no_words);
    printf("\n  accuracy     %.4f\n  f1_macro     %.4f\n  f1_weighted  %.4f\n  loss         %.4f\n", m->accuracy,
           m->f1_macro, m->f1_weighted, m->loss);
    if (r->n_classes == 2)
        printf("  precision    %.4f\n  recall       %.4f\n  f1           %.4f   (of %s)\n", m->precision, m->recall,
               m->f1, class_name(&r->classes, 1));
    eval_print_classes(r, m);
}

static int print_json(const RunModel *r, const char *dir, const char *path, const EvalFileResult *e) {
    const Metrics *m = &e->m;
    json_t *o = json_object(), *classes = json_array(), *cm = json_array();
    json_object_set_new(o, "run", json_string(dir));
    json_object_set_new(o, "data", json_string(path));
    json_object_set_new(o, "examples", json_integer(e->examples));
    json_object_set_new(o, "scored", json_integer(m->n));
    json_object_set_new(o, "no_words", json_integer(e->no_words));
    json_object_set_new(o, "accuracy", json_real(m->accuracy));
    json_object_set_new(o, "f1_macro", json_real(m->f1_macro));
    json_object_set_new(o, "f1_weighted", json_real(m->f1_weighted));
    json_object_set_new(o, "loss", json_real(m->loss));
    if (r->n_classes == 2) {
        json_object_set_new(o, "precision", json_real(m->precision));
        json_object_set_new(o, "recall", json_real(m->recall));
        json_object_set_new(o, "f1", json_real(m->f1));
    }
    for (int c = 0; c < m->n_classes; c++) {
        json_t *k = json_object(), *row = json_array();
        json_t *name = json_string(class_name(&r->classes, c));
        json_object_set_new(k, "name", name ? name : json_string("?"));
        json_object_set_new(k, "precision", json_real(m->class_precision[c]));
        json_object_set_new(k, "recall", json_real(m->class_recall[c]));
        json_object_set_new(k, "f1", json_real(m->class_f1[c]));
        json_object_set_new(k, "support", json_integer(m->class_support[c]));
        json_array_append_new(classes, k);
        for (int j = 0; j < m->n_classes; j++) json_array_append_new(row, json_integer(m->confusion[c][j]));
        json_array_append_new(cm, row);
    }
    json_object_set_new(o, "classes", classes);
    json_object_set_new(o, "confusion", cm);
    int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    printf("\n");
    json_decref(o);
    return rc ? 1 : 0;
}

int eval_data_run(RunModel *r, const char *dir, const char *path, int argc, char **argv) {
    Config c;
    if (file_config(&c, r, path, argc, argv)) {
        config_free(&c);
        return 2;
    }
    EvalFileResult *e = calloc(1, sizeof *e);
    char err[2048];
    int rc = 0;
    if (!e || eval_file(r, &c, path, cli_flag_value(argc, argv, "--labels"), e, err, sizeof err)) {
        char safe[4 * sizeof err + 1];
        fprintf(stderr, "sentui eval: %s\n", e ? text_safe(safe, sizeof safe, err, 0) : "out of memory");
        rc = 1;
    } else {
        for (const char *w = e->warnings; *w;) {
            size_t len = strcspn(w, "\n");
            fprintf(stderr, "note: %.*s\n", (int)len, w);
            w += len + (w[len] == '\n');
        }
        if (cli_has_flag(argc, argv, "--json")) rc = print_json(r, dir, path, e);
        else print_text(r, path, e);
    }
    free(e);
    config_free(&c);
    return rc;
}
