#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "kernels/tensor.h"
#include "nn/optim.h"
#include "nn/params.h"
#include "run/safetensors.h"

void assert_allclose_(const float *a, const float *b, size_t n, double rtol, double atol, const char *what,
                      const char *file, int line) {
    size_t worst = 0;
    double worst_excess = -1;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]), lim = atol + rtol * fabs((double)b[i]);
        if (!(d <= lim)) { /* also catches NaN */
            bad++;
            double ex = isnan(d) ? INFINITY : d - lim;
            if (ex > worst_excess) worst_excess = ex, worst = i;
        }
    }
    if (bad) {
        print_error("%s:%d: %s: %d of %zu values differ; worst [%zu]: got %.8g expected %.8g (rtol %g atol %g)\n",
                    file, line, what, bad, n, worst, (double)a[worst], (double)b[worst], rtol, atol);
        _fail(file, line);
    }
}

double gradcheck_(ScalarFn f, void *ctx, float *x, const float *g, size_t n, int max_checks, double h, double tol,
                  const char *what, const char *file, int line) {
    size_t stride = n > (size_t)max_checks && max_checks > 0 ? n / (size_t)max_checks : 1;
    double worst = 0;
    size_t worst_i = 0;
    double worst_num = 0, worst_ana = 0;
    for (size_t i = 0; i < n; i += stride) {
        float orig = x[i];
        x[i] = orig + (float)h;
        double fp = f(ctx);
        x[i] = orig - (float)h;
        double fm = f(ctx);
        x[i] = orig;
        /* Use the step actually representable in float. */
        double hp = (double)(orig + (float)h) - (double)(orig - (float)h);
        double num = (fp - fm) / hp, ana = g[i];
        if (!isfinite(num) || !isfinite(ana)) {
            print_error("%s:%d: %s: non-finite gradient at [%zu]: numeric %g analytic %g\n", file, line, what, i, num, ana);
            _fail(file, line);
        }
        double rel = fabs(num - ana) / fmax(1e-3, fabs(num) + fabs(ana));
        if (rel > worst) worst = rel, worst_i = i, worst_num = num, worst_ana = ana;
    }
    if (worst > tol) {
        print_error("%s:%d: %s: gradient mismatch at [%zu]: numeric %.8g analytic %.8g (rel %.3g > %.3g)\n", file,
                    line, what, worst_i, worst_num, worst_ana, worst, tol);
        _fail(file, line);
    }
    return worst;
}

void fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi) {
    Rng r;
    rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = rng_range(&r, lo, hi);
}

char *make_temp_dir(const char *prefix) {
    char tmpl[512];
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

void rm_rf(const char *path) {
    if (!path || !*path || strcmp(path, "/") == 0) return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
}

char *test_tmp;

int test_tmp_setup(void **state) {
    (void)state;
    test_tmp = make_temp_dir("sentui-test");
    return test_tmp ? 0 : -1;
}

int test_tmp_teardown(void **state) {
    (void)state;
    rm_rf(test_tmp);
    free(test_tmp);
    test_tmp = NULL;
    return 0;
}

void config_set_or_fail(Config *c, const char *assignment) {
    ConfigErrors e = {0};
    if (config_set(c, assignment, &e) != 0) {
        config_errors_print(&e, stderr);
        fail_msg("cannot set %s", assignment);
    }
    config_errors_free(&e);
}

float *fixture_f32(const StFile *f, const char *name, size_t n) {
    float *x = malloc(n * sizeof(float));
    char err[256];
    if (!x || st_get_f32(f, name, x, n, err, sizeof err) != 0) {
        print_error("%s\n", x ? err : "out of memory");
        fail();
    }
    return x;
}

void fixture_i32(const StFile *f, const char *name, int32_t *dst, size_t n) {
    const StTensor *t = st_find(f, name);
    if (!t || t->dtype != ST_I32 || t->nbytes != n * sizeof(int32_t)) {
        print_error("fixture: %s is not %zu int32 values\n", name, n);
        fail();
    }
    memcpy(dst, t->data, n * sizeof(int32_t));
}

double max_abs(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}

void fixture_check_grads(const Params *p, const StFile *f, double rtol) {
    double global = max_abs(p->grad, p->total);
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char key[PARAM_NAME_MAX + 8];
        snprintf(key, sizeof key, "grad.%s", v->name);
        float *ref = fixture_f32(f, key, v->size);
        double atol = fmax(1e-4 * max_abs(ref, v->size), 1e-6 * global);
        assert_allclose(p->grad + v->offset, ref, v->size, rtol, atol, key);
        free(ref);
    }
}

void fixture_check_adamw_step(Params *p, Optimizer *o, const StFile *f, float lr, double rtol) {
    float *grad = malloc(p->total * sizeof(float));
    assert_non_null(grad);
    memcpy(grad, p->grad, p->total * sizeof(float));
    optim_step(o, lr);
    double gs = max_abs(grad, p->total);
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char key[PARAM_NAME_MAX + 8];
        snprintf(key, sizeof key, "adamw.%s", v->name);
        float *ref = fixture_f32(f, key, v->size);
        for (size_t k = 0; k < v->size; k++) {
            float got = p->data[v->offset + k];
            if (fabs(grad[v->offset + k]) > 1e-5 * gs)
                assert_allclose(&got, &ref[k], 1, rtol, 1e-6, key);
            else if (!(fabsf(got - ref[k]) <= 2.0f * lr + 1e-6f)) {
                print_error("%s[%zu]: %.8g vs %.8g moved more than one step\n", key, k, got, ref[k]);
                fail();
            }
        }
        free(ref);
    }
    free(grad);
}
