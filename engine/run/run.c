#include "run/run.h"
#include "common/safe_open.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
    int fd = safe_open_write(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, NULL, 0);
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
    FILE *f = safe_fopen_read(path, 0, NULL, 0);
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

/* ---- lock ---------------------------------------------------------------- */

/* The lock file reads
 *     <pid>\nhost <hostname>\nstart <start time of pid, in clock ticks after boot>\n
 * A pid alone proves little: pids are reused, and a run folder on a shared
 * file system may be written from another machine, where our kill(pid, 0)
 * means nothing. The host and the start time tell a live writer from an
 * unrelated process that happens to have the same pid. Old locks hold the pid
 * line alone and are judged by it. */

int pid_alive(long pid) {
    if (pid <= 0) return 0;
    return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

unsigned long long pid_start_time(long pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    /* Field 2 is the command name in parentheses and may hold spaces or ')';
     * the fields after the last ')' start at field 3, so starttime (22) is the 20th. */
    const char *p = strrchr(buf, ')');
    if (!p) return 0;
    p++;
    for (int field = 3; field < 22; field++) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') p++;
    }
    return strtoull(p, NULL, 10);
}

static void this_host(char *out, size_t n) {
    if (gethostname(out, n) != 0) out[0] = 0;
    out[n - 1] = 0;
    out[strcspn(out, " \t\n")] = 0; /* one word, as the lock file stores it */
    if (!out[0]) snprintf(out, n, "unknown");
}

RunLockState run_lock_read(const char *dir, RunLockInfo *info) {
    memset(info, 0, sizeof *info);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock", dir);
    char *text = read_file_all(path, NULL);
    if (!text) return info->state = LOCK_NONE;
    info->pid = strtol(text, NULL, 10);
    for (char *line = strchr(text, '\n'); line; line = strchr(line, '\n')) {
        line++;
        if (!strncmp(line, "host ", 5)) sscanf(line + 5, "%255s", info->host);
        else if (!strncmp(line, "start ", 6)) info->start = strtoull(line + 6, NULL, 10);
    }
    free(text);
    char me[256];
    this_host(me, sizeof me);
    if (info->host[0] && strcmp(info->host, me) != 0) return info->state = LOCK_OTHER_HOST;
    if (!pid_alive(info->pid)) return info->state = LOCK_STALE;
    /* Same pid, different start time: the writer died and its pid was reused. */
    if (info->start && pid_start_time(info->pid) != info->start) return info->state = LOCK_STALE;
    return info->state = LOCK_HELD;
}

long run_lock_pid(const char *dir) {
    RunLockInfo info;
    run_lock_read(dir, &info);
    return info.pid > 0 ? info.pid : 0;
}

/* Is the lock ours (this process on this host)? */
static int lock_is_mine(const RunLockInfo *info) {
    return info->state == LOCK_HELD && info->pid == (long)getpid();
}

int run_lock(const char *dir, char *err, size_t errlen) {
    char path[RUN_PATH_MAX + 16], tmp[RUN_PATH_MAX + 48], text[400], host[256];
    snprintf(path, sizeof path, "%s/lock", dir);
    snprintf(tmp, sizeof tmp, "%s/.lock.%ld", dir, (long)getpid());
    this_host(host, sizeof host);
    int len = snprintf(text, sizeof text, "%ld\nhost %s\nstart %llu\n", (long)getpid(), host,
                       pid_start_time((long)getpid()));
    for (int attempt = 0; attempt < 2; attempt++) {
        /* Written whole under a private name, then linked: link() fails when a
         * lock exists, so two processes never both believe they hold it. */
        if (write_file_atomic(tmp, text, (size_t)len, err, errlen) != 0) return -1;
        int r = link(tmp, path);
        int e = errno;
        unlink(tmp);
        if (r == 0) {
            run_clean_stale_tmp(dir);
            return 0;
        }
        if (e != EEXIST) {
            snprintf(err, errlen, "cannot lock %s: %s", dir, strerror(e));
            return -1;
        }
        RunLockInfo info;
        RunLockState st = run_lock_read(dir, &info);
        if (lock_is_mine(&info)) return 0;
        if (st == LOCK_HELD) {
            snprintf(err, errlen,
                     "run %s is being written by process %ld; stop that process first (if it is not sentui, "
                     "delete %s to clear the lock)",
                     dir, info.pid, path);
            return -1;
        }
        if (st == LOCK_OTHER_HOST) {
            snprintf(err, errlen,
                     "run %s is locked by process %ld on host %s; if no sentui runs there any more, delete %s",
                     dir, info.pid, info.host, path);
            return -1;
        }
        unlink(path); /* left by a process that died (LOCK_STALE), or vanished meanwhile */
    }
    snprintf(err, errlen, "cannot lock %s: another process keeps taking the lock", dir);
    return -1;
}

void run_unlock(const char *dir) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/lock", dir);
    RunLockInfo info;
    run_lock_read(dir, &info);
    if (lock_is_mine(&info)) unlink(path);
}

/* The pid in a temporary file name left by an interrupted atomic write:
 * "<name>.tmp.<pid>" (checkpoints), "<name>.tmp.<pid>.<n>" (write_file_atomic)
 * or ".lock.<pid>"; 0 when the name is none of these. */
static long tmp_file_pid(const char *name) {
    const char *p = NULL;
    if (!strncmp(name, ".lock.", 6)) p = name + 6;
    else {
        for (const char *s = strstr(name, ".tmp."); s; s = strstr(s + 1, ".tmp.")) p = s + 5;
    }
    if (!p || !isdigit((unsigned char)*p)) return 0;
    char *end;
    long pid = strtol(p, &end, 10);
    if (*end == '.') {
        if (!isdigit((unsigned char)end[1])) return 0;
        strtol(end + 1, &end, 10);
    }
    return *end ? 0 : pid;
}

int run_clean_stale_tmp(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    char path[RUN_PATH_MAX + 300];
    for (struct dirent *e; (e = readdir(d));) {
        long pid = tmp_file_pid(e->d_name);
        /* The lock is ours, so no other process writes here: a temporary file
         * of a dead process is the remains of a save that never finished. */
        if (pid <= 0 || pid == (long)getpid() || pid_alive(pid)) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) == 0) removed++;
    }
    closedir(d);
    return removed;
}

/* ---- events.jsonl ----------------------------------------------------- */

long events_repair_tail(const char *path) {
    int fd = safe_open_write(path, O_RDWR, 0, NULL, 0);
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
    /* never through a link or into a FIFO: opened first, refused with the reason */
    char why[RUN_PATH_MAX + 64];
    log->f = safe_fopen_write(log->path, "ab", why, sizeof why);
    if (!log->f) {
        snprintf(err, errlen, "cannot append to %s", why);
        return -1;
    }
    long torn = events_repair_tail(log->path);
    if (torn < 0) {
        snprintf(err, errlen, "cannot repair %s: %s", log->path, strerror(errno));
        fclose(log->f);
        log->f = NULL;
        return -1;
    }
    if (torn_bytes) *torn_bytes = torn;
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
