#define NCURSES_WIDECHAR 1
#include "term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

static int open_now;
static TermCaps caps_now;
static volatile sig_atomic_t interrupted;
static short pair_of[COL_COUNT][COL_COUNT];
static int pairs_used;

TermCaps term_detect(void) {
    TermCaps c = {0, 1, 0};
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers in JSON and YAML keep their dot */
    const char *cs = nl_langinfo(CODESET);
    c.utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
    const char *a = getenv("SENTUI_ASCII");
    if (a && *a && strcmp(a, "0")) c.utf8 = 0;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc) c.color = 0;
    return c;
}

/* A crash must not leave the user's terminal in raw mode. */
static void crash_handler(int sig) {
    if (open_now) endwin();
    signal(sig, SIG_DFL);
    raise(sig);
}

static volatile sig_atomic_t hung_up;

static void interrupt_handler(int sig) {
    if (sig == SIGINT) interrupted = 1;
    else hung_up = 1;
}

/* get_wch returns ERR at once, forever, once the terminal is gone; without
 * this check the key loop would spin a core with nobody to see it. */
static int input_gone(void) {
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static void install_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = crash_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    int crash[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof crash / sizeof *crash; i++) sigaction(crash[i], &sa, NULL);
    sa.sa_handler = interrupt_handler;
    sa.sa_flags = 0;
    int soft[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof soft / sizeof *soft; i++) sigaction(soft[i], &sa, NULL);
}

/* Colour scheme: the terminal colour of each role, for 256 and for 8 colours. */
typedef struct { short c256, c8; } Shade;
static const Shade role_fg[COL_HEAT0] = {
    [COL_DEFAULT] = {-1, -1},     [COL_TEXT] = {-1, -1},      [COL_DIM] = {244, COLOR_WHITE},
    [COL_TITLE] = {81, COLOR_CYAN}, [COL_BORDER] = {240, COLOR_BLUE}, [COL_AXIS] = {244, COLOR_WHITE},
    [COL_KEY] = {214, COLOR_YELLOW}, [COL_HEADER] = {117, COLOR_CYAN}, [COL_SELECT] = {81, COLOR_CYAN},
    [COL_GOOD] = {114, COLOR_GREEN}, [COL_BAD] = {203, COLOR_RED}, [COL_WARN] = {221, COLOR_YELLOW},
    [COL_ACCENT] = {75, COLOR_BLUE}, [COL_SERIES0] = {75, COLOR_BLUE}, [COL_SERIES1] = {214, COLOR_YELLOW},
    [COL_SERIES2] = {114, COLOR_GREEN}, [COL_SERIES3] = {204, COLOR_MAGENTA}, [COL_SERIES4] = {87, COLOR_CYAN},
    [COL_SERIES5] = {203, COLOR_RED},
};
/* Dark blue through purple and red to yellow: ordered by brightness, so it
 * also reads in grey. */
static const Shade heat[HEAT_LEVELS] = {{235, COLOR_BLACK}, {17, COLOR_BLUE},     {54, COLOR_BLUE},
                                        {91, COLOR_MAGENTA}, {161, COLOR_MAGENTA}, {203, COLOR_RED},
                                        {215, COLOR_YELLOW}, {227, COLOR_YELLOW}};

static short color_of(int role, int as_bg) {
    int rich = COLORS >= 256;
    if (role >= COL_HEAT0 && role < COL_COUNT) return rich ? heat[role - COL_HEAT0].c256 : heat[role - COL_HEAT0].c8;
    if (as_bg || role < 0 || role >= COL_HEAT0) return -1;
    return rich ? role_fg[role].c256 : role_fg[role].c8;
}

static short pair_for(int fg, int bg) {
    if (!caps_now.color) return 0;
    if (fg < 0 || fg >= COL_COUNT) fg = 0;
    if (bg < 0 || bg >= COL_COUNT) bg = 0;
    if (pair_of[fg][bg]) return pair_of[fg][bg];
    if (pairs_used + 1 >= COLOR_PAIRS) return 0;
    short f = color_of(fg, 0), b = color_of(bg, 1);
    /* Text on a heat background: light on the dark half, dark on the bright half. */
    if (bg >= COL_HEAT0 && (fg == COL_TEXT || fg == COL_DEFAULT)) {
        int level = bg - COL_HEAT0;
        f = level < HEAT_LEVELS * 3 / 4 ? (COLORS >= 256 ? 255 : COLOR_WHITE) : COLOR_BLACK;
    }
    short p = (short)++pairs_used;
    init_pair(p, f, b);
    pair_of[fg][bg] = p;
    return p;
}

static char open_error[256];

const char *term_error(void) { return open_error[0] ? open_error : "cannot open the terminal"; }

/* Unlike initscr, which prints its own message and exits when the terminal
 * type is unknown, this reports why and leaves the terminal as it was. */
static SCREEN *start_screen(void) {
    const char *name = getenv("TERM");
    if (!name || !*name) {
        snprintf(open_error, sizeof open_error, "TERM is not set: the workbench needs to know the terminal "
                 "(try TERM=xterm-256color)");
        return NULL;
    }
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) {
        snprintf(open_error, sizeof open_error, "unknown terminal type '%.60s' (try TERM=xterm-256color)", name);
        return NULL;
    }
    /* Without cursor addressing (TERM=dumb, emacs shells) every frame would
     * pile up as lines of text: refuse before drawing anything. */
    const char *cup = tigetstr("cup");
    if (!cup || cup == (const char *)-1) {
        endwin();
        delscreen(scr);
        snprintf(open_error, sizeof open_error,
                 "terminal '%.60s' cannot move the cursor, which the workbench needs; use a terminal such as "
                 "xterm, or the commands (sentui train, runs, replay --dump, ...)",
                 name);
        return NULL;
    }
    return scr;
}

int term_open(TermCaps *caps) {
    if (open_now) return 0;
    setenv("ESCDELAY", "25", 0);
    open_error[0] = 0;
    if (!start_screen()) return -1;
    open_now = 1;
    atexit(term_close);
    install_handlers();
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    if (caps->color && has_colors()) {
        start_color();
        use_default_colors();
    } else {
        caps->color = 0;
    }
    caps->colors = caps->color ? COLORS : 0;
    caps_now = *caps;
    memset(pair_of, 0, sizeof pair_of);
    pairs_used = 0;
    return 0;
}

void term_close(void) {
    if (!open_now) return;
    open_now = 0;
    curs_set(1);
    endwin();
}

int term_is_open(void) { return open_now; }

void term_size(int *w, int *h) {
    int y, x;
    getmaxyx(stdscr, y, x);
    *w = x, *h = y;
}

static attr_t attrs_of(const Cell *c) {
    attr_t a = 0;
    if (c->attr & ATTR_BOLD) a |= A_BOLD;
    if (c->attr & ATTR_DIM) a |= A_DIM;
    if (c->attr & ATTR_REVERSE) a |= A_REVERSE;
    if (c->attr & ATTR_UNDERLINE) a |= A_UNDERLINE;
    if (!caps_now.color) {
        /* Monochrome scheme: roles become attributes. */
        if (c->fg == COL_TITLE || c->fg == COL_HEADER || c->fg == COL_KEY) a |= A_BOLD;
        if (c->fg == COL_DIM || c->fg == COL_AXIS || c->fg == COL_BORDER) a |= A_DIM;
        if (c->fg == COL_BAD) a |= A_UNDERLINE;
    }
    return a;
}

void term_blit(const Grid *g) {
    int w, h;
    term_size(&w, &h);
    for (int y = 0; y < h && y < g->h; y++)
        for (int x = 0; x < w && x < g->w; x++) {
            const Cell *c = grid_cell(g, x, y);
            wchar_t wc[2] = {(wchar_t)c->ch, 0};
            cchar_t cc;
            setcchar(&cc, wc, attrs_of(c), pair_for(c->fg, c->bg), NULL);
            mvadd_wch(y, x, &cc);
        }
    refresh();
}

int term_read_key(int timeout_ms) {
    if (interrupted) {
        interrupted = 0;
        return TK_INTERRUPT;
    }
    timeout(timeout_ms);
    wint_t ch;
    int rc = get_wch(&ch);
    if (interrupted) {
        interrupted = 0;
        return TK_INTERRUPT;
    }
    if (hung_up || (rc == ERR && input_gone())) return TK_HANGUP;
    if (rc == ERR) return TK_NONE;
    if (rc == KEY_CODE_YES) {
        switch (ch) {
        case KEY_UP: return TK_UP;
        case KEY_DOWN: return TK_DOWN;
        case KEY_LEFT: return TK_LEFT;
        case KEY_RIGHT: return TK_RIGHT;
        case KEY_PPAGE: return TK_PGUP;
        case KEY_NPAGE: return TK_PGDN;
        case KEY_HOME: return TK_HOME;
        case KEY_END: return TK_END;
        case KEY_ENTER: return TK_ENTER;
        case KEY_BACKSPACE: return TK_BACKSPACE;
        case KEY_DC: return TK_DELETE;
        case KEY_BTAB: return TK_BTAB;
        case KEY_RESIZE: return TK_RESIZE;
        case KEY_F(1): return TK_F1;
        default: return TK_NONE;
        }
    }
    switch (ch) {
    case '\r':
    case '\n': return TK_ENTER;
    case 27: return TK_ESC;
    case 127:
    case 8: return TK_BACKSPACE;
    case '\t': return TK_TAB;
    default: return (int)ch;
    }
}

void term_suspend(void) {
    if (open_now) def_prog_mode(), endwin();
}

void term_resume(void) {
    if (!open_now) return;
    reset_prog_mode();
    clear();
    refresh();
}

const char *term_key_name(int key, int utf8, char *buf, int n) {
    const char *s = NULL;
    switch (key) {
    case TK_UP: s = utf8 ? "\u2191" : "Up"; break;
    case TK_DOWN: s = utf8 ? "\u2193" : "Down"; break;
    case TK_LEFT: s = utf8 ? "\u2190" : "Left"; break;
    case TK_RIGHT: s = utf8 ? "\u2192" : "Right"; break;
    case TK_PGUP: s = "PgUp"; break;
    case TK_PGDN: s = "PgDn"; break;
    case TK_HOME: s = "Home"; break;
    case TK_END: s = "End"; break;
    case TK_ENTER: s = "Enter"; break;
    case TK_ESC: s = "Esc"; break;
    case TK_BACKSPACE: s = "Bksp"; break;
    case TK_DELETE: s = "Del"; break;
    case TK_TAB: s = "Tab"; break;
    case TK_BTAB: s = "S-Tab"; break;
    case TK_F1: s = "F1"; break;
    case ' ': s = "Space"; break;
    default: break;
    }
    if (s) snprintf(buf, (size_t)n, "%s", s);
    else if (key > 0 && key < TK_BASE) {
        char enc[5];
        utf8_encode((uint32_t)key, enc);
        snprintf(buf, (size_t)n, "%s", enc);
    } else snprintf(buf, (size_t)n, "?");
    return buf;
}
