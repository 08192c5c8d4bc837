/* The labelled-data reader fed arbitrary bytes as CSV (columns by name and by
 * number), TSV and JSON Lines, and as an archive holding a folder per label
 * (the seeds: small files of each format and a .tar.gz tree). Whatever the
 * input, a read either fails with a message or gives a set that holds
 * together: labels within the classes, counts adding up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/labelled_reader.h"
#include "fuzz_file.h"

static void check_set(const LabelledSet *s, int allow_single) {
    size_t total = 0;
    if (s->n == 0 || s->n_classes < (allow_single ? 1 : 2)) abort();
    for (int c = 0; c < s->n_classes; c++) {
        total += s->class_counts[c];
        if (c > 0 && strcmp(s->classes[c - 1], s->classes[c]) >= 0) abort();
    }
    if (total != s->n) abort();
    for (size_t i = 0; i < s->n; i++) {
        const LabelledExample *e = &s->examples[i];
        if (e->label < 0 || e->label >= s->n_classes || e->text[e->len] != 0) abort();
    }
}

static void read_as(const char *path, LabelledOptions o) {
    LabelledSet s;
    char err[1024];
    o.allow_single_class = o.format == LABELLED_TSV;
    if (labelled_read(path, &o, &s, err, sizeof err) == 0) {
        check_set(&s, o.allow_single_class);
        char warn[2048];
        labelled_warnings(&s, "data", warn, sizeof warn);
        labelled_check_classes(&s, &s, err, sizeof err);
        labelled_free(&s);
    } else if (!err[0])
        abort(); /* a failure always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("data", data, size);
    read_as(path, (LabelledOptions){.format = LABELLED_CSV, .text_column = "text", .label_column = "label"});
    read_as(path, (LabelledOptions){.format = LABELLED_CSV, .text_index = 1, .label_index = 2});
    read_as(path, (LabelledOptions){.format = LABELLED_TSV, .text_index = 2, .label_index = 1, .has_header = 1});
    read_as(path, (LabelledOptions){.format = LABELLED_JSONL, .text_column = "text", .label_column = "label"});
    read_as(path, (LabelledOptions){.format = LABELLED_FOLDERS});
    return 0;
}
