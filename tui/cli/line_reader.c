#include "cli/line_reader.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

void line_reader_init(LineReader *lr, int fd) {
    memset(lr, 0, sizeof *lr);
    lr->fd = fd;
}

void line_reader_free(LineReader *lr) {
    free(lr->buf);
    memset(lr, 0, sizeof *lr);
}

static int ready(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR) {
    }
    /* A descriptor poll cannot judge (or an error) reads as ready: read() decides. */
    return n != 0;
}

/* Appends what one read() gives; 0 at end of input, -1 on error. */
static int fill(LineReader *lr) {
    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    if (lr->cap - lr->end < CHUNK) {
        size_t cap = lr->cap ? lr->cap * 2 : 2 * CHUNK;
        char *b = realloc(lr->buf, cap);
        if (!b) {
            errno = ENOMEM;
            return -1;
        }
        lr->buf = b, lr->cap = cap;
    }
    ssize_t n;
    while ((n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end)) < 0 && errno == EINTR) {
    }
    if (n < 0) return -1;
    lr->end += (size_t)n;
    return n > 0;
}

int line_reader_next(LineReader *lr, int wait, const char **line, size_t *len) {
    size_t scanned = 0;
    for (;;) {
        char *s = lr->buf + lr->start;
        size_t have = lr->end - lr->start;
        char *nl = have > scanned ? memchr(s + scanned, '\n', have - scanned) : NULL;
        if (nl || (lr->eof && have > 0)) {
            size_t n = nl ? (size_t)(nl - s) : have;
            lr->start += nl ? n + 1 : n;
            if (n > 0 && s[n - 1] == '\r') n--;
            *line = s, *len = n;
            return LINE_OK;
        }
        if (lr->eof) return LINE_END;
        if (!wait && !ready(lr->fd)) return LINE_NOT_READY;
        scanned = have;
        int got = fill(lr);
        if (got < 0) return LINE_ERROR;
        if (got == 0) lr->eof = 1;
    }
}
