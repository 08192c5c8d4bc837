/* eval.limit reaches every place a run's scores are read from: the summary
 * written, the summary read back, and a summary rebuilt from events.jsonl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run.h"
#include "run/runstate.h"

static void test_limit_in_summary_and_rebuild(void **state) {
    (void)state;
    char dir[] = "/tmp/sentui-eval-limit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    RunSummary s, back;
    memset(&s, 0, sizeof s);
    snprintf(s.run, sizeof s.run, "r");
    snprintf(s.arch, sizeof s.arch, "bag");
    s.eval_limit = 2000;
    char err[512], path[512];
    assert_int_equal(run_summary_save(dir, &s, err, sizeof err), 0);
    assert_int_equal(run_summary_load(dir, &back, err, sizeof err), 0);
    assert_int_equal(back.eval_limit, 2000);
    /* a whole-split run writes no eval_limit, and reads 0 */
    s.eval_limit = 0;
    assert_int_equal(run_summary_save(dir, &s, err, sizeof err), 0);
    assert_int_equal(run_summary_load(dir, &back, err, sizeof err), 0);
    assert_int_equal(back.eval_limit, 0);
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"type\":\"start\",\"run\":\"r\",\"arch\":\"bag\",\"params\":10,\"epochs\":1,\"steps_per_epoch\":1,"
          "\"total_steps\":1,\"train_size\":9,\"val_size\":30,\"test_size\":30,\"batch_size\":9,\"max_len\":5,"
          "\"eval_limit\":30,\"val_total\":40,\"test_total\":400}\n",
          f);
    fclose(f);
    RunState rs;
    runstate_init(&rs);
    assert_int_equal(runstate_load_file(&rs, path), 0);
    assert_int_equal(rs.eval_limit, 30);
    assert_int_equal(rs.val_total, 40);
    assert_int_equal(rs.test_total, 400);
    runstate_free(&rs);
    assert_int_equal(run_summary_rebuild(dir, &back, err, sizeof err), 0);
    assert_int_equal(back.eval_limit, 30);
    unlink(path);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_limit_in_summary_and_rebuild)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
