/* Numeric assertions and the finite-difference gradient checker shared by the
 * engine tests. Include after <cmocka.h>'s prerequisites (stdarg, stddef, setjmp). */
#ifndef SENTUI_TEST_CHECK_H
#define SENTUI_TEST_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Fails the test (cmocka) when any |a-b| > atol + rtol*|b|; prints the worst index. */
void assert_allclose_(const float *a, const float *b, size_t n, double rtol, double atol, const char *what,
                      const char *file, int line);
#define assert_allclose(a, b, n, rtol, atol, what) assert_allclose_((a), (b), (n), (rtol), (atol), (what), __FILE__, __LINE__)

/* Central-difference gradient check of a scalar function f(ctx) with respect to
 * x[0..n) against analytic gradient g[0..n). Perturbs at most max_checks entries
 * (spread evenly), step h, accumulating in double. Returns the worst relative
 * error max |num-ana| / max(1e-3, |num|+|ana|) and fails the test when it exceeds tol. */
typedef double (*ScalarFn)(void *ctx);
double gradcheck_(ScalarFn f, void *ctx, float *x, const float *g, size_t n, int max_checks, double h, double tol,
                  const char *what, const char *file, int line);
#define gradcheck(f, ctx, x, g, n, max_checks, h, tol, what) \
    gradcheck_((f), (ctx), (x), (g), (n), (max_checks), (h), (tol), (what), __FILE__, __LINE__)

/* Fills with uniform values in [lo, hi) from a fixed seed. */
void fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi);

/* Temporary directory for a test (removed by the caller with rm_rf). */
char *make_temp_dir(const char *prefix);
void rm_rf(const char *path);

/* cmocka setup/teardown pair giving each test (or group) a fresh folder in test_tmp. */
extern char *test_tmp;
int test_tmp_setup(void **state);
int test_tmp_teardown(void **state);

/* config_set that fails the test, printing the config errors, when the assignment is refused. */
struct Config;
void config_set_or_fail(struct Config *c, const char *assignment);

/* A float32 tensor of a fixture file, n values (malloc'd), or the test fails
 * saying why. */
struct StFile;
float *fixture_f32(const struct StFile *f, const char *name, size_t n);
/* The same for an int32 tensor of exactly n values, into dst. */
void fixture_i32(const struct StFile *f, const char *name, int32_t *dst, size_t n);
/* The largest |x[i]|. */
double max_abs(const float *x, size_t n);

/* Against a PyTorch fixture holding "grad.<name>" and "adamw.<name>" for every
 * parameter: p's gradient to rtol, each entry also held to a floor from its
 * tensor's and the block's largest (a gradient zero in exact arithmetic is
 * float32 rounding against a float64 zero); then o's step at lr to rtol,
 * where an entry whose gradient is such a zero may move by one step at most
 * (the rounding noise's sign decides its direction). */
struct Params;
struct Optimizer;
void fixture_check_grads(const struct Params *p, const struct StFile *f, double rtol);
void fixture_check_adamw_step(struct Params *p, struct Optimizer *o, const struct StFile *f, float lr, double rtol);

#endif
