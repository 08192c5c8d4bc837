/* Lines from a file descriptor for commands that read stdin in blocks
 * (sentui predict): each line comes with its true length, so NUL bytes stay
 * inside it, and the reader can say "nothing more is ready right now", so a
 * block that is not full yet is answered at once instead of waiting for input
 * that a person at a terminal has not typed. */
#ifndef SENTUI_LINE_READER_H
#define SENTUI_LINE_READER_H

#include <stddef.h>

typedef struct LineReader {
    int fd;
    char *buf;
    size_t cap, start, end; /* unread bytes are buf[start..end) */
    int eof;
} LineReader;

enum { LINE_ERROR = -1, LINE_END = 0, LINE_OK = 1, LINE_NOT_READY = 2 };

void line_reader_init(LineReader *lr, int fd);
void line_reader_free(LineReader *lr);

/* Next line without its '\n' (and a '\r' before it); a last line without '\n'
 * counts. *line stays valid until the next call. With wait == 0 and no whole
 * line buffered, returns LINE_NOT_READY instead of blocking when the descriptor
 * has nothing to read yet. LINE_ERROR leaves errno set. */
int line_reader_next(LineReader *lr, int wait, const char **line, size_t *len);

#endif
