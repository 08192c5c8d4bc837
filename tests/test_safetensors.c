#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run/safetensors.h"

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
    snprintf(path, sizeof path, "%s/a.safetensors", test_tmp);
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
    snprintf(path, sizeof path, "%s/b.safetensors", test_tmp);
    snprintf(cut, sizeof cut, "%s/cut.safetensors", test_tmp);
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
    snprintf(path, sizeof path, "%s/c.safetensors", test_tmp);
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

/* A file with this header and data_len bytes of data (byte i = i). */
static void write_raw(const char *path, const char *hdr, size_t data_len) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    uint64_t len = strlen(hdr);
    unsigned char l8[8];
    for (int b = 0; b < 8; b++) l8[b] = (unsigned char)(len >> (8 * b));
    fwrite(l8, 1, 8, fp);
    fwrite(hdr, 1, len, fp);
    for (size_t i = 0; i < data_len; i++) fputc((int)(i & 0x3f), fp);
    fclose(fp);
}

static void expect_refused(const char *hdr, size_t data_len, const char *why) {
    char path[600], err[512] = "";
    snprintf(path, sizeof path, "%s/s.safetensors", test_tmp);
    write_raw(path, hdr, data_len);
    StFile f;
    int rc = st_load(&f, path, err, sizeof err);
    if (rc == 0) st_free(&f);
    if (rc != -1 || !strstr(err, why)) fail_msg("header %s: got rc %d, '%s', expected '%s'", hdr, rc, err, why);
    for (const char *c = err; *c; c++) assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
}

/* As Python's safetensors: byte ranges are contiguous, never overlap and
 * cover the data exactly; names are unique; metadata values are strings. */
static void test_layout_and_names(void **state) {
    (void)state;
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                   8, "overlaps");
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                   8, "overlaps");
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "unused bytes");
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "after the last");
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                   "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                   8, "duplicate");
    expect_refused("{\"\\u001b]0;x\\u0007\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                   "bad tensor name");
    expect_refused("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "bad tensor name");
    expect_refused("{\"__metadata__\":{\"step\":12},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
                   "\"data_offsets\":[0,4]}}",
                   4, "metadata 'step' is not a string");
    expect_refused("{\"a\":{\"dtype\":\"\\u001b[2J\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                   "unsupported dtype ?[2J");
    expect_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4,
                   "overflows");
    /* Out of order in the header but contiguous in the file: fine, and the
     * tensors come out in file order. */
    char path[600], err[512] = "";
    snprintf(path, sizeof path, "%s/s.safetensors", test_tmp);
    write_raw(path,
              "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
              "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
              "\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
              8);
    StFile f;
    assert_int_equal(st_load(&f, path, err, sizeof err), 0);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.tensors[0].name, "a");
    assert_string_equal(f.tensors[1].name, "b");
    assert_int_equal(((const unsigned char *)st_find(&f, "b")->data)[0], 4);
    st_free(&f);
}

/* The header length and the file size are checked before anything big is
 * read: a 3 GB sparse file costs no memory and says what is wrong. */
static void test_size_checked_before_reading(void **state) {
    (void)state;
    char path[600], err[512] = "";
    snprintf(path, sizeof path, "%s/big.safetensors", test_tmp);
    const uint64_t big = 3ull << 30;
    /* A header length of 3 GB. */
    FILE *fp = fopen(path, "wb");
    unsigned char l8[8];
    for (int b = 0; b < 8; b++) l8[b] = (unsigned char)((big - 8) >> (8 * b));
    fwrite(l8, 1, 8, fp);
    fclose(fp);
    assert_int_equal(truncate(path, (off_t)big), 0);
    StFile f;
    assert_int_equal(st_load(&f, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "header length over 100 MB"));
    /* A valid header for one 3 GB tensor: the limit refuses it, naming sizes. */
    const char *hdr = "{\"w\":{\"dtype\":\"F32\",\"shape\":[805306360],\"data_offsets\":[0,3221225440]}}";
    fp = fopen(path, "wb");
    uint64_t hlen = strlen(hdr);
    for (int b = 0; b < 8; b++) l8[b] = (unsigned char)(hlen >> (8 * b));
    fwrite(l8, 1, 8, fp);
    fwrite(hdr, 1, hlen, fp);
    fclose(fp);
    assert_int_equal(truncate(path, (off_t)(8 + hlen + 3221225440ull)), 0);
    assert_int_equal(st_load_limited(&f, path, 1000000, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds 3.2 GB of tensor data, more than the 1.0 MB this model can need"));
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_every_truncation_is_reported),
        cmocka_unit_test(test_corrupt_header),
        cmocka_unit_test(test_layout_and_names),
        cmocka_unit_test(test_size_checked_before_reading),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
