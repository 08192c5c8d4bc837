#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- files ------------------------------------------------------------ */

static void dir_of(const char *path, char *out, size_t n) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(out, n, ".");
    } else if (slash == path) {
        snprintf(out, n, "/");
    } else {
        snprintf(out, n, "%.*s", (int)(slash - path), path);
    }
}

static void fsync_dir(const char *path) {
    char d[RUN_PATH_MAX];
    dir_of(path, d, sizeof d);
    int fd = open(d, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse fsync on folders */
        close(fd);
    }
}

int write_file_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen) {
    static atomic_uint counter;
    char tmp[RUN_PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(w < 0 ? errno : EIO));
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    fsync_dir(path);
    return 0;
}

char *read_file_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        errno = bad ? EIO : ENOMEM;
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

int make_dirs(const char *path, char *err, size_t errlen) {
    char p[RUN_PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
        snprintf(err, errlen, "path too long: %s", path);
        return -1;
    }
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create folder %s: %s", p, strerror(errno));
                return -1;
            }
            *s = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a folder", path);
        return -1;
    }
    return 0;
}

void utc_iso8601(char *buf, size_t n, long long unix_seconds) {
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- creating a run folder ---------------------------------------------- */

/* Keeps a user label safe in a file name: letters, digits, '.', '_', '-'. */
static void sanitize(const char *in, char *out, size_t n) {
    size_t j = 0;
    for (const char *s = in; *s && j + 1 < n; s++) {
        unsigned char c = (unsigned char)*s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '-';
        out[j++] = ok ? (char)c : '-';
    }
    out[j] = 0;
    if (out[0] == '.') out[0] = '_'; /* never a hidden folder */
}

int run_create_dir(const Config *cfg, char *out, size_t n, char *err, size_t errlen) {
    const char *root = cfg->train_runs_dir && *cfg->train_runs_dir ? cfg->train_runs_dir : "runs";
    if (make_dirs(root, err, errlen) != 0) return -1;
    char arch[32], stamp[32], label[128] = "";
    config_enum_name(ARCH_VALUES, cfg->model_arch, arch, sizeof arch);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    if (cfg->train_name && *cfg->train_name) sanitize(cfg->train_name, label, sizeof label);
    for (int k = 1; k < 1000; k++) {
        char suffix[16] = "";
        if (k > 1) snprintf(suffix, sizeof suffix, "-%d", k);
        int w = snprintf(out, n, "%s/%s-%s%s%s%s", root, stamp, arch, label[0] ? "-" : "", label, suffix);
        if (w < 0 || (size_t)w >= n) {
            snprintf(err, errlen, "run folder path too long under %s", root);
            return -1;
        }
        if (mkdir(out, 0755) == 0) return 0;
        if (errno != EEXIST) {
            snprintf(err, errlen, "cannot create run folder %s: %s", out, strerror(errno));
            return -1;
        }
    }
    snprintf(err, errlen, "cannot find a free run folder name under %s", root);
    return -1;
}

/* ---- lock --------------------------------------------------------------- */

int pid_alive(long pid) {
    if (pid <= 0) return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

long run_lock_pid(const char *dir) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock", dir);
    char *text = read_file_all(path, NULL);
    if (!text) return 0;
    long pid = strtol(text, NULL, 10);
    free(text);
    return pid > 0 ? pid : 0;
}

int run_lock(const char *dir, char *err, size_t errlen) {
    char path[RUN_PATH_MAX + 16], tmp[RUN_PATH_MAX + 48], text[32];
    snprintf(path, sizeof path, "%s/lock", dir);
    snprintf(tmp, sizeof tmp, "%s/.lock.%ld", dir, (long)getpid());
    int len = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    for (int attempt = 0; attempt < 2; attempt++) {
        /* Written whole under a private name, then linked: link() fails when a
         * lock exists, so two processes never both believe they hold it. */
        if (write_file_atomic(tmp, text, (size_t)len, err, errlen) != 0) return -1;
        int r = link(tmp, path);
        int e = errno;
        unlink(tmp);
        if (r == 0) return 0;
        if (e != EEXIST) {
            snprintf(err, errlen, "cannot lock %s: %s", dir, strerror(e));
            return -1;
        }
        long holder = run_lock_pid(dir);
        if (holder == (long)getpid()) return 0;
        if (pid_alive(holder)) {
            snprintf(err, errlen, "run %s is being written by process %ld", dir, holder);
            return -1;
        }
        unlink(path); /* left by a process that died */
    }
    snprintf(err, errlen, "cannot lock %s: another process keeps taking the lock", dir);
    return -1;
}

void run_unlock(const char *dir) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock", dir);
    if (run_lock_pid(dir) == (long)getpid()) unlink(path);
}

/* ---- events.jsonl ----------------------------------------------------- */

long events_repair_tail(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    off_t size = st.st_size, keep = 0;
    char buf[4096];
    /* Scan backwards for the last newline. */
    for (off_t end = size; end > 0;) {
        off_t start = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
        ssize_t r = pread(fd, buf, (size_t)(end - start), start);
        if (r != end - start) {
            close(fd);
            return -1;
        }
        int found = 0;
        for (ssize_t i = r - 1; i >= 0; i--)
            if (buf[i] == '\n') {
                keep = start + i + 1;
                found = 1;
                break;
            }
        if (found) break;
        end = start;
    }
    long removed = (long)(size - keep);
    if (removed > 0 && (ftruncate(fd, keep) != 0 || fsync(fd) != 0)) removed = -1;
    close(fd);
    return removed;
}

int run_log_open(RunLog *log, const char *dir, long *torn_bytes, char *err, size_t errlen) {
    memset(log, 0, sizeof *log);
    snprintf(log->path, sizeof log->path, "%s/events.jsonl", dir);
    long torn = events_repair_tail(log->path);
    if (torn < 0) {
        snprintf(err, errlen, "cannot repair %s: %s", log->path, strerror(errno));
        return -1;
    }
    if (torn_bytes) *torn_bytes = torn;
    log->f = fopen(log->path, "ae");
    if (!log->f) {
        snprintf(err, errlen, "cannot open %s: %s", log->path, strerror(errno));
        return -1;
    }
    return 0;
}

int run_log_write(RunLog *log, const char *line) {
    if (!log->f) return -1;
    if (fputs(line, log->f) < 0 || fputc('\n', log->f) == EOF || fflush(log->f) != 0) return -1;
    return 0;
}

int run_log_sync(RunLog *log) {
    if (!log->f) return -1;
    fflush(log->f);
    return fsync(fileno(log->f));
}

void run_log_close(RunLog *log) {
    if (log->f) {
        fflush(log->f);
        fsync(fileno(log->f));
        fclose(log->f);
    }
    log->f = NULL;
}

/* ---- summary.json ------------------------------------------------------- */

static const struct {
    RunStatus st;
    const char *name;
} status_names[] = {
    {RUN_NEW, "new"},         {RUN_RUNNING, "running"}, {RUN_PAUSED, "paused"}, {RUN_FINISHED, "finished"},
    {RUN_STOPPED, "stopped"}, {RUN_FAILED, "failed"},   {RUN_CRASHED, "crashed"},
};

const char *run_status_text(RunStatus st) {
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (status_names[i].st == st) return status_names[i].name;
    return "unknown";
}

static RunStatus status_from_text(const char *s) {
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (s && !strcmp(status_names[i].name, s)) return status_names[i].st;
    return RUN_NEW;
}

static json_t *score_json(const RunScore *s) {
    if (!s->valid) return json_null();
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "step", (json_int_t)s->step, "epoch", s->epoch,
                     "accuracy", s->accuracy, "f1", s->f1, "f1_macro", s->f1_macro, "f1_weighted", s->f1_weighted,
                     "loss", s->loss);
}

int run_summary_save(const char *dir, const RunSummary *s, char *err, size_t errlen) {
    char updated[32];
    utc_iso8601(updated, sizeof updated, (long long)time(NULL));
    json_t *o = json_object();
    json_object_set_new(o, "run", json_string(s->run));
    json_object_set_new(o, "arch", json_string(s->arch));
    json_object_set_new(o, "status", json_string(run_status_text(s->status)));
    json_object_set_new(o, "params", json_integer(s->params));
    json_object_set_new(o, "epochs", json_integer(s->epochs));
    json_object_set_new(o, "epoch", json_real(s->epoch));
    json_object_set_new(o, "step", json_integer(s->step));
    json_object_set_new(o, "total_steps", json_integer(s->total_steps));
    json_object_set_new(o, "best", score_json(&s->best));
    json_object_set_new(o, "test", score_json(&s->test));
    json_object_set_new(o, "train_seconds", json_real(s->train_seconds));
    json_object_set_new(o, "tokens_per_s", json_real(s->tokens_per_s));
    json_object_set_new(o, "started", json_string(s->started));
    json_object_set_new(o, "updated", json_string(updated));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "dataset", json_string(s->dataset));
    if (s->reason[0]) json_object_set_new(o, "reason", json_string(s->reason));
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
    json_decref(o);
    if (!text) {
        snprintf(err, errlen, "cannot encode the summary of %s", dir);
        return -1;
    }
    size_t len = strlen(text);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *withnl = malloc(len + 2);
    memcpy(withnl, text, len);
    withnl[len] = '\n';
    free(text);
    int r = write_file_atomic(path, withnl, len + 1, err, errlen);
    free(withnl);
    return r;
}

static void get_str(json_t *o, const char *key, char *out, size_t n) {
    const char *v = json_string_value(json_object_get(o, key));
    snprintf(out, n, "%s", v ? v : "");
}

static double get_num(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* A count no long (or int) holds, such as 1e30, reads as 0: casting it would be undefined. */
static long get_long(json_t *o, const char *key) {
    double v = get_num(o, key);
    return v >= (double)LONG_MIN && v < (double)LONG_MAX ? (long)v : 0;
}

static int get_int(json_t *o, const char *key) {
    long v = get_long(o, key);
    return v >= INT_MIN && v <= INT_MAX ? (int)v : 0;
}

static void get_score(json_t *o, RunScore *s) {
    memset(s, 0, sizeof *s);
    if (!json_is_object(o)) return;
    s->valid = 1;
    s->step = get_long(o, "step");
    s->epoch = get_num(o, "epoch");
    s->accuracy = get_num(o, "accuracy");
    s->f1 = get_num(o, "f1");
    s->f1_macro = get_num(o, "f1_macro");
    s->f1_weighted = get_num(o, "f1_weighted");
    s->loss = get_num(o, "loss");
}

int run_summary_load(const char *dir, RunSummary *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        if (access(path, F_OK) != 0)
            snprintf(err, errlen, "%s: no summary.json (not a run folder?)", dir);
        else
            snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
        return -1;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen, "%s: not a JSON object", path);
        json_decref(o);
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    get_str(o, "run", s->run, sizeof s->run);
    get_str(o, "arch", s->arch, sizeof s->arch);
    get_str(o, "name", s->name, sizeof s->name);
    get_str(o, "dataset", s->dataset, sizeof s->dataset);
    get_str(o, "reason", s->reason, sizeof s->reason);
    get_str(o, "started", s->started, sizeof s->started);
    get_str(o, "updated", s->updated, sizeof s->updated);
    char status[32];
    get_str(o, "status", status, sizeof status);
    s->status = status_from_text(status);
    s->params = get_long(o, "params");
    s->epochs = get_int(o, "epochs");
    s->epoch = get_num(o, "epoch");
    s->step = get_long(o, "step");
    s->total_steps = get_long(o, "total_steps");
    get_score(json_object_get(o, "best"), &s->best);
    get_score(json_object_get(o, "test"), &s->test);
    s->train_seconds = get_num(o, "train_seconds");
    s->tokens_per_s = get_num(o, "tokens_per_s");
    s->pid = get_long(o, "pid");
    json_decref(o);
    if (!s->run[0]) {
        const char *base = strrchr(dir, '/');
        snprintf(s->run, sizeof s->run, "%s", base && base[1] ? base + 1 : dir);
    }
    if (s->status == RUN_RUNNING || s->status == RUN_PAUSED) {
        long pid = run_lock_pid(dir);
        if (!pid_alive(pid)) s->status = RUN_CRASHED;
    }
    return 0;
}

/* ---- listing and resolving ---------------------------------------------- */

static int by_time(const void *a, const void *b) {
    const RunSummary *x = a, *y = b;
    int c = strcmp(x->started, y->started);
    return c ? c : strcmp(x->run, y->run);
}

int run_list(const char *runs_dir, RunSummary **out, char *err, size_t errlen) {
    *out = NULL;
    DIR *d = opendir(runs_dir);
    if (!d) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read %s: %s", runs_dir, strerror(errno));
        return -1;
    }
    RunSummary *list = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    char sub[RUN_PATH_MAX], ignored[256];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (snprintf(sub, sizeof sub, "%s/%s", runs_dir, e->d_name) >= (int)sizeof sub) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            RunSummary *nl = realloc(list, (size_t)cap * sizeof *list);
            if (!nl) break;
            list = nl;
        }
        /* Folders without a readable summary (not runs, or being created) are skipped. */
        if (run_summary_load(sub, &list[n], ignored, sizeof ignored) == 0) {
            snprintf(list[n].run, sizeof list[n].run, "%s", e->d_name);
            n++;
        }
    }
    closedir(d);
    if (n > 1) qsort(list, (size_t)n, sizeof *list, by_time);
    if (n == 0) {
        free(list);
        list = NULL;
    }
    *out = list;
    return n;
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int looks_like_run(const char *p) {
    char f[RUN_PATH_MAX + 320];
    static const char *files[] = {"summary.json", "events.jsonl", "config.yaml"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s/%s", p, files[i]);
        if (access(f, F_OK) == 0) return 1;
    }
    return 0;
}

int run_resolve(const char *arg, const char *runs_dir, char *out, size_t n, char *err, size_t errlen) {
    if (!arg || !*arg) {
        snprintf(err, errlen, "no run given");
        return -1;
    }
    if (!runs_dir || !*runs_dir) runs_dir = "runs";
    char path[RUN_PATH_MAX];
    size_t alen = strlen(arg);
    /* Accept "runs/x/" as well as "runs/x". */
    snprintf(path, sizeof path, "%s", arg);
    while (alen > 1 && path[alen - 1] == '/') path[--alen] = 0;
    if (is_dir(path) && looks_like_run(path)) {
        snprintf(out, n, "%s", path);
        return 0;
    }
    if (!strcmp(path, "last")) {
        RunSummary *list;
        int k = run_list(runs_dir, &list, err, errlen);
        if (k < 0) return -1;
        if (k == 0) {
            snprintf(err, errlen, "no runs in %s", runs_dir);
            return -1;
        }
        snprintf(out, n, "%s", list[k - 1].dir);
        free(list);
        return 0;
    }
    if (!strchr(path, '/')) {
        char full[RUN_PATH_MAX + 256];
        snprintf(full, sizeof full, "%s/%s", runs_dir, path);
        if (is_dir(full) && looks_like_run(full)) {
            snprintf(out, n, "%s", full);
            return 0;
        }
        DIR *d = opendir(runs_dir);
        if (d) {
            struct dirent *e;
            int matches = 0;
            char first[256] = "", second[256] = "";
            while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || strncmp(e->d_name, path, alen) != 0) continue;
                snprintf(full, sizeof full, "%s/%s", runs_dir, e->d_name);
                if (!is_dir(full) || !looks_like_run(full)) continue;
                if (matches == 0) snprintf(first, sizeof first, "%s", e->d_name);
                else if (matches == 1) snprintf(second, sizeof second, "%s", e->d_name);
                matches++;
            }
            closedir(d);
            if (matches == 1) {
                snprintf(out, n, "%s/%s", runs_dir, first);
                return 0;
            }
            if (matches > 1) {
                snprintf(err, errlen, "'%s' matches %d runs in %s (%s, %s%s); give more of the name", path,
                         matches, runs_dir, first, second, matches > 2 ? ", ..." : "");
                return -1;
            }
        }
    }
    if (is_dir(path))
        snprintf(err, errlen, "%s is not a run folder (no summary.json, events.jsonl or config.yaml)", path);
    else
        snprintf(err, errlen, "no run '%s' (not a folder, and no run in %s starts with it)", path, runs_dir);
    return -1;
}
