/* Opening files that sentui finds by path (in run folders, datasets and
 * caches), where a file may have been replaced by something hostile: a FIFO
 * nobody writes to (open() would block forever), a device, or a symbolic link
 * out of the folder (appending to a run's events.jsonl must not append to
 * ~/.bashrc). Reads open with O_NONBLOCK and refuse anything but a regular
 * file; writes never follow a symbolic link. */
#ifndef SENTUI_SAFE_OPEN_H
#define SENTUI_SAFE_OPEN_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum {
    /* refuse a symbolic link that leads outside the file's own folder */
    SAFE_IN_FOLDER = 1,
    /* also accept what the shell hands over already open: "-" (standard input),
     * /dev/stdin, /dev/fd/N and /proc/self/fd/N, such as <(...) */
    SAFE_HANDED_OVER = 2,
};

/* A read-only descriptor (blocking again once known safe), or -1 with errno
 * set and, when err is not NULL, a one-line reason such as
 * "runs/x/summary.json: a named pipe, not a regular file". */
int safe_open_read(const char *path, unsigned how, char *err, size_t errlen);
FILE *safe_fopen_read(const char *path, unsigned how, char *err, size_t errlen);

/* open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode) for writing
 * (flags: O_WRONLY or O_RDWR, O_CREAT, O_TRUNC, O_APPEND...), refusing a
 * symbolic link or anything but a regular file; -1 with errno and err. */
int safe_open_write(const char *path, int flags, mode_t mode, char *err, size_t errlen);
/* The same as a stream; mode is "wb" (create or truncate) or "ab" (append). */
FILE *safe_fopen_write(const char *path, const char *mode, char *err, size_t errlen);

#endif
