#include "cli/data_classes.h"

#include <stdio.h>
#include <string.h>

#include "cli/text_safe.h"

static int count(const Split *s, int c) {
    int n = 0;
    for (int i = 0; i < s->n; i++) n += s->labels[i] == c;
    return n;
}

void data_classes_print(const Dataset *d) {
    const Split *sp[3] = {&d->train, &d->val, &d->test};
    printf("%-24s %8s %8s %8s\n", "class", "train", "val", "test");
    for (int c = 0; c < d->n_classes; c++) {
        char name[4 * 24 + 1];
        text_safe(name, sizeof name, d->classes[c], 0);
        printf("%-24.24s", name);
        for (int k = 0; k < 3; k++) {
            int n = count(sp[k], c);
            printf(" %8d", n);
        }
        printf("   %5.1f%% of train\n", d->train.n ? 100.0 * count(&d->train, c) / d->train.n : 0.0);
    }
    printf("%-24s %8d %8d %8d\n", "all", d->train.n, d->val.n, d->test.n);
    for (const char *w = d->warnings ? d->warnings : ""; *w;) {
        size_t len = strcspn(w, "\n");
        char line[4 * 1024 + 1], part[1025];
        snprintf(part, sizeof part, "%.*s", (int)(len < 1024 ? len : 1024), w);
        printf("warning     %s\n", text_safe(line, sizeof line, part, 0));
        w += len + (w[len] == '\n');
    }
}

void data_classes_json(const Dataset *d, json_t *root) {
    const Split *sp[3] = {&d->train, &d->val, &d->test};
    static const char *const names[3] = {"train", "val", "test"};
    json_t *a = json_array(), *w = json_array();
    for (int c = 0; c < d->n_classes; c++) {
        json_t *o = json_object();
        json_t *name = json_string(d->classes[c]);
        json_object_set_new(o, "name", name ? name : json_string("?"));
        for (int k = 0; k < 3; k++) json_object_set_new(o, names[k], json_integer(count(sp[k], c)));
        json_array_append_new(a, o);
    }
    for (const char *p = d->warnings ? d->warnings : ""; *p;) {
        size_t len = strcspn(p, "\n");
        json_t *line = json_stringn(p, len);
        if (line) json_array_append_new(w, line);
        p += len + (p[len] == '\n');
    }
    json_object_set_new(root, "classes", a);
    json_object_set_new(root, "warnings", w);
}
