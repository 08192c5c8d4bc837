#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "config/config.h"

/* Loads text over the defaults; the caller frees c and errs. */
static int load(Config *c, const char *text, ConfigErrors *errs) {
    config_defaults(c);
    return config_load_string(c, text, "t.yaml", errs);
}

static void assert_error(const ConfigErrors *e, int i, int line, int col, const char *needle) {
    assert_true(i < e->n);
    const ConfigError *it = &e->items[i];
    if (it->line != line || it->col != col || !strstr(it->msg, needle))
        fail_msg("error %d is %s:%d:%d '%s'; wanted %d:%d containing '%s'", i, it->file, it->line, it->col, it->msg,
                 line, col, needle);
}

/* Exactly one error, at line:col, whose message contains needle. */
static void expect_one_error(const char *text, int line, int col, const char *needle) {
    Config c;
    ConfigErrors e = {0};
    assert_int_not_equal(load(&c, text, &e), 0);
    if (e.n != 1) {
        config_errors_print(&e, stderr);
        fail_msg("wanted one error for:\n%s\ngot %d", text, e.n);
    }
    assert_string_equal(e.items[0].file, "t.yaml");
    assert_error(&e, 0, line, col, needle);
    config_errors_free(&e);
    config_free(&c);
}

static int configs_equal(const Config *a, const Config *b, const char **which) {
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;
        int same;
        switch (k->type) {
        case CFG_FLOAT: same = *(const double *)pa == *(const double *)pb; break;
        case CFG_STR: same = !strcmp(*(char *const *)pa, *(char *const *)pb); break;
        default: same = *(const int *)pa == *(const int *)pb;
        }
        if (!same) {
            *which = k->key;
            return 0;
        }
    }
    return 1;
}

static void test_defaults_valid(void **state) {
    (void)state;
    Config c;
    config_defaults(&c);
    ConfigErrors e = {0};
    assert_int_equal(config_validate(&c, &e), 0);
    assert_int_equal(e.n, 0);
    assert_int_equal(c.model_arch, ARCH_LSTM);
    assert_int_equal(c.model_pooling, POOL_LAST);
    assert_int_equal(c.model_embed_dim, 128);
    assert_true(c.train_lr == 0.001);
    assert_true(c.train_eps == 1e-8);
    assert_int_equal(c.model_bigrams, 1);
    assert_int_equal(c.model_bidirectional, 0);
    assert_non_null(c.data_path);
    assert_string_equal(c.data_path, "");
    assert_string_equal(c.train_runs_dir, "runs");
    /* Every default reads back as its own text. */
    for (int i = 0; i < config_key_count; i++) {
        char buf[256];
        const ConfigKey *k = &config_keys[i];
        const char *v = config_get_text(&c, k, buf, sizeof buf);
        if (k->type == CFG_FLOAT)
            assert_true(strtod(v, NULL) == strtod(k->def, NULL));
        else
            assert_string_equal(v, k->def);
        assert_ptr_equal(config_find_key(k->key), k);
        for (int j = 0; j < i; j++) assert_int_not_equal(config_keys[j].offset, k->offset);
    }
    config_free(&c);
    assert_null(c.data_path);
}

static void test_nested_and_dotted(void **state) {
    (void)state;
    Config c;
    ConfigErrors e = {0};
    const char *text = "# comment\n"
                       "model:\n"
                       "  arch: transformer\n"
                       "  heads: 8\n"
                       "  bidirectional: yes\n"
                       "train.lr: 3e-4\n"
                       "data.path: \"/tmp/a b.tar.gz\"\n"
                       "train:\n"
                       "  epochs: 7\n"
                       "  optimizer: AdamW\n"
                       "eval:\n"
                       "  test: off\n";
    assert_int_equal(load(&c, text, &e), 0);
    assert_int_equal(e.n, 0);
    assert_int_equal(c.model_arch, ARCH_TRANSFORMER);
    assert_int_equal(c.model_heads, 8);
    assert_int_equal(c.model_bidirectional, 1);
    assert_true(c.train_lr == 3e-4);
    assert_string_equal(c.data_path, "/tmp/a b.tar.gz");
    assert_int_equal(c.train_epochs, 7);
    assert_int_equal(c.train_optimizer, OPT_ADAMW);
    assert_int_equal(c.eval_test, 0);
    assert_int_equal(c.model_embed_dim, 128); /* untouched keys keep the default */
    config_free(&c);

    /* A file read over a config changes only what it names; empty files are fine. */
    config_defaults(&c);
    assert_int_equal(config_load_string(&c, "", "empty.yaml", &e), 0);
    assert_int_equal(config_load_string(&c, "# nothing\n", "empty.yaml", &e), 0);
    assert_int_equal(config_load_string(&c, "data.path: ~\ntrain.name:\n", "n.yaml", &e), 0);
    assert_string_equal(c.data_path, "");
    assert_string_equal(c.train_name, "");
    assert_int_equal(e.n, 0);
    config_free(&c);
}

static void test_error_kinds(void **state) {
    (void)state;
    expect_one_error("model:\n  embed_dim: abc\n", 2, 14, "model.embed_dim: expected an integer from 1 to 4096, found 'abc'");
    expect_one_error("model:\n  embed_dim: 12.5\n", 2, 14, "found '12.5'");
    expect_one_error("model:\n  embed_dim: 5000\n", 2, 14, "5000 is out of range: expected an integer from 1 to 4096");
    expect_one_error("train:\n  lr: 1000\n", 2, 7, "train.lr: 1000 is out of range: expected a number from 0 to 100");
    expect_one_error("train:\n  lr: nan\n", 2, 7, "expected a number from 0 to 100, found 'nan'");
    expect_one_error("train:\n  lr:\n", 2, 6, "found nothing");
    expect_one_error("model:\n  arch: lstn\n", 2, 9,
                     "model.arch: expected one of rnn, lstm, gru, transformer, bag, distilbert, found 'lstn'; did you mean 'lstm'?");
    expect_one_error("model:\n  arch: zzzzzz\n", 2, 9, "found 'zzzzzz'");
    expect_one_error("model:\n  bidirectional: maybe\n", 2, 18, "expected true or false, found 'maybe'");
    expect_one_error("model:\n  hiden_dim: 128\n", 2, 3, "unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?");
    expect_one_error("model.hiden_dim: 128\n", 1, 1, "unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?");
    expect_one_error("modle:\n  arch: rnn\n", 1, 1, "unknown section 'modle'; did you mean 'model'?");
    expect_one_error("colors:\n  a: 1\n", 1, 1, "unknown section 'colors'");
    expect_one_error("train:\n  lr: 0.1\nmodel:\n  arch: rnn\ntrain.lr: 0.2\n", 5, 1,
                     "key 'train.lr' is set twice (first at line 2, column 3)");
    expect_one_error("train:\n  epochs: [1, 2]\n", 2, 11, "train.epochs: expected an integer from 0 to 100000, found a list");
    expect_one_error("model:\n  arch:\n    name: rnn\n", 3, 5, "found a mapping");
    expect_one_error("data: imdb\n", 1, 7, "'data' is a section: expected a mapping of its keys (like data.dataset)");
    expect_one_error("- model\n", 1, 1, "expected a mapping of sections");
    expect_one_error("[a]: 1\n", 1, 1, "expected a key name, found a list");
    expect_one_error("train.lr: 0.1\n---\nb: 2\n", 3, 1, "expected one YAML document, found a second one");
    /* Malformed YAML: libyaml's problem at its position. */
    expect_one_error("model:\n  arch: lstm\n   embed_dim: 3\n", 3, 13, "invalid YAML: mapping values are not allowed");
    expect_one_error("model: {arch: lstm\n", 2, 1, "invalid YAML: did not find expected ',' or '}'");
    expect_one_error("model:\n\tarch: lstm\n", 2, 1, "invalid YAML: found character that cannot start any token");
    expect_one_error("data:\n  path: \"abc\n", 3, 1, "invalid YAML: found unexpected end of stream");
}

static void test_many_errors_at_once(void **state) {
    (void)state;
    Config c;
    ConfigErrors e = {0};
    const char *text = "model:\n"
                       "  arch: lstn\n"            /* 2:9 enum */
                       "  hiden_dim: 64\n"         /* 3:3 unknown */
                       "  dropout: 2\n"            /* 4:12 range */
                       "train:\n"
                       "  batch_size: big\n"       /* 6:15 type */
                       "  lr: 0.01\n"
                       "train.lr: 0.02\n"          /* 8:1 twice */
                       "eval:\n"
                       "  tset: true\n";           /* 10:3 unknown */
    assert_int_equal(load(&c, text, &e), 6);
    assert_int_equal(e.n, 6);
    assert_error(&e, 0, 2, 9, "did you mean 'lstm'");
    assert_error(&e, 1, 3, 3, "did you mean 'model.hidden_dim'");
    assert_error(&e, 2, 4, 12, "out of range");
    assert_error(&e, 3, 6, 15, "found 'big'");
    assert_error(&e, 4, 8, 1, "set twice");
    assert_error(&e, 5, 10, 3, "did you mean 'eval.test'");
    /* Good keys were still applied; bad ones kept their previous value. */
    assert_true(c.train_lr == 0.01);
    assert_int_equal(c.model_arch, ARCH_LSTM);
    assert_true(c.model_dropout == 0.1);

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    config_errors_print(&e, f);
    fclose(f);
    assert_non_null(strstr(out, "t.yaml:3:3: error: unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?\n"));
    free(out);
    config_errors_free(&e);
    assert_int_equal(e.n, 0);
    config_free(&c);
}

static void test_suggestions(void **state) {
    (void)state;
    assert_string_equal(config_suggest_key("model.hiden_dim"), "model.hidden_dim");
    assert_string_equal(config_suggest_key("model.embeddim"), "model.embed_dim");
    assert_string_equal(config_suggest_key("train.hidden_dim"), "model.hidden_dim");
    assert_string_equal(config_suggest_key("lr"), "train.lr");
    assert_string_equal(config_suggest_key("trian.epochs"), "train.epochs");
    assert_null(config_suggest_key("completely.different"));
    assert_null(config_suggest_key(""));
    assert_null(config_find_key("model"));
    assert_null(config_find_key("model.nope"));
}

static void test_set_overrides(void **state) {
    (void)state;
    Config c;
    ConfigErrors e = {0};
    config_defaults(&c);
    assert_int_equal(config_set(&c, "train.lr=3e-4", &e), 0);
    assert_int_equal(config_set(&c, " model.arch = gru ", &e), 0);
    assert_int_equal(config_set(&c, "train.name='my run'", &e), 0);
    assert_int_equal(config_set(&c, "data.path=/x=y", &e), 0);
    assert_int_equal(e.n, 0);
    assert_true(c.train_lr == 3e-4);
    assert_int_equal(c.model_arch, ARCH_GRU);
    assert_string_equal(c.train_name, "my run");
    assert_string_equal(c.data_path, "/x=y");

    assert_int_not_equal(config_set(&c, "train.lr=fast", &e), 0);
    assert_int_not_equal(config_set(&c, "model.hiden_dim=3", &e), 0);
    assert_int_not_equal(config_set(&c, "model.arch", &e), 0);
    assert_int_not_equal(config_set(&c, "model=rnn", &e), 0);
    assert_int_not_equal(config_set(&c, "model.heads=0", &e), 0);
    assert_int_equal(e.n, 5);
    for (int i = 0; i < e.n; i++) {
        assert_string_equal(e.items[i].file, "--set");
        assert_int_equal(e.items[i].line, 0);
    }
    assert_string_equal(e.items[0].msg, "train.lr: expected a number from 0 to 100, found 'fast'");
    assert_string_equal(e.items[1].msg, "unknown key 'model.hiden_dim'; did you mean 'model.hidden_dim'?");
    assert_non_null(strstr(e.items[2].msg, "expected key=value"));
    assert_non_null(strstr(e.items[3].msg, "'model' is a section"));
    assert_non_null(strstr(e.items[4].msg, "0 is out of range"));
    assert_true(c.train_lr == 3e-4); /* failed overrides change nothing */
    assert_int_equal(c.model_heads, 4);

    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ConfigErrors one = {.items = e.items, .n = 1, .cap = 1};
    config_errors_print(&one, f);
    fclose(f);
    assert_string_equal(out, "--set: error: train.lr: expected a number from 0 to 100, found 'fast'\n");
    free(out);
    config_errors_free(&e);
    config_free(&c);
}

static void test_cli_load_config(void **state) {
    (void)state;
    char *tmp = make_temp_dir("cfg");
    char path[512];
    snprintf(path, sizeof path, "%s/a.yaml", tmp);
    FILE *f = fopen(path, "w");
    fputs("model:\n  arch: rnn\ntrain:\n  epochs: 2\n", f);
    fclose(f);
    Config c;
    char *argv[] = {path, "--set", "train.epochs=9", "--seed", "3", "--set=model.embed_dim=64", NULL};
    assert_int_equal(cli_load_config(&c, path, 6, argv), 0);
    assert_int_equal(c.model_arch, ARCH_RNN);
    assert_int_equal(c.train_epochs, 9);
    assert_int_equal(c.model_embed_dim, 64);
    config_free(&c);

    char *bad[] = {"--set", "model.arch=transformer", "--set", "model.heads=3", "--set"};
    assert_int_equal(cli_load_config(&c, NULL, 5, bad), 2);
    assert_null(c.data_path); /* freed on failure */
    assert_int_equal(cli_load_config(&c, "/nonexistent/x.yaml", 0, NULL), 2);
    rm_rf(tmp);
    free(tmp);
}

static void test_validate(void **state) {
    (void)state;
    Config c;
    ConfigErrors e = {0};
    config_defaults(&c);
    c.model_heads = 3;
    assert_int_equal(config_validate(&c, &e), 0); /* heads only matter to the transformer */
    c.model_arch = ARCH_TRANSFORMER;
    assert_int_equal(config_validate(&c, &e), 1);
    assert_string_equal(e.items[0].msg, "model.heads (3) must divide model.embed_dim (128) for the transformer");
    c.model_heads = 8;
    c.model_arch = ARCH_LSTM;
    c.model_pooling = POOL_CLS;
    c.eval_explain_samples = 10;
    c.eval_batch_size = 4;
    assert_int_equal(config_validate(&c, &e), 2);
    assert_non_null(strstr(e.items[1].msg, "cls needs a transformer"));
    assert_non_null(strstr(e.items[2].msg, "eval.explain_samples (10) must not exceed eval.batch_size (4)"));
    config_errors_free(&e);
    config_free(&c);

    /* a DistilBERT pretraining may start its embeddings from word2vec; a loaded folder may not */
    ConfigErrors e2 = {0};
    config_defaults(&c);
    c.model_arch = ARCH_DISTILBERT;
    c.model_pretrain = PRETRAIN_WORD2VEC;
    assert_int_equal(config_validate(&c, &e2), 0);
    free(c.model_init);
    c.model_init = strdup("models/distilbert-base-uncased");
    assert_int_equal(config_validate(&c, &e2), 1);
    assert_non_null(strstr(e2.items[0].msg, "would overwrite the word embeddings model.init loads"));
    config_errors_free(&e2);
    config_free(&c);

    config_defaults(&c);
    c.data_limit_train = 10;
    assert_int_equal(config_validate(&c, NULL), 1);
    c.data_limit_train = 0;
    assert_int_equal(config_set(&c, "train.name=a/b", NULL), 0);
    assert_int_equal(config_validate(&c, NULL), 1);
    config_free(&c);

    /* C1 controls (U+0080-U+009F; U+009B is a one-byte CSI to some terminals) are control characters too. */
    config_defaults(&c);
    assert_int_equal(config_set(&c, "train.name=run\xc2\x9b" "2J", NULL), 0);
    assert_int_equal(config_validate(&c, NULL), 1);
    assert_int_equal(config_set(&c, "train.name=caf\xc3\xa9", NULL), 0);
    assert_int_equal(config_validate(&c, NULL), 0);
    config_free(&c);
}

static void test_round_trip(void **state) {
    (void)state;
    Config a, b;
    config_defaults(&a);
    ConfigErrors e = {0};
    assert_int_equal(config_load_string(&a, "model:\n  arch: transformer\n  dropout: 0.123456789012345\n"
                                            "train:\n  lr: 3e-4\n  eps: 1e-12\n  warmup: 0.05\n  beta2: 0.99999999\n"
                                            "  name: \"quotes \\\" back\\\\slash # hash: colon\\n\\ttab \\u00e9\"\n"
                                            "data:\n  path: \"  lead and trail  \"\n  val_fraction: 0.3\n",
                                     "a.yaml", &e),
                     0);
    a.model_pooling = POOL_ATTENTION;
    a.train_seed = 2147483647;
    char *yaml = config_to_yaml(&a);
    assert_non_null(yaml);
    assert_non_null(strstr(yaml, "\nmodel:\n  arch: transformer"));
    assert_non_null(strstr(yaml, "# architecture of the classifier [rnn|lstm|gru|transformer|bag|distilbert]"));
    assert_non_null(strstr(yaml, "\neval:\n"));
    /* Every key appears once. */
    for (int i = 0; i < config_key_count; i++) {
        char needle[80];
        snprintf(needle, sizeof needle, "\n  %s: ", strchr(config_keys[i].key, '.') + 1);
        assert_non_null(strstr(yaml, needle));
    }
    config_defaults(&b);
    assert_int_equal(config_load_string(&b, yaml, "resolved.yaml", &e), 0);
    const char *which = NULL;
    if (!configs_equal(&a, &b, &which)) fail_msg("round trip changed %s", which);
    assert_string_equal(b.train_name, "quotes \" back\\slash # hash: colon\n\ttab \xc3\xa9");
    assert_string_equal(b.data_path, "  lead and trail  ");

    /* Loaded over a different config, the resolved file still restores everything. */
    Config d;
    config_defaults(&d);
    d.model_arch = ARCH_BAG;
    d.train_epochs = 99;
    assert_int_equal(config_load_string(&d, yaml, "resolved.yaml", &e), 0);
    assert_true(configs_equal(&a, &d, &which));

    char *tmp = make_temp_dir("cfgrt");
    char path[512];
    snprintf(path, sizeof path, "%s/config.yaml", tmp);
    assert_int_equal(config_write_file(&a, path), 0);
    Config g;
    config_defaults(&g);
    assert_int_equal(config_load_file(&g, path, &e), 0);
    assert_true(configs_equal(&a, &g, &which));
    rm_rf(tmp);
    free(tmp);

    /* A deep copy survives the original being freed. */
    Config cp;
    config_copy(&cp, &a);
    assert_ptr_not_equal(cp.train_name, a.train_name);
    config_free(&a);
    assert_true(configs_equal(&cp, &b, &which));

    free(yaml);
    config_free(&b);
    config_free(&d);
    config_free(&g);
    config_free(&cp);
    assert_int_equal(e.n, 0);
}

static void test_hash(void **state) {
    (void)state;
    Config c;
    config_defaults(&c);
    uint64_t data0 = config_hash_keys(&c, "data."), all0 = config_hash_keys(&c, "");
    assert_int_not_equal(data0, all0);
    c.train_lr = 0.5;
    c.model_arch = ARCH_GRU;
    assert_true(config_hash_keys(&c, "data.") == data0);
    assert_true(config_hash_keys(&c, "") != all0);
    c.data_max_len = 201;
    uint64_t data1 = config_hash_keys(&c, "data.");
    assert_true(data1 != data0);
    c.data_max_len = 200;
    assert_true(config_hash_keys(&c, "data.") == data0);
    assert_int_equal(config_set(&c, "data.path=/elsewhere", NULL), 0);
    assert_true(config_hash_keys(&c, "data.") != data0);
    config_free(&c);
}

static void test_text_helpers(void **state) {
    (void)state;
    char buf[64], msg[256];
    assert_string_equal(config_enum_name(ARCH_VALUES, ARCH_LSTM, buf, sizeof buf), "lstm");
    assert_string_equal(config_enum_name(ARCH_VALUES, ARCH_BAG, buf, sizeof buf), "bag");
    assert_string_equal(config_enum_name(ARCH_VALUES, 9, buf, sizeof buf), "?");
    assert_int_equal(config_arch_bit(ARCH_TRANSFORMER), A_TRANSFORMER);
    assert_int_equal(config_arch_bit(ARCH_GRU), A_GRU);
    assert_int_equal(config_arch_bit(-1), 0);
    assert_true(config_find_key("model.hidden_dim")->archs & config_arch_bit(ARCH_LSTM));
    assert_false(config_find_key("model.hidden_dim")->archs & config_arch_bit(ARCH_TRANSFORMER));

    Config c;
    config_defaults(&c);
    const ConfigKey *lr = config_find_key("train.lr");
    assert_int_equal(config_set_text(&c, lr, "0.0003", msg, sizeof msg), 0);
    assert_string_equal(config_get_text(&c, lr, buf, sizeof buf), "0.0003");
    assert_int_equal(config_set_text(&c, lr, "1e-7", msg, sizeof msg), 0);
    assert_string_equal(config_get_text(&c, lr, buf, sizeof buf), "1e-07");
    assert_int_not_equal(config_set_text(&c, lr, "-1", msg, sizeof msg), 0);
    assert_string_equal(msg, "-1 is out of range: expected a number from 0 to 100");
    assert_int_not_equal(config_set_text(&c, lr, "1e999", msg, sizeof msg), 0);
    assert_int_not_equal(config_set_text(&c, config_find_key("train.seed"), "99999999999999999999", msg, sizeof msg), 0);
    assert_non_null(strstr(msg, "out of range"));
    assert_int_equal(config_set_text(&c, config_find_key("model.pooling"), "MEAN", msg, sizeof msg), 0);
    assert_int_equal(c.model_pooling, POOL_MEAN);
    config_free(&c);
}

static void test_cli_args(void **state) {
    (void)state;
    char *argv[] = {"cfg.yaml", "--set", "train.lr=1", "--seed", "7", "--split=val", "--json", "RUN", "--set=a=b", "--",
                    "--literal"};
    int argc = 11;
    const char *p = NULL;
    assert_int_equal(cli_positional(argc, argv, 0, &p), 1);
    assert_string_equal(p, "cfg.yaml");
    assert_int_equal(cli_positional(argc, argv, 1, &p), 1);
    assert_string_equal(p, "RUN");
    assert_int_equal(cli_positional(argc, argv, 2, &p), 1);
    assert_string_equal(p, "--literal");
    assert_int_equal(cli_positional(argc, argv, 3, &p), 0);
    assert_int_equal(cli_positional_count(argc, argv), 3);
    assert_string_equal(cli_flag_value(argc, argv, "--seed"), "7");
    assert_string_equal(cli_flag_value(argc, argv, "split"), "val");
    assert_null(cli_flag_value(argc, argv, "--dir"));
    assert_true(cli_has_flag(argc, argv, "--json"));
    assert_false(cli_has_flag(argc, argv, "--literal"));
    assert_false(cli_has_flag(argc, argv, "--js"));
    int it = 0, n = 0;
    const char *v;
    const char *want[] = {"train.lr=1", "a=b"};
    while (cli_flag_next(argc, argv, "--set", &it, &v)) {
        assert_true(n < 2);
        assert_string_equal(v, want[n++]);
    }
    assert_int_equal(n, 2);
    const char *const known[] = {"--set", "--seed", "--split", "--json", NULL};
    assert_null(cli_unknown_flag(argc, argv, known));
    char *typo[] = {"x", "--spilt", "val"};
    assert_string_equal(cli_unknown_flag(3, typo, known), "--spilt");
    char *dangling[] = {"--set"};
    it = 0;
    assert_int_equal(cli_flag_next(1, dangling, "--set", &it, &v), 1);
    assert_null(v);
    assert_true(cli_flag_takes_value("--speed") && cli_flag_takes_value("--steps") && cli_flag_takes_value("--arch"));
    assert_false(cli_flag_takes_value("--json"));
}

static int load_dir(const char *root, const char *sub, int *count) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, sub);
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".yaml")) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        Config c;
        ConfigErrors e = {0};
        config_defaults(&c);
        config_load_file(&c, path, &e);
        config_validate(&c, &e);
        if (e.n) {
            config_errors_print(&e, stderr);
            fail_msg("%s has %d errors", path, e.n);
        }
        char arch[32];
        /* Each file is named after the architecture it configures. */
        config_enum_name(ARCH_VALUES, c.model_arch, arch, sizeof arch);
        assert_int_equal(strncmp(ent->d_name, arch, strlen(arch)), 0);
        (*count)++;
        config_free(&c);
    }
    closedir(d);
    return *count;
}

static const char *repo_root(void) {
    const char *r = getenv("SENTUI_TEST_ROOT");
    return r && *r ? r : ".";
}

static void test_shipped_configs(void **state) {
    (void)state;
    int n = 0, lab = 0, syn = 0;
    load_dir(repo_root(), "configs", &n);
    load_dir(repo_root(), "configs/lab", &lab);
    load_dir(repo_root(), "configs/synthetic", &syn);
    assert_true(n >= 5);
    assert_true(lab >= 3);
    assert_true(syn >= 5);

    /* The lab's settings, exactly. */
    static const struct {
        const char *file;
        int arch, embed, hidden;
        double lr, dropout;
        int pooling;
    } want[] = {
        {"configs/lab/rnn.yaml", ARCH_RNN, 100, 128, 1e-3, 0, POOL_LAST},
        {"configs/lab/lstm.yaml", ARCH_LSTM, 100, 128, 1e-3, 0, POOL_LAST},
        {"configs/lab/transformer.yaml", ARCH_TRANSFORMER, 128, -1, 1e-4, 0.1, POOL_MEAN},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", repo_root(), want[i].file);
        Config c;
        config_defaults(&c);
        assert_int_equal(config_load_file(&c, path, NULL), 0);
        assert_int_equal(c.model_arch, want[i].arch);
        assert_int_equal(c.model_embed_dim, want[i].embed);
        if (want[i].hidden > 0) assert_int_equal(c.model_hidden_dim, want[i].hidden);
        assert_true(c.train_lr == want[i].lr);
        assert_true(c.model_dropout == want[i].dropout);
        assert_int_equal(c.model_pooling, want[i].pooling);
        assert_int_equal(c.data_vocab_size, 10000);
        assert_int_equal(c.data_max_len, 200);
        assert_int_equal(c.train_batch_size, 64);
        assert_int_equal(c.train_epochs, 5);
        assert_int_equal(c.train_optimizer, OPT_ADAM);
        assert_int_equal(c.train_schedule, SCHED_CONSTANT);
        assert_true(c.train_clip_norm == 0);
        assert_int_equal(c.model_lab_compat, 1);
        assert_int_equal(c.data_dataset, DATASET_IMDB);
        if (want[i].arch == ARCH_TRANSFORMER) {
            assert_int_equal(c.model_heads, 4);
            assert_int_equal(c.model_ff_dim, 256);
            assert_int_equal(c.model_layers, 2);
        }
        config_free(&c);
    }
}

/* Every prefix of a valid file (cut YAML of all shapes) gives errors or a
 * config, never a crash or a leak. */
static void test_truncated_input_never_crashes(void **state) {
    (void)state;
    const char *text = "model:\n  arch: \"transformer\"\n  heads: [2]\ntrain: {lr: 3e-4, epochs: 2}\n"
                       "data.path: 'x''y'\n&a eval: *a\n";
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    for (size_t i = 0; i <= n; i++) {
        memcpy(buf, text, i);
        buf[i] = 0;
        Config c;
        ConfigErrors e = {0};
        config_defaults(&c);
        config_load_string(&c, buf, "cut.yaml", &e);
        for (int j = 0; j < e.n; j++) assert_true(e.items[j].msg[0] != 0);
        config_errors_free(&e);
        config_free(&c);
    }
    free(buf);
}

/* config_read: defaults, the runs folder, the file, the overrides in order,
 * then the checks, every problem collected in that order. */
static void test_config_read_order(void **st) {
    (void)st;
    char *tmp = make_temp_dir("cfgread");
    char path[512];
    snprintf(path, sizeof path, "%s/c.yaml", tmp);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("model:\n  arch: transformer\n  embed_dim: 30\ntrain:\n  lr: 0.5\n  runs_dir: from_file\n", f);
    fclose(f);

    Config c;
    ConfigErrors e = {0};
    const char *sets[] = {"train.lr=0.25", "train.epochs=2"};
    ConfigSource src = {.file = path, .sets = sets, .n_sets = 2, .runs_dir = "elsewhere"};
    assert_int_equal(config_read(&c, &src, &e), 1); /* heads (4) do not divide embed_dim (30) */
    assert_true(strstr(e.items[0].msg, "model.heads") != NULL);
    assert_true(c.train_lr == 0.25);
    assert_int_equal(c.train_epochs, 2);
    assert_string_equal(c.train_runs_dir, "from_file"); /* the file decides over the runs folder */
    config_free(&c);
    config_errors_free(&e);

    /* Without the checks, the same sources read cleanly. */
    src.flags = CONFIG_NO_CHECKS;
    assert_int_equal(config_read(&c, &src, NULL), 0);
    config_free(&c);

    /* No file: the runs folder replaces the default; a repeated key and a
     * missing value are reported where they occur, after the file's errors. */
    const char *bad[] = {"train.lr=0.1", NULL, " train.lr = 0.2", "train.lr=0.3", "model.nope=1"};
    ConfigSource s2 = {.sets = bad, .n_sets = 5, .runs_dir = "elsewhere"};
    assert_int_equal(config_read(&c, &s2, &e), 3);
    assert_string_equal(c.train_runs_dir, "elsewhere");
    assert_true(c.train_lr == 0.3);
    assert_true(strstr(e.items[0].msg, "expected key=value after --set") != NULL);
    assert_true(strstr(e.items[1].msg, "'train.lr' is set twice") != NULL);
    assert_true(strstr(e.items[2].msg, "unknown key 'model.nope'") != NULL);
    config_free(&c);
    config_errors_free(&e);

    rm_rf(tmp);
    free(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_valid),
        cmocka_unit_test(test_nested_and_dotted),
        cmocka_unit_test(test_error_kinds),
        cmocka_unit_test(test_many_errors_at_once),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_cli_load_config),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_text_helpers),
        cmocka_unit_test(test_cli_args),
        cmocka_unit_test(test_shipped_configs),
        cmocka_unit_test(test_truncated_input_never_crashes),
        cmocka_unit_test(test_config_read_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
