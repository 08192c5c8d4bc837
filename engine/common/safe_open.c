/* See safe_open.h. O_NONBLOCK makes open() of a FIFO return at once (a
 * regular file ignores the flag); fstat then tells what was opened, and the
 * flag is cleared before anyone reads. */
#include "common/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *err, size_t errlen, const char *fmt, const char *path, const char *what) {
    if (err && errlen) snprintf(err, errlen, fmt, path, what);
}

static const char *kind_of(mode_t m) {
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a named pipe";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISSOCK(m)) return "a socket";
    return "not a plain file";
}

static int handed_over(const char *path) {
    return !strcmp(path, "/dev/stdin") || !strncmp(path, "/dev/fd/", 8) || !strncmp(path, "/proc/self/fd/", 14);
}

/* 0 unless path is a symbolic link whose target lies outside path's folder. */
static int link_leaves_folder(const char *path, char *err, size_t errlen) {
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) return 0;
    char dir[PATH_MAX], real_dir[PATH_MAX], target[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    if (!realpath(dir, real_dir)) return 0;
    if (!realpath(path, target)) return 0; /* a dangling link: open() says so */
    size_t n = strlen(real_dir);
    if (!strncmp(target, real_dir, n) && (target[n] == '/' || !strcmp(real_dir, "/"))) return 0;
    if (err && errlen) snprintf(err, errlen, "%s: a link to %s, outside its folder; not read", path, target);
    errno = ELOOP;
    return 1;
}

/* Keeps fd when it is a regular file (or an accepted handed-over stream), back in blocking mode. */
static int settle(int fd, const char *path, int accept_stream, char *err, size_t errlen) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    int stream = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode);
    if (!S_ISREG(st.st_mode) && !(accept_stream && stream)) {
        say(err, errlen, "%s: %s, not a regular file", path, kind_of(st.st_mode));
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int safe_open_read(const char *path, unsigned how, char *err, size_t errlen) {
    if ((how & SAFE_HANDED_OVER) && !strcmp(path, "-")) {
        int fd = dup(STDIN_FILENO);
        if (fd < 0) say(err, errlen, "%s: %s", "standard input", strerror(errno));
        return fd;
    }
    if ((how & SAFE_IN_FOLDER) && link_leaves_folder(path, err, errlen)) return -1;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    return settle(fd, path, (how & SAFE_HANDED_OVER) && handed_over(path), err, errlen);
}

/* A stream over fd, or NULL with fd closed and errno kept. */
static FILE *stream_of(int fd, const char *mode, const char *path, char *err, size_t errlen) {
    FILE *f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        say(err, errlen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
    }
    return f;
}

FILE *safe_fopen_read(const char *path, unsigned how, char *err, size_t errlen) {
    int fd = safe_open_read(path, how, err, errlen);
    if (fd < 0) return NULL;
    return stream_of(fd, "rb", path, err, errlen);
}

int safe_open_write(const char *path, int flags, mode_t mode, char *err, size_t errlen) {
    int fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode);
    if (fd < 0) {
        int e = errno;
        struct stat st;
        if (e == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            say(err, errlen, "%s: %s", path, "a symbolic link, which sentui does not write through");
        else if (e == ENXIO)
            say(err, errlen, "%s: %s, not a regular file", path, "a named pipe");
        else
            say(err, errlen, "%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    return settle(fd, path, 0, err, errlen);
}

FILE *safe_fopen_write(const char *path, const char *mode, char *err, size_t errlen) {
    int append = mode[0] == 'a';
    int fd = safe_open_write(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644, err, errlen);
    if (fd < 0) return NULL;
    return stream_of(fd, append ? "ab" : "wb", path, err, errlen);
}
