/* DataPaths.progress: encoding the splits, the long part of loading a
 * WordPiece dataset, tells how far it got: each split from 0 to its size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "data/data.h"

typedef struct Seen {
    char what[8][16];
    long last[8], total[8];
    int n, calls, backwards;
} Seen;

static void record(void *ctx, const char *what, long done, long total) {
    Seen *s = ctx;
    s->calls++;
    if (done == 0) {
        snprintf(s->what[s->n], sizeof s->what[0], "%s", what);
        s->total[s->n] = total;
        s->last[s->n++] = 0;
        return;
    }
    int i = s->n - 1;
    if (i < 0 || strcmp(s->what[i], what) || done < s->last[i] || total != s->total[i]) s->backwards = 1;
    else s->last[i] = done;
}

static void test_splits_told_from_zero_to_their_size(void **state) {
    (void)state;
    Config c;
    const char *sets[] = {"data.dataset=synthetic", "data.synthetic_size=5000", "data.cache=false"};
    assert_int_equal(config_read(&c, &(ConfigSource){.sets = sets, .n_sets = 3}, NULL), 0);
    Seen seen;
    memset(&seen, 0, sizeof seen);
    DataPaths paths = {.progress = record, .progress_ctx = &seen};
    Dataset d;
    char err[512];
    assert_int_equal(dataset_load(&c, &paths, &d, err, sizeof err), 0);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.what[0], "train");
    assert_string_equal(seen.what[1], "validation");
    assert_string_equal(seen.what[2], "test");
    assert_int_equal(seen.backwards, 0);
    assert_int_equal(seen.last[0], d.train.n);
    assert_int_equal(seen.last[1], d.val.n);
    assert_int_equal(seen.last[2], d.test.n);
    assert_true(seen.calls > 3 + 3); /* 4500 training reviews come in more than one pass */
    dataset_free(&d);
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_splits_told_from_zero_to_their_size)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
