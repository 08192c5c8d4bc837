#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "safetensors.h"

static char dir[512];

static int setup(void **state) {
    (void)state;
    char *d = make_temp_dir("sentui-st");
    snprintf(dir, sizeof dir, "%s", d);
    free(d);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    rm_rf(dir);
    return 0;
}

static void write_sample(const char *path) {
    static float w[6] = {1, 2, 3, 4, 5, 6};
    static int32_t ids[3] = {7, 8, 9};
    StFile f = {0};
    int64_t s1[2] = {2, 3}, s2[1] = {3};
    st_add(&f, "fc.weight", ST_F32, 2, s1, w);
    st_add(&f, "tokens", ST_I32, 1, s2, ids);
    char err[256] = "";
    assert_int_equal(st_save(&f, path, "{\"arch\":\"lstm\",\"step\":\"12\"}", err, sizeof err), 0);
    st_free(&f);
}

static void test_round_trip(void **state) {
    (void)state;
    char path[600], err[256] = "", buf[64];
    snprintf(path, sizeof path, "%s/a.safetensors", dir);
    write_sample(path);
    StFile f;
    assert_int_equal(st_load(&f, path, err, sizeof err), 0);
    assert_int_equal(f.n, 2);
    float w[6];
    assert_int_equal(st_get_f32(&f, "fc.weight", w, 6, err, sizeof err), 0);
    float want[6] = {1, 2, 3, 4, 5, 6};
    assert_allclose(w, want, 6, 0, 0, "fc.weight");
    const StTensor *t = st_find(&f, "tokens");
    assert_non_null(t);
    assert_int_equal(t->dtype, ST_I32);
    assert_int_equal(((const int32_t *)t->data)[2], 9);
    assert_string_equal(st_metadata(&f, "arch", buf, sizeof buf), "lstm");
    assert_null(st_metadata(&f, "missing", buf, sizeof buf));
    /* Wrong size and wrong dtype are refused with a reason. */
    assert_int_equal(st_get_f32(&f, "fc.weight", w, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected 5"));
    assert_int_equal(st_get_f32(&f, "tokens", w, 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "I32"));
    assert_int_equal(st_get_f32(&f, "nope", w, 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing"));
    st_free(&f);
}

static void test_every_truncation_is_reported(void **state) {
    (void)state;
    char path[600], cut[600], err[256];
    snprintf(path, sizeof path, "%s/b.safetensors", dir);
    snprintf(cut, sizeof cut, "%s/cut.safetensors", dir);
    write_sample(path);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char data[4096];
    size_t n = fread(data, 1, sizeof data, fp);
    fclose(fp);
    for (size_t len = 0; len < n; len++) {
        fp = fopen(cut, "wb");
        fwrite(data, 1, len, fp);
        fclose(fp);
        StFile f;
        err[0] = 0;
        assert_int_equal(st_load(&f, cut, err, sizeof err), -1);
        assert_true(strstr(err, "truncated") || strstr(err, "corrupt"));
    }
}

static void test_corrupt_header(void **state) {
    (void)state;
    char path[600], err[256];
    snprintf(path, sizeof path, "%s/c.safetensors", dir);
    const char *hdrs[] = {
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",   /* size mismatch */
        "{\"x\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,4]}}",    /* unknown dtype */
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}",                          /* no offsets */
        "[1,2,3]",                                                            /* not an object */
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", /* negative dim */
    };
    for (size_t i = 0; i < sizeof hdrs / sizeof *hdrs; i++) {
        FILE *fp = fopen(path, "wb");
        uint64_t len = strlen(hdrs[i]);
        unsigned char l8[8];
        for (int b = 0; b < 8; b++) l8[b] = (unsigned char)(len >> (8 * b));
        fwrite(l8, 1, 8, fp);
        fwrite(hdrs[i], 1, len, fp);
        fwrite("\0\0\0\0", 1, 4, fp);
        fclose(fp);
        StFile f;
        err[0] = 0;
        assert_int_equal(st_load(&f, path, err, sizeof err), -1);
        assert_true(err[0] != 0);
    }
    StFile f;
    assert_int_equal(st_load(&f, "/nonexistent/x.safetensors", err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_truncation_is_reported),
        cmocka_unit_test(test_corrupt_header),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
