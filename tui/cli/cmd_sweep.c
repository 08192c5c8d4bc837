/* sentui sweep SWEEP.yaml | CONFIG --grid K=V1,V2 ... | --range K=MIN:MAX[:log] --random N
 * sentui sweep resume SWEEPDIR
 * sentui sweep show SWEEPDIR [--markdown|--csv|--json]
 *
 * A new sweep is checked whole (every trial's config) before its folder is
 * made; its trials then run one after another, side by side (--parallel K,
 * the cores split between them) or, under mpirun, shared out between the
 * ranks, each trial on one rank. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "cli/sweep_run.h"
#include "cli/sweep_show.h"
#include "config/sweep_spec.h"
#include "run/dist.h"

static int usage(void) {
    fprintf(stderr, "usage: sentui sweep SWEEP.yaml [--parallel K]\n"
                    "       sentui sweep CONFIG --grid KEY=V1,V2... [--range KEY=MIN:MAX[:log] --random N]\n"
                    "       sentui sweep resume SWEEPDIR\n"
                    "       sentui sweep show SWEEPDIR [--markdown|--csv|--json]\n");
    return 2;
}

static int print_errors(ConfigErrors *errs) {
    config_errors_print(errs, stderr);
    if (errs->n > 1) fprintf(stderr, "%d errors\n", errs->n);
    config_errors_free(errs);
    return 2;
}

/* The value of a whole-number option from lo to hi; -1 absent, -2 bad (said). */
static long number_option(int argc, char **argv, const char *flag, long lo, long hi) {
    if (!cli_has_flag(argc, argv, flag)) return -1;
    const char *v = cli_flag_value(argc, argv, flag);
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || n < lo || n > hi) {
        fprintf(stderr, "sentui sweep: %s expects a whole number from %ld to %ld, found '%s'\n", flag, lo, hi,
                v ? v : "");
        return -2;
    }
    return n;
}

/* The spec from the sweep file or the config and --grid/--range, with the
 * command line's options over the file's. Returns 0, or 2 (said). */
static int read_spec(SweepSpec *s, const char *file, int argc, char **argv) {
    ConfigErrors errs = {0};
    int axes_given = cli_has_flag(argc, argv, "--grid") || cli_has_flag(argc, argv, "--range");
    if (axes_given) {
        s->config = strdup(file);
    } else if (sweep_spec_load_file(s, file, &errs)) {
        Config probe;
        ConfigSource src = {.file = file, .flags = CONFIG_NO_CHECKS};
        if (config_read(&probe, &src, NULL) == 0) {
            config_errors_free(&errs);
            fprintf(stderr, "sentui sweep: %s is a config; say what to sweep with --grid KEY=V1,V2 or "
                            "--range KEY=MIN:MAX --random N\n", file);
            config_free(&probe);
            return 2;
        }
        config_free(&probe);
        return print_errors(&errs);
    }
    int it = 0;
    const char *v;
    while (cli_flag_next(argc, argv, "--grid", &it, &v)) sweep_spec_add_grid(s, v, &errs);
    it = 0;
    while (cli_flag_next(argc, argv, "--range", &it, &v)) sweep_spec_add_range(s, v, &errs);
    if (cli_has_flag(argc, argv, "--metric"))
        sweep_spec_set_metric(s, cli_flag_value(argc, argv, "--metric") ? cli_flag_value(argc, argv, "--metric") : "",
                              "--metric", 0, 0, &errs);
    if (errs.n) return print_errors(&errs);
    long random = number_option(argc, argv, "--random", 1, SWEEP_MAX_TRIALS),
         seed = number_option(argc, argv, "--seed", 0, 2147483647),
         parallel = number_option(argc, argv, "--parallel", 1, 256);
    if (random == -2 || seed == -2 || parallel == -2) return 2;
    if (random > 0) s->random = (int)random;
    if (seed >= 0) s->seed = (uint64_t)seed;
    if (parallel > 0) s->parallel = (int)parallel;
    const char *name = cli_flag_value(argc, argv, "--name");
    if (name) {
        free(s->name);
        s->name = strdup(name);
    }
    return 0;
}

/* The base config (the spec's overrides, then --set) and each trial's, so a
 * value that only fails with the others (heads and embed_dim) stops the
 * sweep before it starts. Returns 0, or 2 (said). */
static int read_configs(const SweepSpec *s, const SweepPlan *plan, Config *base, int argc, char **argv) {
    int cap = s->n_sets + argc + SWEEP_MAX_AXES + 1, n = 0, it = 0;
    const char **sets = calloc((size_t)cap, sizeof *sets), *v;
    if (!sets) return 2;
    for (int i = 0; i < s->n_sets; i++) sets[n++] = s->sets[i];
    while (cli_flag_next(argc, argv, "--set", &it, &v)) sets[n++] = v;
    ConfigSource src = {.file = s->config, .sets = sets, .n_sets = n, .runs_dir = cli_runs_dir(cli_flag_value(argc, argv, "--dir"))};
    ConfigErrors errs = {0};
    config_read(base, &src, &errs);
    char (*trial_sets)[320] = calloc(SWEEP_MAX_AXES, sizeof *trial_sets);
    for (int t = 0; trial_sets && errs.n == 0 && t < plan->n_trials; t++) {
        for (int k = 0; k < plan->n_keys; k++) {
            snprintf(trial_sets[k], sizeof trial_sets[k], "%s=%s", plan->keys[k], sweep_plan_value(plan, t, k));
            sets[n + k] = trial_sets[k];
        }
        Config c;
        src.n_sets = n + plan->n_keys;
        config_read(&c, &src, &errs);
        config_free(&c);
        if (errs.n) fprintf(stderr, "sentui sweep: trial %d of %d cannot run:\n", t + 1, plan->n_trials);
    }
    free(trial_sets);
    free(sets);
    if (errs.n == 0) return 0;
    config_free(base);
    return print_errors(&errs);
}

/* "gru-3": the base config's file name and the first number free in runs_dir. */
static void default_name(const char *config, const char *runs_dir, char *out, size_t n) {
    const char *base = strrchr(config, '/');
    base = base ? base + 1 : config;
    size_t len = strcspn(base, ".");
    if (len == 0 || len > 40) base = "sweep", len = 5;
    for (int i = 1; i < 100000; i++) {
        char dir[RUN_PATH_MAX];
        snprintf(out, n, "%.*s-%d", (int)len, base, i);
        snprintf(dir, sizeof dir, "%s/sweep-%s", runs_dir, out);
        if (access(dir, F_OK) != 0) return;
    }
}

static void command_line(int argc, char **argv, char *out, size_t n) {
    size_t used = (size_t)snprintf(out, n, "sentui sweep");
    for (int i = 0; i < argc && used < n; i++) used += (size_t)snprintf(out + used, n - used, " %s", argv[i]);
}

/* The sweep's folder made from the command line (rank 0 only). 0, or the exit status. */
static int create_sweep(Sweep *sw, const char *file, int argc, char **argv) {
    SweepSpec spec;
    sweep_spec_init(&spec);
    SweepPlan plan = {0};
    Config base;
    ConfigErrors errs = {0};
    int rc = read_spec(&spec, file, argc, argv);
    if (!rc && sweep_spec_expand(&spec, &plan, &errs)) rc = print_errors(&errs);
    if (!rc) rc = read_configs(&spec, &plan, &base, argc, argv);
    if (rc) {
        sweep_spec_free(&spec);
        sweep_plan_free(&plan);
        return rc;
    }
    memset(sw, 0, sizeof *sw);
    if (spec.name) snprintf(sw->name, sizeof sw->name, "%s", spec.name);
    else default_name(spec.config, base.train_runs_dir, sw->name, sizeof sw->name);
    command_line(argc, argv, sw->command, sizeof sw->command);
    sw->metric = spec.metric >= 0 ? spec.metric : base.eval_metric;
    sw->parallel = spec.parallel > 0 ? spec.parallel : 1;
    sw->plan = plan;
    char err[2 * RUN_PATH_MAX], *spec_text = NULL;
    if (!cli_has_flag(argc, argv, "--grid") && !cli_has_flag(argc, argv, "--range"))
        spec_text = read_file_all(file, NULL);
    if (sweep_create(sw, base.train_runs_dir, &base, spec_text, err, sizeof err) != 0) {
        fprintf(stderr, "sentui sweep: %s\n", err);
        rc = strstr(err, "already exists") || strstr(err, "sweep name") ? 2 : 1;
        sweep_free(sw);
    }
    free(spec_text);
    config_free(&base);
    sweep_spec_free(&spec);
    return rc;
}

/* A sweep another live process is running must not be run twice at once. */
static int check_not_running(const Sweep *sw) {
    for (int t = 0; t < sw->plan.n_trials; t++) {
        const SweepTrial *tr = &sw->trials[t];
        if (tr->status == TRIAL_RUNNING && tr->pid != (long)getpid() && pid_alive(tr->pid)) {
            fprintf(stderr, "sentui sweep: %s is still running (process %ld runs trial %d)\n", sw->dir, tr->pid,
                    t + 1);
            return 2;
        }
    }
    return 0;
}

/* Every rank gets the folder rank 0 made or was given; rc (0 or the exit
 * status) is rank 0's verdict, shared so all ranks end together. */
static int share_sweep_dir(char *dir, size_t n, int rc) {
    int v = rc;
    dist_broadcast(&v, sizeof v, 0);
    if (v == 0) dist_broadcast(dir, n, 0);
    return v;
}

/* This rank's share of the unfinished trials: the j-th unfinished one goes
 * to rank j mod size, so every rank, reading the same states, agrees. */
static int my_trials(const Sweep *sw, int *todo) {
    int n = 0, j = 0;
    for (int t = 0; t < sw->plan.n_trials; t++) {
        TrialStatus st = sw->trials[t].status;
        if (st == TRIAL_DONE || st == TRIAL_FAILED) continue;
        if (j++ % dist_size() == dist_rank()) todo[n++] = t;
    }
    return n;
}

static int run_sweep(const char *dir, int parallel_flag) {
    Sweep sw;
    char err[2 * RUN_PATH_MAX];
    if (sweep_load(&sw, dir, err, sizeof err) != 0) {
        /* rank 0 made or read it: this rank does not see the same runs folder */
        fprintf(stderr, "sentui sweep: %s%s\n", err, dist_rank() > 0 ? " (the ranks must share the runs folder)" : "");
        return 2;
    }
    int *todo = calloc((size_t)sw.plan.n_trials + 1, sizeof *todo);
    int n = todo ? my_trials(&sw, todo) : 0;
    SweepRunOpts o = {.parallel = parallel_flag > 0 ? parallel_flag : sw.parallel, .rank = dist_rank()};
    /* Side by side or one of several ranks on a machine: a share of its cores each. */
    if (o.parallel > 1 || dist_size() > 1) o.threads = dist_default_threads() / o.parallel;
    if (o.parallel > 1 && o.threads < 1) o.threads = 1;
    if (dist_rank() == 0 && dist_size() == 1 && n == 0)
        printf("sweep: %s  %d trials, all finished\n", sw.dir, sw.plan.n_trials);
    else if (dist_rank() == 0)
        printf("sweep: %s  %d trials%s\n", sw.dir, sw.plan.n_trials,
               n < sw.plan.n_trials && dist_size() == 1 ? ", running the unfinished ones" : "");
    int rc = sweep_run_trials(&sw, todo, n, &o);
    free(todo);
    dist_barrier_idle();
    rc = dist_any(rc == 130) ? 130 : dist_any(rc != 0) ? 1 : 0;
    if (dist_rank() == 0) {
        Sweep fresh; /* every rank's trial states, now that all have finished */
        if (sweep_load(&fresh, dir, err, sizeof err) == 0) {
            printf("\n");
            sweep_print_table(stdout, &fresh, CMP_TEXT);
            SweepRow *rows = calloc((size_t)fresh.plan.n_trials + 1, sizeof *rows);
            if (rows) sweep_rank(&fresh, rows);
            int w = rows ? sweep_write_best(&fresh, rows, err, sizeof err) : -1;
            if (w == 0) printf("best config: %s/best.yaml\n", fresh.dir);
            else if (w < 0) fprintf(stderr, "sentui sweep: best.yaml: %s\n", err);
            free(rows);
            sweep_free(&fresh);
        }
        if (rc == 130) printf("stopped; continue with: sentui sweep resume %s\n", sw.dir);
    }
    sweep_free(&sw);
    return rc;
}

static int show(int argc, char **argv, const char *dir) {
    Sweep sw;
    char err[2 * RUN_PATH_MAX];
    if (sweep_load(&sw, dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui sweep: %s\n", err);
        return 2;
    }
    CompareFormat fmt = cli_has_flag(argc, argv, "--json")       ? CMP_JSON
                        : cli_has_flag(argc, argv, "--csv")      ? CMP_CSV
                        : cli_has_flag(argc, argv, "--markdown") ? CMP_MARKDOWN
                                                                 : CMP_TEXT;
    if (fmt == CMP_TEXT) printf("sweep %s: %d trials, from `%s`\n", sw.name, sw.plan.n_trials, sw.command);
    sweep_print_table(stdout, &sw, fmt);
    sweep_free(&sw);
    return 0;
}

/* The SWEEPDIR argument: a path, or a sweep's name ("bag-lr" or "sweep-bag-lr") in the runs folder. */
static void sweep_dir_arg(const char *arg, const char *dir_flag, char *out, size_t n) {
    if (sweep_is_dir(arg) || strchr(arg, '/')) snprintf(out, n, "%s", arg);
    else snprintf(out, n, "%s/%s%s", cli_runs_dir(dir_flag), strncmp(arg, "sweep-", 6) ? "sweep-" : "", arg);
}

int cmd_sweep(int argc, char **argv) {
    static const char *const known[] = {"--grid", "--range", "--random",   "--seed", "--metric", "--parallel",
                                        "--name", "--set",   "--dir",      "--json", "--csv",    "--markdown", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known), *first = NULL;
    int npos = cli_positional_count(argc, argv);
    if (bad) fprintf(stderr, "sentui sweep: unknown option '%s'\n", bad);
    if (bad || !cli_positional(argc, argv, 0, &first)) return usage();
    int sub = !strcmp(first, "resume") ? 1 : !strcmp(first, "show") ? 2 : 0;
    if ((sub && npos != 2) || (!sub && npos != 1)) return usage();
    long parallel = number_option(argc, argv, "--parallel", 1, 256);
    if (parallel == -2) return 2;
    char dir[RUN_PATH_MAX] = "";
    const char *arg = NULL;
    cli_positional(argc, argv, 1, &arg);
    if (sub) sweep_dir_arg(arg, cli_flag_value(argc, argv, "--dir"), dir, sizeof dir);
    if (sub == 2) return show(argc, argv, dir);
    int rc = 0;
    if (dist_rank() == 0) {
        Sweep sw;
        if (sub == 0) {
            rc = create_sweep(&sw, first, argc, argv);
            if (!rc) snprintf(dir, sizeof dir, "%s", sw.dir);
        } else {
            char err[2 * RUN_PATH_MAX];
            rc = sweep_load(&sw, dir, err, sizeof err) ? (fprintf(stderr, "sentui sweep: %s\n", err), 2) : 0;
            if (!rc) {
                rc = check_not_running(&sw);
                sweep_free(&sw);
            }
            sub = -1; /* loaded and freed */
        }
        if (sub == 0 && !rc) sweep_free(&sw);
    }
    rc = share_sweep_dir(dir, sizeof dir, rc);
    return rc ? rc : run_sweep(dir, (int)parallel);
}
