/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "screens/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_paths.h"
#include "cli/cli_runs.h"
#include "kernels/tensor.h"

const ActionInfo app_actions[ACT_COUNT] = {
#define ACT_INFO(id, key, alt, scr, keys, foot, help) {#id, key, alt, scr, keys, foot, help},
    APP_ACTIONS(ACT_INFO)
#undef ACT_INFO
};

static const ScreenOps *const screens[SCR_COUNT] = {
    [SCR_HOME] = &screen_home,   [SCR_EDITOR] = &screen_editor, [SCR_DASH] = &screen_dash,
    [SCR_COMPARE] = &screen_compare, [SCR_TRY] = &screen_try,   [SCR_LEARN] = &screen_learn,
    [SCR_HELP] = &screen_help,   [SCR_SWEEP] = &screen_sweep,
};

#define MIN_W 80
#define MIN_H 24

int app_init(App *a, int w, int h, int utf8, int color, const char *runs_dir, const char *configs_dir) {
    memset(a, 0, sizeof *a);
    a->utf8 = utf8;
    a->color = color;
    if (grid_init(&a->grid, w, h, utf8, color)) return -1;
    if (!configs_dir || !*configs_dir) configs_dir = cli_configs_dir();
    snprintf(a->runs_dir, sizeof a->runs_dir, "%s", cli_runs_dir(runs_dir));
    snprintf(a->configs_dir, sizeof a->configs_dir, "%s", configs_dir);
    a->screen = SCR_HOME;
    a->now = now_seconds();
    return 0;
}

void app_free(App *a) {
    /* The dashboard first: it stops a live run before anything it may show goes. */
    static const ScreenId order[] = {SCR_DASH, SCR_TRY, SCR_LEARN, SCR_COMPARE, SCR_SWEEP, SCR_EDITOR, SCR_HOME};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (screens[order[i]]->free) screens[order[i]]->free(a);
    grid_free(&a->grid);
}

static int request_quit(App *a) {
    if (dash_live(a)) {
        a->confirm_quit = 1;
        return F_REDRAW;
    }
    a->quit = 1;
    return F_QUIT;
}

static int find_action(ScreenId s, int key) {
    for (int i = 0; i < ACT_COUNT; i++) {
        const ActionInfo *ai = &app_actions[i];
        if (!(ai->screens & (1u << s))) continue;
        if (ai->key == key || (ai->alt && ai->alt == key)) return i;
    }
    return -1;
}

int app_key(App *a, int key) {
    if (key == TK_NONE) return F_NONE;
    if (key == TK_RESIZE) return F_REDRAW;
    if (key == TK_HANGUP) { /* nobody is left to answer a question: save the run and go */
        dash_stop_and_wait(a);
        a->quit = 1;
        return F_QUIT;
    }
    if (a->confirm_quit) {
        if (key == 'y' || key == 'Y') {
            dash_stop_and_wait(a);
            a->quit = 1;
            return F_QUIT;
        }
        if (key == 'n' || key == 'N' || key == TK_ESC || key == 'q') a->confirm_quit = 0;
        return F_REDRAW;
    }
    if (key == TK_INTERRUPT) return request_quit(a);
    /* Below the minimum size only quitting makes sense. */
    if (!a->headless && (a->grid.w < MIN_W || a->grid.h < MIN_H)) {
        if (key == 'q' || key == TK_ESC) return request_quit(a);
        return F_NONE;
    }
    const ScreenOps *ops = screens[a->screen];
    if (ops->input) {
        int f = ops->input(a, key);
        if (f >= 0) return f | F_REDRAW;
    }
    int act = find_action(a->screen, key);
    if (act < 0) return F_NONE;
    if (act == ACT_HELP) {
        a->help_for = a->screen;
        app_push(a, SCR_HELP);
        return F_REDRAW;
    }
    int f = ops->action ? ops->action(a, act) : -1;
    if (f >= 0) return f | F_REDRAW;
    /* Default: back out of the screen; the last one asks before quitting. */
    if (act == ACT_BACK || act == ACT_TRY_BACK) {
        if (a->depth == 0) return request_quit(a);
        app_pop(a);
        return F_REDRAW;
    }
    return F_NONE;
}

int app_tick(App *a, double now) {
    a->now = now;
    int f = 0;
    /* The dashboard's source keeps draining whichever screen is shown, so a
     * live run never waits for the UI. */
    if (screens[SCR_DASH]->tick) f |= screens[SCR_DASH]->tick(a, now) & (a->screen == SCR_DASH ? ~0 : ~F_REDRAW);
    if (a->screen != SCR_DASH && screens[a->screen]->tick) f |= screens[a->screen]->tick(a, now);
    if (a->msg[0] && now > a->msg_until) a->msg[0] = 0, f |= F_REDRAW;
    return f;
}

static void draw_header(App *a, Grid *g) {
    Style bar = {COL_HEADER, COL_DEFAULT, ATTR_REVERSE | ATTR_BOLD};
    grid_fill(g, rect(0, 0, g->w, 1), ' ', bar);
    int x = grid_text(g, 1, 0, g->w, "sentui", bar) + 1;
    const char *title = screens[a->screen]->title;
    x += grid_text(g, x + 1, 0, g->w - x - 1, g->utf8 ? "\u00b7" : "-", bar) + 1;
    x += grid_text(g, x + 1, 0, g->w - x - 1, title, bar) + 2;
    if (a->msg[0]) {
        Style ms = {a->msg_bad ? COL_BAD : COL_GOOD, COL_DEFAULT, ATTR_REVERSE | ATTR_BOLD};
        int w = utf8_columns(a->msg) + 2;
        if (w > g->w - x - 1) w = g->w - x - 1;
        if (w > 2) {
            grid_fill(g, rect(g->w - w, 0, w, 1), ' ', ms);
            grid_text(g, g->w - w + 1, 0, w - 2, a->msg, ms);
        }
    }
}

static const char *keys_of(const ActionInfo *ai, int utf8, char *buf, int n) {
    if (ai->keys) {
        /* Arrows are spelt out without UTF-8. */
        if (!utf8 && strstr(ai->keys, "\u2191")) return "Up/k";
        if (!utf8 && strstr(ai->keys, "\u2193")) return "Down/j";
        if (!utf8 && strstr(ai->keys, "\u2190")) return "Left/h";
        if (!utf8 && strstr(ai->keys, "\u2192")) return "Right/l";
        return ai->keys;
    }
    char k1[16], k2[16];
    term_key_name(ai->key, utf8, k1, sizeof k1);
    if (ai->alt) snprintf(buf, (size_t)n, "%s/%s", k1, term_key_name(ai->alt, utf8, k2, sizeof k2));
    else snprintf(buf, (size_t)n, "%s", k1);
    return buf;
}

const char *app_action_keys(const ActionInfo *ai, int utf8, char *buf, int n) {
    return keys_of(ai, utf8, buf, n);
}

const char *app_screen_title(ScreenId s) {
    return s < SCR_COUNT ? screens[s]->title : "";
}

/* The footer: the screen's keys in table order, except that the dashboard
 * leads with its current mode's keys (so a narrow terminal cuts the others)
 * and leaves out the other mode's. */
static void draw_footer(App *a, Grid *g) {
    int y = g->h - 1, x = 0;
    grid_fill(g, rect(0, y, g->w, 1), ' ', style(COL_TEXT, 0));
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < ACT_COUNT; i++) {
            const ActionInfo *ai = &app_actions[i];
            if (!ai->footer || !(ai->screens & (1u << a->screen))) continue;
            if ((a->screen == SCR_DASH ? dash_footer_rank(a, i) : 1) != pass) continue;
            char kb[32];
            const char *k = keys_of(ai, g->utf8, kb, sizeof kb);
            int need = utf8_columns(k) + 1 + utf8_columns(ai->footer) + 2;
            if (x + need > g->w) return;
            x += grid_text(g, x, y, g->w - x, k, style(COL_KEY, ATTR_BOLD));
            x += 1;
            x += grid_text(g, x, y, g->w - x, ai->footer, style(COL_DIM, 0));
            x += 2;
        }
}

static void draw_too_small(Grid *g) {
    grid_clear(g);
    char line[128];
    snprintf(line, sizeof line, "Terminal too small: %dx%d", g->w, g->h);
    int y = g->h / 2 - 1;
    if (y < 0) y = 0;
    int w = utf8_columns(line);
    grid_text(g, (g->w - w) / 2 > 0 ? (g->w - w) / 2 : 0, y, g->w, line, style(COL_BAD, ATTR_BOLD));
    snprintf(line, sizeof line, "sentui needs at least %dx%d", MIN_W, MIN_H);
    w = utf8_columns(line);
    grid_text(g, (g->w - w) / 2 > 0 ? (g->w - w) / 2 : 0, y + 1, g->w, line, style(COL_TEXT, 0));
    const char *hint = "enlarge the window, or q to quit";
    w = utf8_columns(hint);
    grid_text(g, (g->w - w) / 2 > 0 ? (g->w - w) / 2 : 0, y + 2, g->w, hint, style(COL_DIM, 0));
}

static void draw_confirm(App *a, Grid *g) {
    int w = 66, h = 7;
    Rect r = rect((g->w - w) / 2, (g->h - h) / 2, w, h);
    grid_fill(g, r, ' ', style(COL_TEXT, 0));
    Rect in = grid_box(g, r, "Quit?", style(COL_WARN, ATTR_BOLD));
    grid_text(g, in.x + 1, in.y, in.w - 2, "A run is training. Stop it and quit?", style(COL_TEXT, ATTR_BOLD));
    grid_text(g, in.x + 1, in.y + 1, in.w - 2, "It is saved first and continues with: sentui resume RUN",
              style(COL_TEXT, 0));
    grid_text(g, in.x + 1, in.y + 3, in.w - 2, "y stop and quit   n keep training", style(COL_KEY, ATTR_BOLD));
    (void)a;
}

void app_render(App *a) {
    Grid *g = &a->grid;
    grid_clear(g);
    if (!a->headless && (g->w < MIN_W || g->h < MIN_H)) {
        draw_too_small(g);
        if (a->confirm_quit) draw_confirm(a, g);
        return;
    }
    draw_header(a, g);
    Rect body = rect(0, 1, g->w, g->h - 2);
    screens[a->screen]->draw(a, g, body);
    draw_footer(a, g);
    if (a->confirm_quit) draw_confirm(a, g);
}

int app_run(App *a) {
    double last_draw = 0;
    int dirty = 1;
    while (!a->quit) {
        double now = now_seconds();
        /* Sleep in the key read only when nothing is waiting to be drawn. */
        int key = term_read_key(dirty ? 10 : 50);
        int f = 0;
        if (key == TK_RESIZE) {
            int w, h;
            term_size(&w, &h);
            grid_resize(&a->grid, w, h);
            f |= F_REDRAW;
            last_draw = 0;
        }
        f |= app_key(a, key);
        f |= app_tick(a, now_seconds());
        if (f & F_REDRAW) dirty = 1;
        if (a->quit) break;
        now = now_seconds();
        if (dirty && now - last_draw >= 0.05) { /* at most 20 frames a second */
            app_render(a);
            term_blit(&a->grid);
            last_draw = now;
            dirty = 0;
        }
    }
    return 0;
}

void app_script(App *a, const char *keys) {
    app_tick(a, now_seconds());
    for (const char *p = keys ? keys : ""; *p; p++) {
        int k = (unsigned char)*p;
        if (*p == '\\' && p[1]) {
            p++;
            switch (*p) {
            case 'n': k = TK_ENTER; break;
            case 'e': k = TK_ESC; break;
            case 't': k = TK_TAB; break;
            case 'T': k = TK_BTAB; break;
            case 'u': k = TK_UP; break;
            case 'd': k = TK_DOWN; break;
            case 'l': k = TK_LEFT; break;
            case 'r': k = TK_RIGHT; break;
            default: k = (unsigned char)*p;
            }
        }
        app_key(a, k);
        app_tick(a, now_seconds());
        if (a->quit) break;
    }
    app_render(a);
}

/* ---- the `?` screen, generated from the action table ---- */

static void help_draw(App *a, Grid *g, Rect body) {
    char title[96];
    snprintf(title, sizeof title, "Keys: %s", screens[a->help_for]->title);
    Rect in = grid_box(g, rect_inset(body, 1), title, style(COL_BORDER, 0));
    int y = in.y, n = 0;
    for (int i = 0; i < ACT_COUNT; i++) {
        const ActionInfo *ai = &app_actions[i];
        if (!(ai->screens & (1u << a->help_for))) continue;
        if (n++ < a->help_top) continue;
        if (y >= in.y + in.h) break;
        char kb[32];
        grid_text(g, in.x + 2, y, 14, keys_of(ai, g->utf8, kb, sizeof kb), style(COL_KEY, ATTR_BOLD));
        grid_text(g, in.x + 18, y, in.w - 20, ai->help, style(COL_TEXT, 0));
        y++;
    }
}

static int help_action(App *a, int act) {
    if (act == ACT_DOWN || act == ACT_PGDN) a->help_top++;
    else if ((act == ACT_UP || act == ACT_PGUP) && a->help_top > 0) a->help_top--;
    else if (act == ACT_TOP) a->help_top = 0;
    else if (act == ACT_BACK) {
        a->help_top = 0;
        app_pop(a);
    } else return -1;
    return F_REDRAW;
}

const ScreenOps screen_help = {"Help", help_draw, help_action, NULL, NULL, NULL};
