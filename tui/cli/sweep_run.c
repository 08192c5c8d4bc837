/* The trial processes of a sweep (see sweep_run.h): started with fork and
 * exec of this sentui, their output read through a pipe, prefixed and
 * passed on, and the run folder they announce ("run: DIR") recorded. */
#include "cli/sweep_run.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { MAX_ARGS = SWEEP_MAX_AXES + 16, ARG_BYTES = RUN_PATH_MAX + 64, LINE_MAX_BYTES = 4096 };

typedef struct Job {
    int trial;
    pid_t pid;
    int fd;
    size_t len;
    char line[LINE_MAX_BYTES];
    char last[200]; /* its last line: the reason when it fails */
} Job;

static volatile sig_atomic_t g_stop;

static void on_stop(int sig) {
    (void)sig;
    g_stop = 1;
}

/* The environment without an MPI launcher's variables: a trial started by a
 * rank of an MPI job is a single process of its own, not a rank. */
static char **trial_environment(void) {
    size_t n = 0;
    while (environ[n]) n++;
    char **env = calloc(n + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && i < n; i++)
        if (strncmp(environ[i], "OMPI_", 5) && strncmp(environ[i], "PMI_", 4) && strncmp(environ[i], "PMIX_", 5))
            env[k++] = environ[i];
    return env;
}

/* A trial whose run folder was made but not yet recorded when its sweep was
 * killed: found by the trial's name in the runs folder (the newest). */
static void find_unrecorded_run(Sweep *sw, int t) {
    char runs[RUN_PATH_MAX], name[192], err[512];
    sweep_runs_dir(sw, runs, sizeof runs);
    sweep_trial_name(sw, t, name, sizeof name);
    RunSummary *list = NULL;
    int n = run_list(runs, &list, err, sizeof err);
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i].name, name)) snprintf(sw->trials[t].run, sizeof sw->trials[t].run, "%s", list[i].run);
    free(list);
}

static void add(char **argv, int *argc, char *s) {
    if (*argc < MAX_ARGS - 1) argv[(*argc)++] = s;
}

/* The child's arguments (strings in store): `resume RUN` for a trial with a
 * run folder, else `train base.yaml --set ...`. */
static void trial_argv(const Sweep *sw, int t, const SweepRunOpts *o, char **argv, char store[][ARG_BYTES]) {
    static char self[] = "sentui";
    int argc = 0, s = 0;
    char dir[RUN_PATH_MAX], runs[RUN_PATH_MAX], name[192];
    add(argv, &argc, self);
    sweep_trial_dir(sw, t, dir, sizeof dir);
    char summary[RUN_PATH_MAX + 16];
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    if (dir[0] && access(summary, F_OK) == 0) {
        snprintf(store[s], ARG_BYTES, "resume");
        add(argv, &argc, store[s++]);
        snprintf(store[s], ARG_BYTES, "%s", dir);
        add(argv, &argc, store[s++]);
        argv[argc] = NULL;
        return;
    }
    sweep_runs_dir(sw, runs, sizeof runs);
    sweep_trial_name(sw, t, name, sizeof name);
    snprintf(store[s], ARG_BYTES, "train");
    add(argv, &argc, store[s++]);
    snprintf(store[s], ARG_BYTES, "%s/base.yaml", sw->dir);
    add(argv, &argc, store[s++]);
    int threads_swept = 0;
    for (int k = 0; k < sw->plan.n_keys; k++) {
        threads_swept |= !strcmp(sw->plan.keys[k], "train.threads");
        snprintf(store[s], ARG_BYTES, "--set=%s=%s", sw->plan.keys[k], sweep_plan_value(&sw->plan, t, k));
        add(argv, &argc, store[s++]);
    }
    snprintf(store[s], ARG_BYTES, "--set=train.runs_dir=%s", runs);
    add(argv, &argc, store[s++]);
    snprintf(store[s], ARG_BYTES, "--set=train.name=%s", name);
    add(argv, &argc, store[s++]);
    if (o->threads > 0 && !threads_swept) {
        snprintf(store[s], ARG_BYTES, "--set=train.threads=%d", o->threads);
        add(argv, &argc, store[s++]);
    }
    argv[argc] = NULL;
}

static void save_state(Sweep *sw, int t) {
    char err[512];
    if (sweep_trial_save(sw, t, err, sizeof err) != 0) fprintf(stderr, "sentui sweep: %s\n", err);
}

/* A trial whose run finished after its sweep was killed, before the sweep
 * could record it: done, with nothing left to run. */
static int finished_unrecorded(Sweep *sw, int t) {
    char dir[RUN_PATH_MAX], err[RUN_PATH_MAX + 64];
    RunSummary s;
    sweep_trial_dir(sw, t, dir, sizeof dir);
    if (!dir[0] || run_summary_load(dir, &s, err, sizeof err) != 0 || s.status != RUN_FINISHED) return 0;
    sw->trials[t].status = TRIAL_DONE;
    save_state(sw, t);
    printf("[t%d] done (its run had finished)\n", t + 1);
    return 1;
}

/* 0 started, 1 nothing to run, -1 could not start. */
static int start_job(Sweep *sw, int t, const SweepRunOpts *o, Job *j) {
    char *argv[MAX_ARGS], store[MAX_ARGS][ARG_BYTES], self[RUN_PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) return -1;
    self[sl] = 0;
    if (!sw->trials[t].run[0]) find_unrecorded_run(sw, t);
    if (finished_unrecorded(sw, t)) return 1;
    trial_argv(sw, t, o, argv, store);
    char **env = trial_environment();
    int fds[2];
    if (!env || pipe(fds) != 0) {
        free(env);
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The sweep's death stops the trial the way Ctrl-C does: it saves. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(130);
        /* Its own process group: Ctrl-C reaches the sweep alone, which passes one SIGTERM on
           (a second signal would make the trial abort instead of saving). */
        setpgid(0, 0);
        /* Output to a sweep that has died must not kill the trial while it saves. */
        signal(SIGPIPE, SIG_IGN);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execve(self, argv, env);
        _exit(127);
    }
    free(env);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    *j = (Job){.trial = t, .pid = pid, .fd = fds[0]};
    SweepTrial *tr = &sw->trials[t];
    tr->status = TRIAL_RUNNING;
    tr->pid = (long)parent;
    tr->rank = o->rank;
    tr->reason[0] = 0;
    save_state(sw, t);
    printf("[t%d] %s", t + 1, argv[1]);
    for (int k = 0; k < sw->plan.n_keys; k++)
        printf("  %s=%s", sw->plan.keys[k], sweep_plan_value(&sw->plan, t, k));
    printf("%s\n", !strcmp(argv[1], "resume") ? "  (continuing its run)" : "");
    fflush(stdout);
    return 0;
}

/* One line of a trial's output: passed on with the trial's number; the run
 * folder it announces is recorded. */
static void trial_line(Sweep *sw, Job *j) {
    j->line[j->len] = 0;
    const char *run = !strncmp(j->line, "run: ", 5) ? j->line + 5 : NULL;
    if (run && !sw->trials[j->trial].run[0]) {
        const char *base = strrchr(run, '/');
        snprintf(sw->trials[j->trial].run, sizeof sw->trials[j->trial].run, "%s", base ? base + 1 : run);
        save_state(sw, j->trial);
    }
    printf("[t%d] %s\n", j->trial + 1, j->line);
    fflush(stdout);
    snprintf(j->last, sizeof j->last, "%.*s", (int)sizeof j->last - 1, j->line);
    j->len = 0;
}

/* Reads what the child wrote; 0 at its end. */
static int drain(Sweep *sw, Job *j) {
    char buf[4096];
    ssize_t r = read(j->fd, buf, sizeof buf);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
    for (ssize_t i = 0; i < r; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            if (j->len) trial_line(sw, j);
        } else {
            j->line[j->len++] = buf[i];
            if (j->len == sizeof j->line - 1) trial_line(sw, j);
        }
    }
    if (r > 0) return 1;
    if (j->len) trial_line(sw, j);
    return 0;
}

/* The child has ended: its exit status becomes the trial's state. Returns
 * the status's share of the sweep's: 0 done, 1 failed, 130 stopped. */
static int finish_job(Sweep *sw, Job *j) {
    int st = 0;
    while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR) {}
    close(j->fd);
    SweepTrial *tr = &sw->trials[j->trial];
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    int rc = 0;
    if (code == 0) {
        tr->status = TRIAL_DONE;
    } else if (code == 130 || code == 128 + SIGINT || code == 128 + SIGTERM) {
        tr->status = TRIAL_PENDING; /* stopped and saved: resume continues it */
        rc = 130;
    } else {
        tr->status = TRIAL_FAILED;
        snprintf(tr->reason, sizeof tr->reason, "exit status %d: %s", code, j->last[0] ? j->last : "no output");
        /* on stderr too: a rank other than 0 prints nothing else */
        fprintf(stderr, "sentui sweep: trial %d failed (%s)\n", j->trial + 1, tr->reason);
        rc = 1;
    }
    save_state(sw, j->trial);
    printf("[t%d] %s\n", j->trial + 1, sweep_status_text(tr->status));
    fflush(stdout);
    return rc;
}

static int worse(int a, int b) { return a == 130 || b == 130 ? 130 : a > b ? a : b; }

int sweep_run_trials(Sweep *sw, const int *todo, int n, const SweepRunOpts *o) {
    int parallel = o->parallel > 0 ? o->parallel : 1;
    Job *jobs = calloc((size_t)parallel, sizeof *jobs);
    if (!jobs) return 1;
    struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    g_stop = 0;
    int active = 0, next = 0, rc = 0, forwarded = 0;
    while (active > 0 || (next < n && !g_stop)) {
        while (!g_stop && active < parallel && next < n) {
            int started = start_job(sw, todo[next], o, &jobs[active]);
            if (started == 0) active++;
            else if (started < 0) rc = worse(rc, 1), fprintf(stderr, "sentui sweep: cannot start trial %d\n", todo[next] + 1);
            next++;
        }
        if (g_stop && !forwarded) {
            /* The trials, in their own process groups, hear of Ctrl-C or SIGTERM from the sweep alone. */
            for (int i = 0; i < active; i++) kill(jobs[i].pid, SIGTERM);
            forwarded = 1;
        }
        struct pollfd pf[256];
        for (int i = 0; i < active; i++) pf[i] = (struct pollfd){.fd = jobs[i].fd, .events = POLLIN};
        if (poll(pf, (nfds_t)active, 500) <= 0) continue;
        for (int i = 0; i < active; i++) {
            if (!pf[i].revents || drain(sw, &jobs[i])) continue;
            rc = worse(rc, finish_job(sw, &jobs[i]));
            jobs[i--] = jobs[--active];
            break;
        }
    }
    if (g_stop) rc = 130;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(jobs);
    return rc;
}
