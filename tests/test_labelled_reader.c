/* The labelled-data reader: CSV/TSV quoting, line endings and headers, JSON
 * Lines, folders per label, the same data inside archives the test writes
 * with libarchive, and every error naming its file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "data/labelled_reader.h"

/* ---- helpers -------------------------------------------------------------- */

static char path_buf[4][4096];

/* test_tmp/name (one of four rotating buffers, so a test may hold several). */
static const char *tmp_path(const char *name) {
    static int next;
    char *p = path_buf[next++ & 3];
    snprintf(p, 4096, "%s/%s", test_tmp, name);
    return p;
}

static void write_bytes(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static const char *write_file(const char *name, const char *text) {
    const char *p = tmp_path(name);
    write_bytes(p, text, strlen(text));
    return p;
}

static LabelledOptions by_name(LabelledFormat f, const char *text, const char *label) {
    LabelledOptions o;
    memset(&o, 0, sizeof o);
    o.format = f;
    o.text_column = text;
    o.label_column = label;
    return o;
}

static LabelledOptions by_index(LabelledFormat f, int text, int label, int has_header) {
    LabelledOptions o;
    memset(&o, 0, sizeof o);
    o.format = f;
    o.text_index = text;
    o.label_index = label;
    o.has_header = has_header;
    return o;
}

static void read_ok(const char *path, const LabelledOptions *o, LabelledSet *s) {
    char err[1024] = "";
    int rc = labelled_read(path, o, s, err, sizeof err);
    if (rc) fail_msg("labelled_read(%s): %s", path, err);
}

/* Reading fails with exactly "<test_tmp>/<where>: <message>". */
static void read_fails(const char *path, const LabelledOptions *o, const char *where, const char *message) {
    LabelledSet s;
    char err[1024] = "", want[2048];
    assert_int_equal(labelled_read(path, o, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/%s: %s", test_tmp, where, message);
    assert_string_equal(err, want);
    assert_int_equal(s.n, 0);
    assert_null(s.examples);
}

static void assert_example(const LabelledSet *s, size_t i, const char *text, const char *label) {
    assert_true(i < s->n);
    assert_int_equal(s->examples[i].len, strlen(text));
    assert_memory_equal(s->examples[i].text, text, strlen(text));
    assert_int_equal(s->examples[i].text[s->examples[i].len], 0);
    assert_string_equal(s->classes[s->examples[i].label], label);
}

/* ---- CSV and TSV ---------------------------------------------------------- */

static void test_csv_header_by_name(void **state) {
    (void)state;
    const char *p = write_file("a.csv", "id,review,sentiment\n1,a good film,pos\n2,a bad film,neg\n3,fine,pos\n");
    LabelledOptions o = by_name(LABELLED_CSV, "review", "sentiment");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.n_classes, 2);
    /* classes sorted by name, whatever the order they first appear in */
    assert_string_equal(s.classes[0], "neg");
    assert_string_equal(s.classes[1], "pos");
    assert_int_equal(s.class_counts[0], 1);
    assert_int_equal(s.class_counts[1], 2);
    assert_example(&s, 0, "a good film", "pos");
    assert_example(&s, 1, "a bad film", "neg");
    assert_example(&s, 2, "fine", "pos");
    char where[4200];
    snprintf(where, sizeof where, "%s:2", p);
    assert_string_equal(s.class_where[1], where);
    assert_int_equal(labelled_class_index(&s, "pos"), 1);
    assert_int_equal(labelled_class_index(&s, "neg"), 0);
    assert_int_equal(labelled_class_index(&s, "other"), -1);
    assert_int_equal(s.n_empty + s.n_bad_utf8, 0);
    labelled_free(&s);
}

static void test_csv_quoting(void **state) {
    (void)state;
    /* BOM, CRLF, a quoted separator, doubled quotes, line breaks inside a
     * quoted field (kept as given), a quote inside an unquoted field, text
     * after a closing quote, an empty quoted field, blank lines skipped */
    const char csv[] = "\xEF\xBB\xBFtext,label\r\n"
                       "\"one, two\",a\r\n"
                       "\"say \"\"hi\"\"\",b\r\n"
                       "\"line 1\r\nline 2\nline 3\",a\r\n"
                       "\r\n"
                       "it's 5\" tall,b\r\n"
                       "\"quoted\" tail,\"a\"\n"
                       "last,b";
    const char *p = write_file("q.csv", csv);
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 6);
    assert_example(&s, 0, "one, two", "a");
    assert_example(&s, 1, "say \"hi\"", "b");
    assert_example(&s, 2, "line 1\r\nline 2\nline 3", "a");
    assert_example(&s, 3, "it's 5\" tall", "b");
    assert_example(&s, 4, "quoted tail", "a");
    assert_example(&s, 5, "last", "b");
    labelled_free(&s);
}

/* Lines count physically: a record after a three-line quoted field and a lone CR. */
static void test_csv_error_lines(void **state) {
    (void)state;
    write_file("l.csv", "text,label\n\"a\nb\r\nc\",x\rok,y\n\nshort\n");
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    read_fails(tmp_path("l.csv"), &o, "l.csv:7", "the row has 1 field; the label column is field 2");
    write_file("e.csv", "label,text\npos,fine\n,no label\n");
    read_fails(tmp_path("e.csv"), &o, "e.csv:3", "empty label");
    /* the columns swapped by mistake: the "label" is a review */
    char row[2100];
    memset(row, 'w', sizeof row);
    memcpy(row, "text,label\npos,", 15);
    row[sizeof row - 1] = '\n';
    write_bytes(tmp_path("s.csv"), row, sizeof row);
    read_fails(tmp_path("s.csv"), &o, "s.csv:2",
               "a label of 2084 bytes (at most 1024); is the label column the text column?");
    write_file("u.csv", "text,label\ngood,pos\n\"bad,neg\nmore,pos\n");
    read_fails(tmp_path("u.csv"), &o, "u.csv:3",
               "unterminated quote: the quoted field 1 runs to the end of the file");
}

static void test_csv_by_index(void **state) {
    (void)state;
    const char *p = write_file("i.csv", "pos,great\nneg,awful\n");
    LabelledOptions o = by_index(LABELLED_CSV, 2, 1, 0);
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 2);
    assert_example(&s, 0, "great", "pos");
    assert_example(&s, 1, "awful", "neg");
    labelled_free(&s);
    /* with a header row to skip */
    p = write_file("h.csv", "label,text\npos,great\nneg,awful\nneg,dull\n");
    o = by_index(LABELLED_CSV, 2, 1, 1);
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 3);
    assert_example(&s, 2, "dull", "neg");
    labelled_free(&s);
    o = by_index(LABELLED_CSV, 3, 1, 1);
    read_fails(p, &o, "h.csv:2", "the row has 2 fields; the text column is field 3");
}

static void test_tsv(void **state) {
    (void)state;
    const char *p = write_file("t.tsv", "text\tlabel\nwith, commas\tx\n\"tab\there\"\ty\n");
    LabelledOptions o = by_name(LABELLED_TSV, "text", "label");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 2);
    assert_example(&s, 0, "with, commas", "x");
    assert_example(&s, 1, "tab\there", "y");
    labelled_free(&s);
}

static void test_csv_column_not_in_header(void **state) {
    (void)state;
    write_file("c.csv", "review,sentiment\ngood,pos\n");
    LabelledOptions o = by_name(LABELLED_CSV, "reviews", "sentiment");
    read_fails(tmp_path("c.csv"), &o, "c.csv:1", "no text column \"reviews\" in the header (did you mean \"review\"?)");
    o = by_name(LABELLED_CSV, "review", "zzzzzzzzzz");
    read_fails(tmp_path("c.csv"), &o, "c.csv:1",
               "no label column \"zzzzzzzzzz\" in the header (there are: \"review\", \"sentiment\")");
}

static void test_field_too_long(void **state) {
    (void)state;
    size_t n = LABELLED_MAX_FIELD + 100;
    char *big = malloc(n + 64);
    assert_non_null(big);
    size_t u = (size_t)sprintf(big, "text,label\nok,a\n");
    memset(big + u, 'x', n - u);
    memcpy(big + n, ",b\n", 3);
    write_bytes(tmp_path("big.csv"), big, n + 3);
    free(big);
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    read_fails(tmp_path("big.csv"), &o, "big.csv:3", "field 1 is longer than 16 MB");
}

/* ---- JSON Lines ----------------------------------------------------------- */

static void test_jsonl(void **state) {
    (void)state;
    const char *p = write_file("d.jsonl", "\xEF\xBB\xBF{\"text\": \"good\", \"y\": 1}\r\n"
                                          "\n"
                                          "{\"y\": 0, \"text\": \"bad \\u00e9\"}\n"
                                          "{\"text\": \"nul\\u0000byte\", \"y\": \"1\", \"extra\": [1, 2]}\n"
                                          "{\"text\": \"neg\", \"y\": -3}");
    LabelledOptions o = by_name(LABELLED_JSONL, "text", "y");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_classes, 3);
    /* integers become their decimal string: 1 and "1" are one class */
    assert_string_equal(s.classes[0], "-3");
    assert_string_equal(s.classes[1], "0");
    assert_string_equal(s.classes[2], "1");
    assert_example(&s, 0, "good", "1");
    assert_example(&s, 1, "bad \xC3\xA9", "0");
    assert_int_equal(s.examples[2].len, 8);
    assert_memory_equal(s.examples[2].text, "nul\0byte", 8);
    assert_example(&s, 3, "neg", "-3");
    assert_int_equal(s.class_counts[2], 2);
    labelled_free(&s);
}

static void test_jsonl_errors(void **state) {
    (void)state;
    LabelledOptions o = by_name(LABELLED_JSONL, "text", "label");
    write_file("p.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n\n{\"text\": \"b\", \"label\": }\n");
    read_fails(tmp_path("p.jsonl"), &o, "p.jsonl:3", "not valid JSON (unexpected token near '}', at column 24)");
    write_file("f.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"txt\": \"b\", \"label\": \"y\"}\n");
    read_fails(tmp_path("f.jsonl"), &o, "f.jsonl:2", "no text field \"text\" (did you mean \"txt\"?)");
    write_file("r.jsonl", "{\"text\": \"a\", \"label\": 1.5}\n");
    read_fails(tmp_path("r.jsonl"), &o, "r.jsonl:1",
               "the label field \"label\" is a number with a fraction, not a string or an integer");
    write_file("b.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"a\", \"label\": true}\n");
    read_fails(tmp_path("b.jsonl"), &o, "b.jsonl:2", "the label field \"label\" is a boolean, not a string or an integer");
    write_file("t.jsonl", "{\"text\": 3, \"label\": \"x\"}\n");
    read_fails(tmp_path("t.jsonl"), &o, "t.jsonl:1", "the text field \"text\" is an integer, not a string");
    write_file("a.jsonl", "[1, 2]\n");
    read_fails(tmp_path("a.jsonl"), &o, "a.jsonl:1", "an array, not a JSON object");
}

/* ---- folders and archives ------------------------------------------------- */

typedef struct {
    const char *name, *text;
} Entry;

/* Five classes, files in no particular order, with things to ignore. */
static const Entry TREE[] = {
    {"data/sport/b.txt", "goal"},
    {"data/art/z.txt", "\xEF\xBB\xBFpaint"},
    {"data/sport/a.txt", "match"},
    {"data/music/1.txt", "song"},
    {"data/food/x.txt", "bread"},
    {"data/food/empty.txt", " \n"},
    {"data/tech/c.txt", "code \xFF bytes"},
    {"data/tech/notes.md", "not a text file"},
    {"data/tech/.hidden.txt", "hidden"},
    {"data/art/a.txt", "sculpt"},
};
#define N_TREE ((int)(sizeof TREE / sizeof *TREE))

static void write_tree(const char *root, const Entry *e, int n) {
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", root, e[i].name);
        for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
            *s = 0;
            mkdir(path, 0755);
            *s = '/';
        }
        write_bytes(path, e[i].text, strlen(e[i].text));
    }
}

/* An archive of the entries; format and filter as libarchive names them. */
static void write_archive(const char *path, const Entry *e, int n, int zip) {
    struct archive *a = archive_write_new();
    if (zip)
        archive_write_set_format_zip(a);
    else {
        archive_write_add_filter_gzip(a);
        archive_write_set_format_pax_restricted(a);
    }
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        struct archive_entry *en = archive_entry_new();
        archive_entry_set_pathname(en, e[i].name);
        archive_entry_set_size(en, (la_int64_t)strlen(e[i].text));
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_perm(en, 0644);
        assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, e[i].text, strlen(e[i].text)), (la_ssize_t)strlen(e[i].text));
        archive_entry_free(en);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void assert_tree_set(const LabelledSet *s) {
    assert_int_equal(s->n, 7);
    assert_int_equal(s->n_classes, 5);
    static const char *const classes[] = {"art", "food", "music", "sport", "tech"};
    for (int c = 0; c < 5; c++) assert_string_equal(s->classes[c], classes[c]);
    /* sorted by label, then file name; the BOM dropped */
    assert_example(s, 0, "sculpt", "art");
    assert_example(s, 1, "paint", "art");
    assert_example(s, 2, "bread", "food");
    assert_example(s, 3, "song", "music");
    assert_example(s, 4, "match", "sport");
    assert_example(s, 5, "goal", "sport");
    assert_example(s, 6, "code \xFF bytes", "tech");
    assert_int_equal(s->class_counts[0], 2);
    assert_int_equal(s->class_counts[3], 2);
    assert_int_equal(s->n_empty, 1);
    assert_int_equal(s->n_bad_utf8, 1);
}

static void test_folders(void **state) {
    (void)state;
    write_tree(test_tmp, TREE, N_TREE);
    LabelledOptions o = {.format = LABELLED_FOLDERS};
    LabelledSet s;
    read_ok(tmp_path("data"), &o, &s);
    assert_tree_set(&s);
    char want[8192];
    snprintf(want, sizeof want, "%s/data/art/", test_tmp);
    assert_string_equal(s.class_where[0], want);
    /* the warnings, one line each, naming the first file */
    char buf[16384];
    assert_int_equal(labelled_warnings(&s, "data", buf, sizeof buf), 2);
    snprintf(want, sizeof want,
             "data: 1 empty text skipped (the first at %s/data/food/empty.txt)\n"
             "data: 1 text is not valid UTF-8, kept (invalid bytes separate words; the first at %s/data/tech/c.txt)\n",
             test_tmp, test_tmp);
    assert_string_equal(buf, want);
    labelled_free(&s);
}

static void test_folders_in_tar_gz(void **state) {
    (void)state;
    const char *p = tmp_path("tree.tar.gz");
    write_archive(p, TREE, N_TREE, 0);
    LabelledOptions o = {.format = LABELLED_FOLDERS};
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_tree_set(&s);
    char want[8192];
    snprintf(want, sizeof want, "%s:data/art/", p);
    assert_string_equal(s.class_where[0], want);
    labelled_free(&s);
    /* the folder holding the label folders named */
    o.member = "data/";
    read_ok(p, &o, &s);
    assert_tree_set(&s);
    labelled_free(&s);
    o.member = "elsewhere";
    read_fails(p, &o, "tree.tar.gz", "no examples (expected a folder per label holding .txt files: <label>/<name>.txt)");
}

static void test_csv_in_zip_and_gz(void **state) {
    (void)state;
    static const char csv[] = "text,label\ngood,pos\nbad,neg\n";
    const Entry one[] = {{"dir/", ""}, {"dir/train.csv", csv}};
    const char *p = tmp_path("one.zip");
    write_archive(p, one + 1, 1, 1);
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 2);
    assert_example(&s, 1, "bad", "neg");
    labelled_free(&s);
    /* errors name the member */
    const Entry bad[] = {{"train.csv", "text,label\ngood,pos\nbad\n"}};
    write_archive(tmp_path("bad.zip"), bad, 1, 1);
    read_fails(tmp_path("bad.zip"), &o, "bad.zip:train.csv:3", "the row has 1 field; the label column is field 2");
    /* two files: which one must be said */
    const Entry two[] = {{"train.csv", csv}, {"test.csv", csv}};
    p = tmp_path("two.zip");
    write_archive(p, two, 2, 1);
    read_fails(p, &o, "two.zip",
               "the archive holds more than one file (\"train.csv\", \"test.csv\"...); name the one to read");
    o.member = "test.csv";
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 2);
    labelled_free(&s);
    o.member = "val.csv";
    read_fails(p, &o, "two.zip", "no file \"val.csv\" in the archive");
    /* a gzipped CSV: libarchive's raw format behind the gzip filter */
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_raw(a);
    p = tmp_path("d.csv.gz");
    assert_int_equal(archive_write_open_filename(a, p), ARCHIVE_OK);
    struct archive_entry *en = archive_entry_new();
    archive_entry_set_filetype(en, AE_IFREG);
    assert_int_equal(archive_write_header(a, en), ARCHIVE_OK);
    archive_write_data(a, "text,label\nx,1\n\"y\n", 18);
    archive_entry_free(en);
    archive_write_close(a);
    archive_write_free(a);
    o.member = NULL;
    read_fails(p, &o, "d.csv.gz:3", "unterminated quote: the quoted field 1 runs to the end of the file");
}

/* ---- the set as a whole --------------------------------------------------- */

static void test_empty_and_single_class(void **state) {
    (void)state;
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    write_file("h.csv", "text,label\n");
    read_fails(tmp_path("h.csv"), &o, "h.csv", "no examples (expected a header and rows)");
    write_file("z.csv", "");
    read_fails(tmp_path("z.csv"), &o, "z.csv", "no examples (expected a header and rows)");
    write_file("w.csv", "text,label\n,pos\n\"  \",neg\n");
    read_fails(tmp_path("w.csv"), &o, "w.csv", "no examples (2 empty texts skipped)");
    write_file("one.csv", "text,label\na,pos\nb,pos\n");
    read_fails(tmp_path("one.csv"), &o, "one.csv",
               "every example has the label \"pos\"; a classifier needs at least two classes");
    /* a test file may hold one class */
    o.allow_single_class = 1;
    LabelledSet s;
    read_ok(tmp_path("one.csv"), &o, &s);
    assert_int_equal(s.n_classes, 1);
    labelled_free(&s);
}

static void test_label_only_in_test(void **state) {
    (void)state;
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    o.allow_single_class = 1;
    LabelledSet train, test;
    read_ok(write_file("train.csv", "text,label\na,pos\nb,neg\n"), &o, &train);
    read_ok(write_file("test.csv", "text,label\na,pos\nb,neg\nc,pos\nd,neutral\ne,neutral\n"), &o, &test);
    char err[1024], want[4200];
    assert_int_equal(labelled_check_classes(&train, &test, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/test.csv:5: the label \"neutral\" is not among the training set's 2 classes",
             test_tmp);
    assert_string_equal(err, want);
    assert_int_equal(labelled_check_classes(&test, &train, err, sizeof err), 0);
    labelled_free(&train);
    labelled_free(&test);
}

static void test_warnings(void **state) {
    (void)state;
    const char *p = write_file("w.csv", "text,label\n,a\nok,a\n\xC0\xAF,b\n\" \t\",b\n\xED\xA0\x80,a\n\xF0\x9F\x98\x80,b\n");
    LabelledOptions o = by_name(LABELLED_CSV, "text", "label");
    LabelledSet s;
    read_ok(p, &o, &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.n_empty, 2);
    /* an overlong form and a surrogate; the emoji is valid */
    assert_int_equal(s.n_bad_utf8, 2);
    char buf[8192], want[8192];
    assert_int_equal(labelled_warnings(&s, "w.csv", buf, sizeof buf), 2);
    snprintf(want, sizeof want,
             "w.csv: 2 empty texts skipped (the first at %s:2)\n"
             "w.csv: 2 texts are not valid UTF-8, kept (invalid bytes separate words; the first at %s:4)\n",
             p, p);
    assert_string_equal(buf, want);
    labelled_free(&s);
    read_ok(write_file("c.csv", "text,label\na,x\nb,y\n"), &o, &s);
    assert_int_equal(labelled_warnings(&s, "c.csv", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    labelled_free(&s);
}

static void test_bad_options(void **state) {
    (void)state;
    const char *p = write_file("o.csv", "text,label\na,b\n");
    LabelledOptions o = by_index(LABELLED_CSV, 0, 1, 0);
    read_fails(p, &o, "o.csv", "csv needs the text and label columns, by header name or by number from 1");
    o = by_index(LABELLED_CSV, 2, 2, 0);
    read_fails(p, &o, "o.csv", "the text and label columns are both column 2");
    o = by_name(LABELLED_JSONL, "text", NULL);
    read_fails(p, &o, "o.csv", "jsonl needs the names of the text and label fields");
    o = by_name(LABELLED_CSV, "text", "label");
    LabelledSet s;
    char err[1024], want[4200];
    assert_int_equal(labelled_read(test_tmp, &o, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: a folder; the csv format reads a file", test_tmp);
    assert_string_equal(err, want);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_header_by_name, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_csv_quoting, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_csv_error_lines, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_csv_by_index, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_tsv, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_csv_column_not_in_header, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_field_too_long, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_jsonl, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_jsonl_errors, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_folders, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_folders_in_tar_gz, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_csv_in_zip_and_gz, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_single_class, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_label_only_in_test, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_warnings, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, test_tmp_setup, test_tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
