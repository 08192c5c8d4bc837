/* The work a phase costs (run/cost.h), against a count by hand of every
 * product in a small Transformer, and DistilBERT's known 270 MFLOP a token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "config/config.h"
#include "models/model.h"
#include "run/cost.h"

static void test_small_transformer_by_hand(void **state) {
    (void)state;
    Config c;
    const char *sets[] = {"model.arch=transformer", "model.embed_dim=8", "model.heads=2", "model.ff_dim=16",
                          "model.layers=2", "data.max_len=10"};
    assert_int_equal(config_read(&c, &(ConfigSource){.sets = sets, .n_sets = 6}, NULL), 0);
    char err[256];
    Model *m = model_create(&c, 50, 4, 10, err, sizeof err);
    assert_non_null(m);
    /* Per token and layer, 2 FLOPs a multiply-add: the q, k, v and output
     * projections (4 of 8x8), the two feed-forward products (8x16, 16x8), the
     * scores against 10 keys (8 each) and the mix of 10 values (8 each). */
    double E = 8, F = 16, T = 10;
    double per_layer = 4 * (2 * E * E) + 2 * (2 * E * F) + 2 * T * E + 2 * T * E;
    double by_hand = 2 * per_layer; /* 2 layers */
    assert_true(fabs(cost_eval_flops_per_token(m, 10) - by_hand) < 1e-9);
    assert_true(fabs(by_hand - 2688) < 1e-9);
    /* training: the forward pass and a backward pass of twice its work */
    assert_true(fabs(cost_train_flops_per_token(m, 10) - 3 * by_hand) < 1e-9);
    model_free(m);
    config_free(&c);
}

static void test_distilbert_base(void **state) {
    (void)state;
    /* distilbert-base-uncased: 6 layers of dim 768, hidden 3072; at 256 tokens */
    Model m;
    memset(&m, 0, sizeof m);
    config_defaults(&m.cfg);
    m.arch = ARCH_DISTILBERT;
    m.cfg.model_arch = ARCH_DISTILBERT;
    m.cfg.model_layers = 6, m.cfg.model_embed_dim = 768, m.cfg.model_ff_dim = 3072, m.cfg.model_heads = 12;
    double train = cost_train_flops_per_token(&m, 256);
    assert_true(train > 265e6 && train < 275e6); /* "about 270 MFLOP per token to train" */
    char buf[32];
    cost_format_flops(train, buf, sizeof buf);
    assert_string_equal(buf, "269 MFLOP");
    cost_format_flops(2.5e12, buf, sizeof buf);
    assert_string_equal(buf, "2.5 TFLOP");
    cost_format_flops(12, buf, sizeof buf);
    assert_string_equal(buf, "12 FLOP");
    config_free(&m.cfg);
}

static void test_split_tokens(void **state) {
    (void)state;
    int32_t len[4] = {3, 12, 1, 7}, order[2] = {1, 3};
    Split s = {.n = 4, .T = 8, .lengths = len};
    assert_int_equal(cost_split_tokens(&s, NULL, 4), 3 + 8 + 1 + 7); /* each cut to T */
    assert_int_equal(cost_split_tokens(&s, order, 2), 8 + 7);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_transformer_by_hand),
        cmocka_unit_test(test_distilbert_base),
        cmocka_unit_test(test_split_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
