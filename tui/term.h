/* The only layer that talks to curses: start-up (locale, UTF-8 and colour
 * detection), copying a Grid to the screen, reading keys with a timeout, and
 * putting the terminal back however the program ends. Screens and widgets
 * never include curses. */
#ifndef SENTUI_TERM_H
#define SENTUI_TERM_H

#include "widgets/grid.h"

/* Keys: Unicode code points for text, these above them for the rest. */
enum {
    TK_NONE = -1,
    TK_BASE = 0x200000,
    TK_UP,
    TK_DOWN,
    TK_LEFT,
    TK_RIGHT,
    TK_PGUP,
    TK_PGDN,
    TK_HOME,
    TK_END,
    TK_ENTER,
    TK_ESC,
    TK_BACKSPACE,
    TK_DELETE,
    TK_TAB,
    TK_BTAB,
    TK_RESIZE,
    TK_INTERRUPT, /* SIGINT arrived */
    TK_HANGUP,    /* the terminal went away (SIGHUP, SIGTERM, input closed): save and leave */
    TK_F1,
};

typedef struct TermCaps { int utf8, color, colors; } TermCaps;

/* What the environment allows before curses starts: UTF-8 from the locale's
 * codeset, unless SENTUI_ASCII=1; colour unless NO_COLOR is set. */
TermCaps term_detect(void);
/* Starts curses; -1 when the terminal cannot run the workbench, term_error() says why. */
int term_open(TermCaps *caps);
const char *term_error(void);
void term_close(void);
int term_is_open(void);
void term_size(int *w, int *h);
void term_blit(const Grid *g);
/* Waits up to timeout_ms for a key; TK_NONE when none came. */
int term_read_key(int timeout_ms);
/* Suspends curses (to run $EDITOR) and restores it afterwards. */
void term_suspend(void);
void term_resume(void);
/* Name of a key for help screens ("q", "Enter", "↑"). */
const char *term_key_name(int key, int utf8, char *buf, int n);

#endif
