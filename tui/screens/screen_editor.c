/* Config editor: the schema's keys that apply to the architecture, each with
 * its type, range, default and help. Values are edited in place and checked
 * on every key press, or edited as YAML in $EDITOR and checked on return. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "screens/app.h"

enum { MODE_LIST, MODE_EDIT, MODE_SEARCH, MODE_SAVE };

struct Editor {
    Config cfg, orig;
    char path[RUN_PATH_MAX];   /* file edited ("" when from defaults) */
    int sel, top;
    int mode;
    char buf[256];
    int pos;
    char check[512];           /* live validation of buf ("" when fine) */
    ConfigErrors file_errs;    /* from the last $EDITOR round */
    char tmp_path[RUN_PATH_MAX];
};

static int field_list(const Config *c, int *out) {
    int n = 0;
    unsigned bit = config_arch_bit(c->model_arch);
    for (int i = 0; i < config_key_count; i++)
        if (config_keys[i].archs & bit) out[n++] = i;
    return n;
}

static void editor_free(App *a) {
    struct Editor *e = a->ed;
    if (!e) return;
    config_free(&e->cfg);
    config_free(&e->orig);
    config_errors_free(&e->file_errs);
    if (e->tmp_path[0]) unlink(e->tmp_path);
    free(e);
    a->ed = NULL;
}

int editor_open(App *a, const char *path, int arch) {
    editor_free(a);
    struct Editor *e = calloc(1, sizeof *e);
    if (!e) return -1;
    if (path && *path) {
        ConfigErrors errs = {0};
        /* The form shows cross-field problems itself, beside the keys they
         * name, and lets them be fixed; only what stops reading is reported here. */
        if (config_read(&e->cfg, &(ConfigSource){.file = path, .flags = CONFIG_NO_CHECKS}, &errs)) {
            app_message(a, 1, "%s:%d:%d: %s", path, errs.n ? errs.items[0].line : 0, errs.n ? errs.items[0].col : 0,
                        errs.n ? errs.items[0].msg : "cannot read");
            e->file_errs = errs;
        } else {
            config_errors_free(&errs);
        }
        snprintf(e->path, sizeof e->path, "%s", path);
    } else {
        config_defaults(&e->cfg);
        e->cfg.model_arch = arch;
    }
    config_copy(&e->orig, &e->cfg);
    a->ed = e;
    app_push(a, SCR_EDITOR);
    return 0;
}

static void type_text(const ConfigKey *k, char *buf, size_t n) {
    switch (k->type) {
    case CFG_INT: snprintf(buf, n, "int %.0f..%.0f", k->min, k->max); break;
    case CFG_FLOAT: snprintf(buf, n, "float %g..%g", k->min, k->max); break;
    case CFG_BOOL: snprintf(buf, n, "bool"); break;
    case CFG_ENUM: snprintf(buf, n, "%s", k->values); break;
    case CFG_STR: snprintf(buf, n, "text"); break;
    }
}

static int differs(const Config *a, const Config *b, const ConfigKey *k) {
    char x[256], y[256];
    return strcmp(config_get_text(a, k, x, sizeof x), config_get_text(b, k, y, sizeof y)) != 0;
}

static void editor_draw(App *a, Grid *g, Rect body) {
    struct Editor *e = a->ed;
    if (!e) return;
    int fields[256];
    int n = field_list(&e->cfg, fields);
    if (e->sel >= n) e->sel = n - 1;
    if (e->sel < 0) e->sel = 0;
    int changed = 0;
    for (int i = 0; i < n; i++) changed += differs(&e->cfg, &e->orig, &config_keys[fields[i]]);
    char title[RUN_PATH_MAX + 128];
    snprintf(title, sizeof title, "%s  (%s)%s", e->path[0] ? e->path : "new config from defaults",
             arch_label(e->cfg.model_arch), changed ? "  modified" : "");
    Rect help_r, list_r;
    rect_split_rows(body, body.h - 7, 0, &list_r, &help_r);
    Rect in = grid_box(g, list_r, title, style(COL_BORDER, 0));
    /* Columns: key, value, type, default. */
    int kx = in.x + 1, vx = kx + 24, tx = vx + 22, dx = tx + 32;
    grid_text(g, kx, in.y, 23, "key", style(COL_HEADER, ATTR_BOLD));
    grid_text(g, vx, in.y, 21, "value", style(COL_HEADER, ATTR_BOLD));
    grid_text(g, tx, in.y, 31, "type", style(COL_HEADER, ATTR_BOLD));
    grid_text(g, dx, in.y, in.x + in.w - dx, "default", style(COL_HEADER, ATTR_BOLD));
    int rows = in.h - 1;
    if (e->sel < e->top) e->top = e->sel;
    if (e->sel >= e->top + rows) e->top = e->sel - rows + 1;
    for (int i = 0; i < rows && e->top + i < n; i++) {
        int idx = e->top + i, y = in.y + 1 + i;
        const ConfigKey *k = &config_keys[fields[idx]];
        int sel = idx == e->sel;
        Style st = sel ? (Style){COL_SELECT, COL_DEFAULT, ATTR_REVERSE | ATTR_BOLD} : style(COL_TEXT, 0);
        if (sel) grid_fill(g, rect(in.x, y, in.w, 1), ' ', st);
        int mod = differs(&e->cfg, &e->orig, k);
        grid_put(g, in.x, y, mod ? '*' : ' ', sel ? st : style(COL_WARN, ATTR_BOLD));
        grid_text(g, kx, y, 23, k->key, st);
        char v[256], t[128];
        if (sel && e->mode == MODE_EDIT) {
            Style es = {e->check[0] ? COL_BAD : COL_GOOD, COL_DEFAULT, ATTR_BOLD | ATTR_UNDERLINE};
            grid_fill(g, rect(vx, y, 21, 1), ' ', es);
            int start = e->pos > 20 ? e->pos - 20 : 0;
            grid_text(g, vx, y, 21, e->buf + start, es);
            grid_put(g, vx + e->pos - start, y, g->utf8 ? 0x2588 : '_', es);
        } else {
            const char *val = config_get_text(&e->cfg, k, v, sizeof v);
            grid_text(g, vx, y, 21, *val ? val : "\"\"", mod && !sel ? style(COL_WARN, ATTR_BOLD) : st);
        }
        type_text(k, t, sizeof t);
        grid_text(g, tx, y, 31, t, sel ? st : style(COL_DIM, 0));
        grid_text(g, dx, y, in.x + in.w - dx, *k->def ? k->def : "\"\"", sel ? st : style(COL_DIM, 0));
    }
    /* Help, live check and errors for the selected key. */
    Rect h = grid_box(g, help_r, "Help", style(COL_BORDER, 0));
    if (n == 0 || h.h <= 0) return;
    const ConfigKey *k = &config_keys[fields[e->sel]];
    char t[128], line[768];
    type_text(k, t, sizeof t);
    snprintf(line, sizeof line, "%s  (%s, default %s)", k->key, t, *k->def ? k->def : "\"\"");
    grid_text(g, h.x, h.y, h.w, line, style(COL_TITLE, ATTR_BOLD));
    grid_text(g, h.x, h.y + 1, h.w, k->help, style(COL_TEXT, 0));
    int y = h.y + 2;
    if (e->mode == MODE_EDIT) {
        if (e->check[0]) snprintf(line, sizeof line, "%s %s", g->utf8 ? "\u2717" : "x", e->check);
        else snprintf(line, sizeof line, "%s valid; Enter keeps it, Esc cancels", g->utf8 ? "\u2713" : "ok");
        grid_text(g, h.x, y++, h.w, line, style(e->check[0] ? COL_BAD : COL_GOOD, ATTR_BOLD));
    } else if (e->mode == MODE_SEARCH) {
        snprintf(line, sizeof line, "find: %s", e->buf);
        grid_text(g, h.x, y++, h.w, line, style(COL_KEY, ATTR_BOLD));
    } else if (e->mode == MODE_SAVE) {
        snprintf(line, sizeof line, "save as %.500s/%.200s", a->configs_dir, e->buf);
        grid_text(g, h.x, y++, h.w, line, style(COL_KEY, ATTR_BOLD));
        if (e->check[0]) grid_text(g, h.x, y++, h.w, e->check, style(COL_BAD, 0));
    }
    ConfigErrors cross = {0};
    config_validate(&e->cfg, &cross);
    for (int i = 0; i < cross.n && y < h.y + h.h; i++) grid_text(g, h.x, y++, h.w, cross.items[i].msg, style(COL_BAD, 0));
    config_errors_free(&cross);
    for (int i = 0; i < e->file_errs.n && y < h.y + h.h; i++) {
        const ConfigError *ce = &e->file_errs.items[i];
        snprintf(line, sizeof line, "line %d col %d: %s", ce->line, ce->col, ce->msg);
        grid_text(g, h.x, y++, h.w, line, style(COL_BAD, 0));
    }
}

static void recheck(struct Editor *e, const ConfigKey *k) {
    Config tmp;
    config_copy(&tmp, &e->cfg);
    config_set_text(&tmp, k, e->buf, e->check, sizeof e->check);
    config_free(&tmp);
}

static const ConfigKey *selected_key(struct Editor *e) {
    int fields[256];
    int n = field_list(&e->cfg, fields);
    return n ? &config_keys[fields[e->sel < n ? e->sel : n - 1]] : NULL;
}

static void search_jump(struct Editor *e) {
    int fields[256];
    int n = field_list(&e->cfg, fields);
    for (int i = 0; i < n; i++)
        if (strstr(config_keys[fields[i]].key, e->buf)) {
            e->sel = i;
            return;
        }
}

static void save_as(App *a, struct Editor *e) {
    char name[300], path[RUN_PATH_MAX];
    snprintf(name, sizeof name, "%s", e->buf);
    size_t len = strlen(name);
    if (len == 0 || strchr(name, '/') || name[0] == '.') {
        snprintf(e->check, sizeof e->check, "a plain file name, like lstm-fast.yaml");
        return;
    }
    if (len < 5 || strcmp(name + len - 5, ".yaml")) strncat(name, ".yaml", sizeof name - len - 1);
    snprintf(path, sizeof path, "%.700s/%.250s", a->configs_dir, name);
    if (access(path, F_OK) == 0) {
        snprintf(e->check, sizeof e->check, "%.400s exists; configs are never overwritten here", path);
        return;
    }
    ConfigErrors errs = {0};
    if (config_validate(&e->cfg, &errs)) {
        snprintf(e->check, sizeof e->check, "%s", errs.n ? errs.items[0].msg : "invalid config");
        config_errors_free(&errs);
        return;
    }
    config_errors_free(&errs);
    char err[256];
    if (make_dirs(a->configs_dir, err, sizeof err) || config_write_file(&e->cfg, path)) {
        snprintf(e->check, sizeof e->check, "cannot write %.400s", path);
        return;
    }
    snprintf(e->path, sizeof e->path, "%s", path);
    config_free(&e->orig);
    config_copy(&e->orig, &e->cfg);
    e->mode = MODE_LIST;
    app_message(a, 0, "saved %s", path);
    a->configs_changed = 1; /* the home screen lists it when shown again */
}

static void text_edit(struct Editor *e, int key) {
    size_t len = strlen(e->buf);
    if (key == TK_BACKSPACE) {
        if (e->pos > 0) memmove(e->buf + e->pos - 1, e->buf + e->pos, len - (size_t)e->pos + 1), e->pos--;
    } else if (key == TK_DELETE) {
        if ((size_t)e->pos < len) memmove(e->buf + e->pos, e->buf + e->pos + 1, len - (size_t)e->pos);
    } else if (key == TK_LEFT) {
        if (e->pos > 0) e->pos--;
    } else if (key == TK_RIGHT) {
        if ((size_t)e->pos < len) e->pos++;
    } else if (key == TK_HOME) {
        e->pos = 0;
    } else if (key == TK_END) {
        e->pos = (int)len;
    } else if (key >= 32 && key < 127 && len + 1 < sizeof e->buf) {
        memmove(e->buf + e->pos + 1, e->buf + e->pos, len - (size_t)e->pos + 1);
        e->buf[e->pos++] = (char)key;
    }
}

static int editor_input(App *a, int key) {
    struct Editor *e = a->ed;
    if (!e || e->mode == MODE_LIST) return -1;
    if (key == TK_ESC) {
        e->mode = MODE_LIST;
        e->check[0] = 0;
        return F_REDRAW;
    }
    const ConfigKey *k = selected_key(e);
    if (key == TK_ENTER) {
        if (e->mode == MODE_EDIT && k) {
            char msg[512];
            if (config_set_text(&e->cfg, k, e->buf, msg, sizeof msg) == 0) {
                e->mode = MODE_LIST;
                e->check[0] = 0;
                app_message(a, 0, "%s = %s", k->key, e->buf);
            } else {
                snprintf(e->check, sizeof e->check, "%s", msg);
            }
        } else if (e->mode == MODE_SEARCH) {
            e->mode = MODE_LIST;
        } else if (e->mode == MODE_SAVE) {
            save_as(a, e);
        }
        return F_REDRAW;
    }
    text_edit(e, key);
    if (e->mode == MODE_EDIT && k) recheck(e, k);
    if (e->mode == MODE_SEARCH) search_jump(e);
    if (e->mode == MODE_SAVE) e->check[0] = 0;
    return F_REDRAW;
}

static void cycle_value(App *a, struct Editor *e, int dir) {
    const ConfigKey *k = selected_key(e);
    if (!k) return;
    char cur[256], msg[256];
    config_get_text(&e->cfg, k, cur, sizeof cur);
    if (k->type == CFG_BOOL) {
        config_set_text(&e->cfg, k, strcmp(cur, "true") ? "true" : "false", msg, sizeof msg);
    } else if (k->type == CFG_ENUM) {
        int n = 1;
        for (const char *p = k->values; *p; p++) n += *p == '|';
        int idx = *(const int *)((const char *)&e->cfg + k->offset);
        idx = ((idx + dir) % n + n) % n;
        char name[64];
        config_set_text(&e->cfg, k, config_enum_name(k->values, idx, name, sizeof name), msg, sizeof msg);
    } else {
        app_message(a, 0, "Enter edits %s", k->key);
    }
}

/* Explains a system() status that means the editor did not run or gave up;
 * returns 0 when it exited normally with status 0. */
static int editor_failed(int rc, char *why, size_t n) {
    if (rc == -1) snprintf(why, n, "could not be started: %s", strerror(errno));
    else if (WIFSIGNALED(rc)) snprintf(why, n, "was killed by signal %d", WTERMSIG(rc));
    else if (!WIFEXITED(rc)) snprintf(why, n, "ended abnormally");
    /* The shell's codes for a command it cannot find or cannot execute. */
    else if (WEXITSTATUS(rc) == 127) snprintf(why, n, "could not be started: command not found");
    else if (WEXITSTATUS(rc) == 126) snprintf(why, n, "could not be started: not executable");
    else if (WEXITSTATUS(rc) != 0) snprintf(why, n, "exited with status %d", WEXITSTATUS(rc));
    else return 0;
    return 1;
}

static void external_edit(App *a, struct Editor *e) {
    if (a->headless || !term_is_open()) {
        app_message(a, 1, "$EDITOR needs a terminal");
        return;
    }
    if (!e->tmp_path[0] || e->file_errs.n == 0) {
        /* A fresh round starts from the values shown; a failed one reopens the user's text. */
        if (e->tmp_path[0]) unlink(e->tmp_path);
        snprintf(e->tmp_path, sizeof e->tmp_path, "%s/sentui-edit-XXXXXX.yaml", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        int fd = mkstemps(e->tmp_path, 5);
        if (fd < 0) {
            app_message(a, 1, "cannot create a temporary file");
            e->tmp_path[0] = 0;
            return;
        }
        close(fd);
        if (config_write_file(&e->cfg, e->tmp_path)) {
            app_message(a, 1, "cannot write %s", e->tmp_path);
            return;
        }
    }
    const char *ed = getenv("VISUAL");
    if (!ed || !*ed) ed = getenv("EDITOR");
    if (!ed || !*ed) ed = "vi";
    char cmd[RUN_PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "%s '%s'", ed, e->tmp_path);
    term_suspend();
    int rc = system(cmd);
    term_resume();
    char why[160];
    if (editor_failed(rc, why, sizeof why)) {
        /* The file was not edited (or the edit was abandoned): applying it would
         * report success for a change the user never made. */
        app_message(a, 1, "editor '%.120s' %s; nothing applied (set $VISUAL or $EDITOR)", ed, why);
        return;
    }
    Config c;
    config_errors_free(&e->file_errs);
    memset(&e->file_errs, 0, sizeof e->file_errs);
    int bad = config_read(&c, &(ConfigSource){.file = e->tmp_path}, &e->file_errs);
    if (bad) {
        app_message(a, 1, "%d problem%s in the YAML: e to fix", e->file_errs.n, e->file_errs.n > 1 ? "s" : "");
        config_free(&c);
        return;
    }
    config_free(&e->cfg);
    e->cfg = c;
    app_message(a, 0, "YAML checked and applied");
}

static int editor_action(App *a, int act) {
    struct Editor *e = a->ed;
    if (!e) return -1;
    int fields[256];
    int n = field_list(&e->cfg, fields);
    const ConfigKey *k = selected_key(e);
    switch (act) {
    case ACT_UP: e->sel--; break;
    case ACT_DOWN: e->sel++; break;
    case ACT_PGUP: e->sel -= 10; break;
    case ACT_PGDN: e->sel += 10; break;
    case ACT_TOP: e->sel = 0; break;
    case ACT_BOTTOM: e->sel = n - 1; break;
    case ACT_EDIT:
        if (!k) break;
        config_get_text(&e->cfg, k, e->buf, sizeof e->buf);
        e->pos = (int)strlen(e->buf);
        e->check[0] = 0;
        e->mode = MODE_EDIT;
        break;
    case ACT_SEARCH:
        e->buf[0] = 0;
        e->pos = 0;
        e->mode = MODE_SEARCH;
        break;
    case ACT_PREV_VALUE: cycle_value(a, e, -1); break;
    case ACT_NEXT_VALUE: cycle_value(a, e, 1); break;
    case ACT_EXTERNAL: external_edit(a, e); break;
    case ACT_SAVE_CONFIG: {
        char an[32];
        config_enum_name(ARCH_VALUES, e->cfg.model_arch, an, sizeof an);
        for (int i = 2; i < 1000; i++) {
            char path[RUN_PATH_MAX + 64];
            snprintf(e->buf, sizeof e->buf, "%s-%d.yaml", an, i);
            snprintf(path, sizeof path, "%.700s/%.250s", a->configs_dir, e->buf);
            if (access(path, F_OK) != 0) break;
        }
        e->pos = (int)strlen(e->buf);
        e->check[0] = 0;
        e->mode = MODE_SAVE;
        break;
    }
    case ACT_NEW_RUN: {
        ConfigErrors errs = {0};
        if (config_validate(&e->cfg, &errs)) app_message(a, 1, "%s", errs.n ? errs.items[0].msg : "invalid config");
        else dash_start_training(a, &e->cfg);
        config_errors_free(&errs);
        break;
    }
    case ACT_LEARN: learn_open(a, &e->cfg); break;
    default: return -1;
    }
    if (e->sel >= n) e->sel = n - 1;
    if (e->sel < 0) e->sel = 0;
    return F_REDRAW;
}

const ScreenOps screen_editor = {"Config editor", editor_draw, editor_action, editor_input, NULL, editor_free};
