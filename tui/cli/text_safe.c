#include "cli/text_safe.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes of the character at s that may be printed as they are: 1 to 4; 0 when
 * s[0] must be escaped; -1 when the n bytes end inside a sequence that is
 * valid so far (a stream may get the rest in its next write). */
static int printable_len(const unsigned char *s, size_t n, int flags) {
    unsigned char c = s[0];
    if (c < 0x80) {
        if (c == '\n' || c == '\t') return flags & TEXT_SAFE_LINES ? 1 : 0;
        return c < 0x20 || c == 0x7f ? 0 : 1;
    }
    int len = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (!len) return 0;
    uint32_t cp = c & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n) return -1;
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
    return cp >= 0x80 && cp < 0xA0 ? 0 : len; /* C1: U+009B is a CSI to some terminals */
}

/* Calls emit for each piece of the safe form of s[0..n); returns the bytes
 * consumed: less than n when partial and s ends inside a sequence, or when
 * emit fails. */
typedef int (*EmitFn)(void *ctx, const char *p, size_t n);
static size_t filter(const unsigned char *s, size_t n, int flags, int partial, EmitFn emit, void *ctx) {
    size_t i = 0;
    while (i < n) {
        int k = printable_len(s + i, n - i, flags);
        if (k < 0 && partial) break;
        if (k > 0) {
            if (emit(ctx, (const char *)s + i, (size_t)k)) break;
            i += (size_t)k;
            continue;
        }
        char esc[5];
        snprintf(esc, sizeof esc, "\\x%02x", s[i]);
        if (emit(ctx, esc, 4)) break;
        i++;
    }
    return i;
}

typedef struct {
    char *out;
    size_t cap, kept, need; /* kept: bytes copied; need: bytes of the whole safe form */
    int full;
} Buf;

/* Copies whole pieces only, so a cut never splits a character or an escape. */
static int buf_emit(void *ctx, const char *p, size_t n) {
    Buf *b = ctx;
    if (!b->full && b->kept + n < b->cap) {
        memcpy(b->out + b->kept, p, n);
        b->kept += n;
    } else {
        b->full = 1;
    }
    b->need += n;
    return 0;
}

char *text_safe(char *out, size_t n, const char *in, int flags) {
    if (!n) return out;
    Buf b = {out, n, 0, 0, 0};
    if (in) filter((const unsigned char *)in, strlen(in), flags, 0, buf_emit, &b);
    out[b.kept] = 0;
    return out;
}

size_t text_safe_size(const char *in, int flags) {
    char none[1];
    Buf b = {none, 0, 0, 0, 1};
    if (in) filter((const unsigned char *)in, strlen(in), flags, 0, buf_emit, &b);
    return b.need + 1;
}

static int file_emit(void *ctx, const char *p, size_t n) { return fwrite(p, 1, n, ctx) == n ? 0 : -1; }

int text_safe_fputs(const char *s, FILE *f, int flags) {
    size_t n = s ? strlen(s) : 0;
    return filter((const unsigned char *)s, n, flags, 0, file_emit, f) == n && !ferror(f) ? 0 : EOF;
}

/* ---- stderr ---------------------------------------------------------------
 * stderr becomes a cookie stream whose writes are filtered on their way to
 * file descriptor 2. It stays unbuffered, so a message is out before a crash;
 * a character written a byte at a time (fputc) waits in `pending` until whole. */

typedef struct {
    unsigned char pending[4];
    size_t npending;
} Guard;

static int fd_emit(void *ctx, const char *p, size_t n) {
    (void)ctx;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static ssize_t guard_write(void *cookie, const char *buf, size_t size) {
    Guard *g = cookie;
    unsigned char *all = malloc(g->npending + size);
    if (!all) return -1;
    memcpy(all, g->pending, g->npending);
    memcpy(all + g->npending, buf, size);
    size_t n = g->npending + size;
    size_t used = filter(all, n, TEXT_SAFE_LINES, 1, fd_emit, NULL);
    /* Only an unfinished character (at most 3 bytes) is left over. */
    g->npending = n - used <= 3 ? n - used : 0;
    memcpy(g->pending, all + used, g->npending);
    free(all);
    return (ssize_t)size;
}

static int guard_close(void *cookie) {
    Guard *g = cookie;
    filter(g->pending, g->npending, TEXT_SAFE_LINES, 0, fd_emit, NULL);
    g->npending = 0;
    return 0;
}

int text_safe_guard_stderr(void) {
    /* Static: one stderr per process, and nothing for the leak checker to miss. */
    static Guard guard;
    guard.npending = 0;
    FILE *f = fopencookie(&guard, "w", (cookie_io_functions_t){.write = guard_write, .close = guard_close});
    if (!f) return -1;
    setvbuf(f, NULL, _IONBF, 0);
    stderr = f;
    return 0;
}
