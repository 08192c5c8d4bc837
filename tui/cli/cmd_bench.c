/* `sentui bench`: training and evaluation throughput of each architecture on
 * real IMDb batches, next to the single-precision GEMM rate OpenBLAS reaches
 * on this machine for the same shapes, measured in the same run. Each
 * configuration runs in its own child process so its peak memory is its own
 * and one crash cannot take the report down. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/bench_tui.h"
#include "cli/cli_args.h"
#include "cli/cli_paths.h"
#include "cli/commands.h"
#include "config/config.h"
#include "data/data.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/batcher.h"
#include "run/train_step.h"
#include "kernels/tensor.h"

typedef struct BenchOpts {
    int steps, reps, threads, json, eval_batch, tui;
    const char *configs[32];
    int n_configs;
    const char *sets[32];
    int n_sets;
} BenchOpts;

typedef struct BenchResult {
    char config[128], arch[16];
    long params;
    int threads, batch, max_len;
    double step_ms, step_ms_min, step_ms_max;
    double train_tokens_per_s, train_reviews_per_s, eval_reviews_per_s, eval_min, eval_max;
    double gflops, gemm_gflops, pct_peak, abs_peak_gflops, pct_abs_peak, rss_mb;
    double padded_share; /* share of padded positions in the batches measured */
    char error[600];
} BenchResult;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* GFLOP/s of one GEMM shape, median of a few timed calls. */
static double gemm_rate(int M, int N, int K) {
    float *A = calloc((size_t)M * K, sizeof(float)), *B = calloc((size_t)K * N, sizeof(float)),
          *C = calloc((size_t)M * N, sizeof(float));
    for (size_t i = 0; i < (size_t)M * K; i++) A[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)K * N; i++) B[i] = (float)(i % 5) * 0.1f;
    double flop = 2.0 * M * N * K, t[7];
    int inner = (int)fmax(1, 2e8 / flop);
    gemm(0, 1, M, N, K, 1, A, K, B, K, 0, C, N);
    for (int r = 0; r < 7; r++) {
        double t0 = now_seconds();
        for (int i = 0; i < inner; i++) gemm(0, 1, M, N, K, 1, A, K, B, K, 0, C, N);
        t[r] = (now_seconds() - t0) / inner;
    }
    free(A);
    free(B);
    free(C);
    return flop / median(t, 7) * 1e-9;
}

typedef struct GemmShape { int M, N, K; double w; } GemmShape;

/* The GEMM rate a model's step could reach: the dominant shapes of its step,
 * weighted by their FLOPs (a harmonic mean, as times add up). */
static double model_gemm_peak(const Config *c) {
    int B = c->train_batch_size, T = c->data_max_len, E = c->model_embed_dim, H = c->model_hidden_dim;
    GemmShape s[4];
    int n = 0;
    if (c->model_arch == ARCH_TRANSFORMER) {
        int F = c->model_ff_dim;
        s[n++] = (GemmShape){B * T, 3 * E, E, 3.0 * E * E};
        s[n++] = (GemmShape){B * T, F, E, 2.0 * E * F};
        s[n++] = (GemmShape){T, T, E / c->model_heads, 2.0 * T * E};
    } else if (c->model_arch == ARCH_BAG) {
        s[n++] = (GemmShape){B, NUM_CLASSES, E, 1};
    } else {
        int G = c->model_arch == ARCH_RNN ? 1 : c->model_arch == ARCH_LSTM ? 4 : 3;
        s[n++] = (GemmShape){B * T, G * H, E, (double)E};
        s[n++] = (GemmShape){B, G * H, H, (double)H};
    }
    double wsum = 0, tsum = 0;
    for (int i = 0; i < n; i++) {
        wsum += s[i].w;
        tsum += s[i].w / gemm_rate(s[i].M, s[i].N, s[i].K);
    }
    return wsum / tsum;
}

static int load_config(const BenchOpts *o, const char *path, Config *c) {
    ConfigErrors errs = {0};
    int rc = config_read(c, &(ConfigSource){.file = path, .sets = o->sets, .n_sets = o->n_sets}, &errs);
    if (rc) config_errors_print(&errs, stderr);
    if (rc) config_free(c);
    config_errors_free(&errs);
    return rc ? -1 : 0;
}

/* What one configuration's benchmark works on: the model, optimizer and
 * batches a training run of that configuration would have. */
typedef struct BenchRun {
    Config c;
    Dataset d;
    Model *m;
    Optimizer opt;
    Batcher batch;
    EpochOrder order;
    int config_ok, data_ok, opt_ok;
} BenchRun;

static int bench_open(const BenchOpts *o, const char *path, BenchRun *b, BenchResult *r) {
    memset(b, 0, sizeof *b);
    if (load_config(o, path, &b->c) != 0) {
        snprintf(r->error, sizeof r->error, "config errors");
        return -1;
    }
    b->config_ok = 1;
    if (o->threads > 0) b->c.train_threads = o->threads;
    compute_set_threads(b->c.train_threads);
    r->threads = compute_threads();
    char buf[64], err[512] = "";
    snprintf(r->arch, sizeof r->arch, "%s", config_enum_name(ARCH_VALUES, b->c.model_arch, buf, sizeof buf));
    DataPaths paths = cli_data_paths();
    if (b->c.train_objective == OBJECTIVE_MLM) {
        snprintf(r->error, sizeof r->error, "bench measures classifiers; a pretraining (train.objective mlm) shows its "
                                            "tokens/s in its own steps");
        return -1;
    }
    if (dataset_load(&b->c, &paths, &b->d, err, sizeof err) != 0) {
        snprintf(r->error, sizeof r->error, "%s", err);
        return -1;
    }
    b->data_ok = 1;
    int B = b->c.train_batch_size, T = b->d.train.T, EB = o->eval_batch;
    /* Training batches gather B rows: buffers hold the larger of the two batch sizes. */
    int rows = B > EB ? B : EB;
    r->batch = B;
    r->max_len = T;
    b->m = model_create(&b->c, b->d.vocab.n, rows, T, err, sizeof err);
    if (!b->m) {
        snprintf(r->error, sizeof r->error, "%s", err);
        return -1;
    }
    model_init(b->m, 1);
    r->params = (long)model_param_count(b->m);
    b->opt_ok = optim_init(&b->opt, &b->m->params, &b->c) == 0;
    if (!b->opt_ok || batcher_init(&b->batch, rows, T, b->c.model_lab_compat) != 0 ||
        epoch_order_init(&b->order, b->d.train.n, B) != 0) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return -1;
    }
    /* Real batches: the first epoch of a run of this configuration. */
    epoch_order_make(&b->order, &b->d.train, (uint64_t)b->c.train_seed, 0);
    return 0;
}

static void bench_close(BenchRun *b) {
    epoch_order_free(&b->order);
    batcher_free(&b->batch);
    if (b->opt_ok) optim_free(&b->opt);
    model_free(b->m);
    if (b->data_ok) dataset_free(&b->d);
    if (b->config_ok) config_free(&b->c);
}

/* Training: the trainer's own step (learning-rate schedule, dropout seeds,
 * clipping) on the epoch's batches in turn, o->reps timed stretches of
 * o->steps steps after a warm-up of two. */
static void bench_train(const BenchOpts *o, BenchRun *b, BenchResult *r) {
    long real_tokens = 0, all_tokens = 0, rows = 0, step = 0;
    long total = (long)b->order.n_batches * b->c.train_epochs;
    double times[64];
    int reps = o->reps > 64 ? 64 : o->reps;
    for (int rep = -1; rep < reps; rep++) { /* rep -1 warms up */
        int steps = rep < 0 ? 2 : o->steps;
        double t0 = now_seconds();
        for (int s = 0; s < steps; s++, step++) {
            int k = (int)(step % b->order.n_batches), at = b->order.batch_start[k];
            Batch batch = batcher_gather(&b->batch, &b->d.train, b->order.order + at, b->order.batch_start[k + 1] - at);
            for (int i = 0; i < batch.B; i++) real_tokens += batch.lengths[i];
            all_tokens += (long)batch.B * batch.T;
            rows += batch.B;
            StepResult res;
            train_step_run(b->m, &b->opt, &b->c, &batch, step, total, &res);
        }
        if (rep >= 0) times[rep] = (now_seconds() - t0) / steps;
    }
    r->step_ms_min = 1e30;
    for (int i = 0; i < reps; i++) {
        r->step_ms_min = fmin(r->step_ms_min, times[i] * 1e3);
        r->step_ms_max = fmax(r->step_ms_max, times[i] * 1e3);
    }
    double t = median(times, reps), B = r->batch, T = r->max_len, rows_per_step = (double)rows / (double)step;
    r->step_ms = t * 1e3;
    r->train_tokens_per_s = B * T / t;
    r->train_reviews_per_s = B / t;
    r->padded_share = 1.0 - (double)real_tokens / (double)all_tokens;
    /* Training FLOPs are about three forward passes (forward, and backward's two products). */
    /* Lab mode feeds the padding through the model, so every position is work done. */
    double real_T = b->c.model_lab_compat ? T : (double)real_tokens / (double)rows;
    r->gflops = 3.0 * model_flops_per_token(b->m, (int)real_T) * rows_per_step * real_T / t * 1e-9;
}

/* Evaluation: whole batches of o->eval_batch test reviews (at most eight)
 * through the evaluation loop `eval` and validation use. */
static void bench_eval(const BenchOpts *o, BenchRun *b, BenchResult *r) {
    int EB = o->eval_batch, ne = b->d.test.n < EB * 8 ? b->d.test.n : EB * 8, n = ne / EB * EB;
    int reps = o->reps > 64 ? 64 : o->reps;
    int32_t *order = malloc(((size_t)n + 1) * sizeof *order);
    if (!order) return;
    for (int i = 0; i < n; i++) order[i] = i;
    double et[64];
    Metrics m;
    for (int rep = -1; rep < reps; rep++) {
        double t0 = now_seconds();
        if (n > 0) batcher_evaluate(&b->batch, b->m, &b->d.test, order, n, EB, &m);
        if (rep >= 0) et[rep] = now_seconds() - t0;
        if (rep < 0 && ne < EB) break;
    }
    free(order);
    if (ne < EB) return;
    r->eval_min = 1e30;
    for (int i = 0; i < reps; i++) {
        r->eval_min = fmin(r->eval_min, n / et[i]);
        r->eval_max = fmax(r->eval_max, n / et[i]);
    }
    r->eval_reviews_per_s = n / median(et, reps);
}

static void bench_one(const BenchOpts *o, const char *path, BenchResult *r) {
    snprintf(r->config, sizeof r->config, "%s", path);
    BenchRun b;
    if (bench_open(o, path, &b, r) == 0) {
        bench_train(o, &b, r);
        bench_eval(o, &b, r);
        r->gemm_gflops = model_gemm_peak(&b.c);
        r->pct_peak = 100.0 * r->gflops / r->gemm_gflops;
    }
    bench_close(&b);
}

/* The machine's own ceiling: OpenBLAS sgemm on large square matrices at the
 * bench's thread count. Model rates are read against this absolute figure as
 * well as against the model's own shapes, where fused kernels pass 100 %. */
static void bench_peak(const BenchOpts *o, BenchResult *r) {
    static const int sizes[] = {1024, 2048};
    if (o->threads > 0) compute_set_threads(o->threads);
    r->threads = compute_threads();
    snprintf(r->config, sizeof r->config, "sgemm peak");
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        r->abs_peak_gflops = fmax(r->abs_peak_gflops, gemm_rate(sizes[i], sizes[i], sizes[i]));
}

/* Child: bench one config (or the peak, path NULL), write the result struct to the pipe. */
static int run_child(const BenchOpts *o, const char *path, BenchResult *r) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        BenchResult mine;
        memset(&mine, 0, sizeof mine);
        if (path) bench_one(o, path, &mine);
        else bench_peak(o, &mine);
        ssize_t w = write(fds[1], &mine, sizeof mine);
        _exit(w == (ssize_t)sizeof mine ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = 0, k;
    while (got < (ssize_t)sizeof *r && (k = read(fds[0], (char *)r + got, sizeof *r - (size_t)got)) > 0) got += k;
    close(fds[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    if (got != (ssize_t)sizeof *r) {
        memset(r, 0, sizeof *r);
        snprintf(r->config, sizeof r->config, "%s", path ? path : "sgemm peak");
        snprintf(r->error, sizeof r->error, "benchmark process died (status %d)", status);
    }
    r->rss_mb = ru.ru_maxrss / 1024.0;
    return 0;
}

static void print_table(const BenchResult *r, int n, double peak) {
    printf("%-28s %-11s %9s %3s %11s %13s %9s %13s %7s %6s %6s %7s\n", "config", "arch", "params", "thr",
           "train tok/s", "(min-max)", "eval rev/s", "(min-max)", "GFLOP/s", "%peak", "%GEMM", "RSS MB");
    for (int i = 0; i < n; i++) {
        if (r[i].error[0]) {
            printf("%-28s error: %s\n", r[i].config, r[i].error);
            continue;
        }
        char tsp[32], esp[32];
        double B = (double)r[i].batch * r[i].max_len;
        snprintf(tsp, sizeof tsp, "%.0fk-%.0fk", B / r[i].step_ms_max, B / r[i].step_ms_min);
        snprintf(esp, sizeof esp, "%.0f-%.0f", r[i].eval_min, r[i].eval_max);
        printf("%-28s %-11s %9ld %3d %11.0f %13s %9.0f %13s %7.1f %5.0f%% %5.0f%% %7.0f\n", r[i].config, r[i].arch,
               r[i].params, r[i].threads, r[i].train_tokens_per_s, tsp, r[i].eval_reviews_per_s, esp, r[i].gflops,
               r[i].pct_abs_peak, r[i].pct_peak, r[i].rss_mb);
    }
    printf("\nMachine peak: %.1f GFLOP/s (OpenBLAS sgemm, large square matrices, same thread count).\n"
           "tok/s counts padded positions (batch x max_len), as the lab's loop processed them. Rates are\n"
           "medians of the repetitions after a warm-up, with the slowest and fastest repetition beside them.\n"
           "%%peak is the model's GFLOP/s against the machine peak; %%GEMM against OpenBLAS on the model's\n"
           "own dominant shapes (fused kernels can pass 100 %% there).\n",
           peak);
}

static int print_json(const BenchResult *r) {
    json_t *o;
    if (r->error[0]) {
        o = json_pack("{s:s, s:s}", "config", r->config, "error", r->error);
    } else {
        double B = (double)r->batch * r->max_len;
        o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:i, s:i, s:f, s:[f,f], s:f, s:[f,f], s:f, s:f, s:[f,f], s:f,"
                      " s:f, s:f, s:f, s:f, s:f, s:f, s:f}",
                      "config", r->config, "arch", r->arch, "impl", "sentui", "params", (json_int_t)r->params,
                      "threads", r->threads, "batch", r->batch, "max_len", r->max_len, "step_ms", r->step_ms,
                      "step_ms_spread", r->step_ms_min, r->step_ms_max, "train_tokens_per_s",
                      r->train_tokens_per_s, "train_tokens_per_s_spread", B / r->step_ms_max * 1e3,
                      B / r->step_ms_min * 1e3, "train_reviews_per_s", r->train_reviews_per_s,
                      "eval_reviews_per_s", r->eval_reviews_per_s, "eval_reviews_per_s_spread", r->eval_min,
                      r->eval_max, "eval_test_seconds",
                      r->eval_reviews_per_s > 0 ? 25000 / r->eval_reviews_per_s : 0.0, "gflops", r->gflops,
                      "gemm_gflops", r->gemm_gflops, "pct_peak", r->pct_peak, "machine_peak_gflops",
                      r->abs_peak_gflops, "pct_machine_peak", r->pct_abs_peak, "peak_rss_mb", r->rss_mb,
                      "padded_share", r->padded_share);
    }
    if (!o) return -1;
    int rc = json_dumpf(o, stdout, JSON_COMPACT);
    json_decref(o);
    putchar('\n');
    fflush(stdout);
    return rc;
}

static const char *default_configs[] = {"configs/lab/rnn.yaml", "configs/lab/lstm.yaml", "configs/lab/gru.yaml",
                                        "configs/lab/transformer.yaml", NULL};

static const char *const bench_flags[] = {"--json", "--tui", "--steps", "--reps", "--threads", "--eval-batch", "--set",
                                           NULL};

/* A number flag: absent leaves *out as it is; given without a value is an error. */
static int int_flag(int argc, char **argv, const char *flag, int *out) {
    if (!cli_has_flag(argc, argv, flag)) return 0;
    const char *v = cli_flag_value(argc, argv, flag);
    if (!v) return -1;
    *out = atoi(v);
    return 0;
}

static int parse_opts(int argc, char **argv, BenchOpts *o) {
    if (cli_unknown_flag(argc, argv, bench_flags)) return -1;
    o->json = cli_has_flag(argc, argv, "--json");
    o->tui = cli_has_flag(argc, argv, "--tui");
    if (int_flag(argc, argv, "--steps", &o->steps) || int_flag(argc, argv, "--reps", &o->reps) ||
        int_flag(argc, argv, "--threads", &o->threads) || int_flag(argc, argv, "--eval-batch", &o->eval_batch))
        return -1;
    int it = 0;
    const char *v;
    while (cli_flag_next(argc, argv, "--set", &it, &v)) {
        if (!v || o->n_sets >= 32) return -1;
        o->sets[o->n_sets++] = v;
    }
    int n = cli_positional_count(argc, argv);
    if (n > 32) return -1;
    for (int i = 0; i < n; i++) cli_positional(argc, argv, i, &o->configs[i]);
    o->n_configs = n;
    return 0;
}

int cmd_bench(int argc, char **argv) {
    BenchOpts o = {.steps = 10, .reps = 5, .threads = 0, .eval_batch = 256};
    if (parse_opts(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: sentui bench [CONFIG...] [--json] [--steps N] [--reps N] [--threads N]\n"
                        "       sentui bench --tui [CONFIG] [--set k=v]...   (cost of watching a run)\n"
                        "                    [--eval-batch N] [--set k=v]...\n");
        return 2;
    }
    if (o.steps < 1 || o.reps < 1 || o.eval_batch < 1) {
        fprintf(stderr, "sentui bench: --steps, --reps and --eval-batch must be positive\n");
        return 2;
    }
    if (o.tui) {
        Config c;
        if (load_config(&o, o.n_configs ? o.configs[0] : "configs/synthetic/lstm.yaml", &c) != 0) return 2;
        if (o.threads > 0) c.train_threads = o.threads;
        int rc = bench_tui_overhead(&c, o.json);
        config_free(&c);
        return rc;
    }
    if (!o.n_configs)
        for (int i = 0; default_configs[i]; i++)
            if (access(default_configs[i], R_OK) == 0) o.configs[o.n_configs++] = default_configs[i];
    BenchResult res[32];
    memset(res, 0, sizeof res);
    if (!o.json) {
        int t = o.threads > 0 ? o.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
        printf("sentui bench: %d steps x %d repetitions per config, %d threads, eval batch %d\n\n", o.steps, o.reps,
               t, o.eval_batch);
    }
    BenchResult peak;
    memset(&peak, 0, sizeof peak);
    run_child(&o, NULL, &peak);
    int failed = peak.error[0] != 0;
    for (int i = 0; i < o.n_configs; i++) {
        run_child(&o, o.configs[i], &res[i]);
        res[i].abs_peak_gflops = peak.abs_peak_gflops;
        res[i].pct_abs_peak = peak.abs_peak_gflops > 0 ? 100.0 * res[i].gflops / peak.abs_peak_gflops : 0;
        failed |= res[i].error[0] != 0;
        if (o.json) print_json(&res[i]);
    }
    if (!o.json) print_table(res, o.n_configs, peak.abs_peak_gflops);
    return failed ? 1 : 0;
}
