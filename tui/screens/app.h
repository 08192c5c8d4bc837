/* The workbench: one enum of screens, each with its own draw, action and
 * tick functions; one table of actions that generates the key bindings, the
 * footer and the `?` help screen, so help never drifts from the keys.
 *
 * Key handlers never draw: they change state and return flags; the main loop
 * redraws when asked, at most ~20 times a second, from RunState snapshots.
 * The same rendering runs headless (`--dump`) into a grid printed as text. */
#ifndef SENTUI_APP_H
#define SENTUI_APP_H

#include "config/config.h"
#include "widgets/grid.h"
#include "run/run.h"
#include "term.h"

enum { F_NONE = 0, F_REDRAW = 1, F_QUIT = 2 };

typedef enum { SCR_HOME, SCR_EDITOR, SCR_DASH, SCR_COMPARE, SCR_TRY, SCR_LEARN, SCR_HELP, SCR_SWEEP, SCR_COUNT } ScreenId;

#define S_HOME (1u << SCR_HOME)
#define S_EDITOR (1u << SCR_EDITOR)
#define S_DASH (1u << SCR_DASH)
#define S_COMPARE (1u << SCR_COMPARE)
#define S_TRY (1u << SCR_TRY)
#define S_LEARN (1u << SCR_LEARN)
#define S_HELP (1u << SCR_HELP)
#define S_SWEEP (1u << SCR_SWEEP)
#define S_ALL 0xffffu
#define S_LISTS (S_HOME | S_EDITOR | S_COMPARE | S_HELP | S_LEARN | S_SWEEP)

/* X(id, key, alt_key, screens, keys_shown, footer, help)
 *   keys_shown: how the footer and help name the keys (NULL: from key/alt)
 *   footer: short label in the footer line, NULL to appear only in `?` */
#define APP_ACTIONS(X)                                                                                          \
    X(HELP, '?', TK_F1, S_ALL & ~S_HELP & ~S_TRY, "?", "help", "show every key of this screen")              \
    X(BACK, 'q', TK_ESC, S_ALL & ~S_TRY, "q/Esc", "back", "close this screen; on the home screen, quit")        \
    X(TRY_BACK, TK_ESC, 0, S_TRY, "Esc", "back", "close this screen")                                          \
    X(UP, TK_UP, 'k', S_LISTS | S_TRY, "\u2191/k", NULL, "move up")                                           \
    X(DOWN, TK_DOWN, 'j', S_LISTS | S_TRY, "\u2193/j", "move", "move down")                                   \
    X(PGUP, TK_PGUP, 0, S_LISTS, NULL, NULL, "page up")                                                       \
    X(PGDN, TK_PGDN, 0, S_LISTS, NULL, NULL, "page down")                                                     \
    X(TOP, TK_HOME, 'g', S_LISTS | S_DASH, "g/Home", NULL, "first row; in a replay, the start of the run")   \
    X(BOTTOM, TK_END, 'G', S_LISTS | S_DASH, "G/End", NULL, "last row; in a replay, the end of the run")     \
    X(OPEN, TK_ENTER, 0, S_HOME | S_SWEEP, "Enter", "open", "open the selected config in the editor or run (or trial) in the dashboard") \
    X(FOCUS, TK_TAB, 0, S_HOME, "Tab", "configs/runs", "switch between the config list and the runs table")   \
    X(NEW_RUN, 'n', 0, S_HOME | S_EDITOR, NULL, "new run", "train a new run from the selected config")        \
    X(SORT, 'o', 0, S_HOME | S_COMPARE, NULL, "sort", "sort the runs by the next column")                     \
    X(SORT_REV, 'O', 0, S_HOME | S_COMPARE, NULL, NULL, "reverse the sort order")                              \
    X(MARK, ' ', 0, S_HOME, "Space", "mark", "mark a run for comparison")                                     \
    X(COMPARE, 'c', 0, S_HOME, NULL, "compare", "compare the marked runs (all runs when none is marked)")      \
    X(REPORT, 'E', 0, S_HOME | S_COMPARE, NULL, "report", "write the HTML report of the marked runs, else the selected one") \
    X(WATCH, 'W', 0, S_HOME, NULL, NULL, "follow the selected run as another process writes it")              \
    X(TRY, 't', 0, S_HOME | S_DASH, NULL, "try it", "type a review and see what the run's model says")        \
    X(LEARN, 'i', 0, S_HOME | S_EDITOR | S_DASH, NULL, "learn", "how the selected architecture works")        \
    X(RELOAD, 'R', 0, S_HOME | S_SWEEP, NULL, NULL, "reload configs and runs (or the sweep)")                 \
    X(SWEEPS, 'S', 0, S_HOME, NULL, "sweeps", "the sweeps in the runs folder, their trials ranked")           \
    X(NEXT_SWEEP, TK_TAB, 0, S_SWEEP, "Tab", "next sweep", "show the next sweep in the runs folder")          \
    X(SWEEP_CURVES, 'c', 0, S_SWEEP, NULL, "curves", "overlay the curves of the sweep's trials in Compare")   \
    X(EDIT, TK_ENTER, 0, S_EDITOR, "Enter", "edit", "edit the selected value (checked as you type)")          \
    X(PREV_VALUE, TK_LEFT, 'h', S_EDITOR, "\u2190/h", NULL, "previous allowed value (choices and booleans)")  \
    X(NEXT_VALUE, TK_RIGHT, 'l', S_EDITOR, "\u2192/l", "value", "next allowed value (choices and booleans)") \
    X(SEARCH, '/', 0, S_EDITOR, NULL, "find", "jump to a key by typing part of its name")                   \
    X(EXTERNAL, 'e', 0, S_EDITOR, NULL, "$EDITOR", "edit the YAML in $EDITOR, then check it")                \
    X(SAVE_CONFIG, 'S', 0, S_EDITOR, NULL, "save as", "save as a new config under configs/")                  \
    X(PAUSE, 'p', 0, S_DASH, NULL, "pause", "pause training (or the replay)")                                 \
    X(RESUME, 'r', 0, S_DASH, NULL, "resume", "resume training (or the replay)")                              \
    X(STOP, 's', 0, S_DASH, NULL, "stop", "stop training; the run is saved and can be resumed")              \
    X(SAVE_NOW, 'w', 0, S_DASH, NULL, "save", "write a checkpoint now")                                       \
    X(PLAY, ' ', 0, S_DASH, "Space", "play", "replay: play or pause")                                         \
    X(SPEED, 'x', 0, S_DASH, NULL, "speed", "replay speed: 1x, 10x, instant")                                 \
    X(PREV_EVAL, '[', 0, S_DASH, "[", NULL, "move the cursor to the previous evaluation")                     \
    X(NEXT_EVAL, ']', 0, S_DASH, "[ ]", "eval", "move the cursor to the next evaluation")                    \
    X(CURSOR_LEFT, TK_LEFT, 'h', S_DASH, "\u2190/h", NULL, "move the cursor back (1/50 of the run)")          \
    X(CURSOR_RIGHT, TK_RIGHT, 'l', S_DASH, "\u2192/l", NULL, "move the cursor forward")                       \
    X(PREV_SAMPLE, TK_UP, 'k', S_DASH, "\u2191/k", NULL, "previous sample review")                            \
    X(NEXT_SAMPLE, TK_DOWN, 'j', S_DASH, "\u2193/j", "sample", "next sample review")                         \
    X(LAYER, 'L', 0, S_DASH, NULL, "layer", "attention: next layer (then the average)")                       \
    X(HEAD, 'H', 0, S_DASH, NULL, "head", "attention: next head (then the average)")                          \
    X(MATRIX, 'm', 0, S_DASH, NULL, "matrix", "attention: tokens or the token-by-token matrix")                \
    X(WORDS, 'J', 0, S_DASH, NULL, NULL, "join word pieces into words (key attention summed, query averaged)")  \
    X(TRY_LAYER, TK_TAB, 0, S_TRY, "Tab", "layer", "attention: next layer (then the mean over layers)")       \
    X(TRY_HEAD, TK_BTAB, 0, S_TRY, "S-Tab", "head", "attention: next head (then the mean over heads)")        \
    X(TRY_WORDS, 23, 0, S_TRY, "^W", "words", "join word pieces into words")                                 \
    X(METRIC, 'm', 0, S_COMPARE, NULL, "metric", "cycle the overlaid curve")                                  \
    X(LEARN_ARCH, TK_TAB, 0, S_LEARN, "Tab", "next arch", "explain the next architecture")

typedef enum {
#define ACT_ENUM(id, key, alt, scr, keys, foot, help) ACT_##id,
    APP_ACTIONS(ACT_ENUM)
#undef ACT_ENUM
    ACT_COUNT
} Action;

typedef struct ActionInfo {
    const char *name;
    int key, alt;
    unsigned screens;
    const char *keys, *footer, *help;
} ActionInfo;
extern const ActionInfo app_actions[ACT_COUNT];
/* How the footer and `?` name an action's keys (also the man page's). */
const char *app_action_keys(const ActionInfo *ai, int utf8, char *buf, int n);

typedef struct App App;

typedef struct ScreenOps {
    const char *title;
    void (*draw)(App *a, Grid *g, Rect body);
    int (*action)(App *a, int action);
    /* Raw keys while the screen takes text; returns -1 to let the action table have it. */
    int (*input)(App *a, int key);
    /* Polls data sources; returns F_REDRAW when something changed. */
    int (*tick)(App *a, double now);
    /* Frees whatever the screen holds (its state in App). */
    void (*free)(App *a);
} ScreenOps;

struct Home;
struct Editor;
struct Dash;
struct Compare;
struct TryIt;
struct Learn;
struct SweepScreen;

struct App {
    Grid grid;
    int utf8, color;
    int headless;
    ScreenId screen;
    ScreenId stack[16];
    int depth;
    ScreenId help_for;
    int help_top;        /* first row shown by the `?` screen */
    int configs_changed; /* a config was saved: the home screen reloads its list */
    char runs_dir[RUN_PATH_MAX], configs_dir[RUN_PATH_MAX];
    char msg[512];
    int msg_bad;
    double msg_until;
    int confirm_quit;
    int quit;
    double now;
    struct Home *home;
    struct Editor *ed;
    struct Dash *dash;
    struct Compare *cmp;
    struct TryIt *tryit;
    struct Learn *learn;
    struct SweepScreen *sweep;
};

extern const ScreenOps screen_home, screen_editor, screen_dash, screen_compare, screen_try, screen_learn,
    screen_help, screen_sweep;

/* Set-up: runs_dir / configs_dir NULL take $SENTUI_RUNS_DIR / $SENTUI_CONFIGS_DIR, else runs / configs. */
int app_init(App *a, int w, int h, int utf8, int color, const char *runs_dir, const char *configs_dir);
void app_free(App *a);
/* A screen's title, as the `?` screen and the man page head its keys. */
const char *app_screen_title(ScreenId s);
/* Handles one key (or TK_RESIZE / TK_INTERRUPT); returns flags. */
int app_key(App *a, int key);
/* Lets the sources of every open screen advance; returns flags. */
int app_tick(App *a, double now);
/* Draws the whole screen into a->grid. */
void app_render(App *a);
/* Runs in the terminal until quit; returns the exit status. */
int app_run(App *a);
/* Headless: applies each key of the script (a string; \n is Enter, \e Esc, \t Tab, \T Shift-Tab, \u \d \l \r
 * the arrows), ticking between keys, then renders. */
void app_script(App *a, const char *keys);

/* Navigation and the header message (nav.c): what screens call; it never calls a screen. */
void app_push(App *a, ScreenId s);
void app_pop(App *a);
void app_message(App *a, int bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Entry points between screens, called only in one direction: home opens the
 * others, the editor the dashboard and learn, the dashboard try and learn.
 * Each returns 0, or -1 after app_message. */
int home_open(App *a);
int editor_open(App *a, const char *config_path, int arch);
int dash_open_run(App *a, const char *dir, int watch, double speed);
int dash_start_training(App *a, const Config *cfg);
int dash_live(const App *a);           /* a run trains in this process */
void dash_stop_and_wait(App *a);       /* quitting: stop (saves), wait, keep resumable */
/* The footer's order for a dashboard key: 0 first (the current mode's: live
 * training or replay), 1 after, -1 left out (the other mode's, which would do nothing). */
int dash_footer_rank(const App *a, int act);
int compare_open(App *a, char **dirs, int n);
int try_open(App *a, const char *dir);
int learn_open(App *a, const Config *cfg);
/* The sweeps of the runs folder, the newest first (opened from home). */
int sweep_screen_open(App *a);
/* Writes the HTML report of the run folders into the runs folder and says
 * where in the message line (report_key.c). */
int app_write_report(App *a, const char *const *dirs, int n);

/* Command-line front door shared by the workbench, replay and watch:
 *   --dump            print the rendered screen as text instead of opening the terminal
 *   --size WxH        size of the dumped screen (default 120x40)
 *   --keys STR        keys applied before dumping (\n Enter, \e Esc, \t Tab, \u \d \l \r arrows)
 *   --dir DIR         runs folder; --configs DIR configs folder
 *   --speed S         replay speed: 1, 10 or 0 (instant)
 *   --ascii / --no-color   force the fallbacks */
typedef struct AppCli {
    int dump, w, h, ascii, mono;
    const char *keys, *runs_dir, *configs_dir;
    double speed;
    int speed_set;
    const char *pos[16];
    int npos;
} AppCli;
/* Returns 0, or 2 after printing a usage error for cmd. */
int app_cli_parse(int argc, char **argv, AppCli *o, const char *cmd);
typedef int (*AppSetup)(App *a, void *ctx);
/* Opens the app (terminal, or headless for --dump), runs setup, then the UI. */
int app_cli_main(const AppCli *o, AppSetup setup, void *ctx);

/* `sentui replay` and `sentui watch` (cmd_replay.c). */
int replay_or_watch(int argc, char **argv, int watch);

/* Small shared drawing helpers (labels.c). */
void draw_kv(Grid *g, int x, int y, int w, const char *k, const char *v);
const char *arch_label(int arch);
int arch_from_name(const char *name);

#endif
