/* CSV and TSV (RFC 4180): fields quoted with '"' may hold separators, line
 * breaks and doubled quotes; records end in LF, CRLF or a lone CR; blank
 * lines are skipped. Like Python's csv module, a quote inside an unquoted
 * field, or text after a closing quote, is kept as it is rather than
 * refused. The parser is a byte-at-a-time state machine fed block by block,
 * so a record may span blocks and a huge line costs linear time; only the
 * text and label fields are kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/labelled_internal.h"

enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN };

typedef struct {
    LabelledSet *set;
    const LabelledSource *src;
    const LabelledOptions *opt;
    char sep;
    int text_col, label_col; /* 0-based; -1 until the header names them */
    int header;              /* the next record is the header */
    int state, in_record, quoted, keep, prev_cr, skip_lf;
    long line, rec_line; /* the physical line now, and where the record began */
    int field;           /* the current field's index */
    size_t field_len;    /* its bytes, kept or not */
    LabelledBuf cur, text, label;
    int have_text, have_label;
    char **names; /* the header's fields, when columns are named */
    int n_names, names_cap;
    char *err;
    size_t errlen;
} Csv;

static int oom(Csv *p) {
    snprintf(p->err, p->errlen, "%s:%ld: out of memory", p->src->name, p->rec_line);
    return -1;
}

static void field_start(Csv *p) {
    p->field_len = 0;
    p->cur.len = 0;
    p->quoted = 0;
    p->keep = p->header || p->field == p->text_col || p->field == p->label_col;
}

static int push(Csv *p, char c) {
    if (++p->field_len > LABELLED_MAX_FIELD) {
        snprintf(p->err, p->errlen, "%s:%ld: field %d is longer than %u MB", p->src->name, p->rec_line, p->field + 1,
                 LABELLED_MAX_FIELD >> 20);
        return -1;
    }
    if (!p->keep) return 0;
    if (p->cur.len < p->cur.cap) {
        p->cur.p[p->cur.len++] = c;
        return 0;
    }
    return lbuf_append(&p->cur, &c, 1) ? oom(p) : 0;
}

static void swap(LabelledBuf *a, LabelledBuf *b) {
    LabelledBuf t = *a;
    *a = *b;
    *b = t;
}

static int add_name(Csv *p) {
    if (p->n_names == p->names_cap) {
        int cap = p->names_cap ? p->names_cap * 2 : 16;
        char **n = realloc(p->names, (size_t)cap * sizeof *n);
        if (!n) return oom(p);
        p->names = n, p->names_cap = cap;
    }
    char *s = malloc(p->cur.len + 1);
    if (!s) return oom(p);
    if (p->cur.len) memcpy(s, p->cur.p, p->cur.len);
    s[p->cur.len] = 0;
    p->names[p->n_names++] = s;
    return 0;
}

static int end_field(Csv *p) {
    if (p->header && p->keep && add_name(p)) return -1;
    if (!p->header && p->field == p->text_col) swap(&p->cur, &p->text), p->have_text = 1;
    else if (!p->header && p->field == p->label_col) swap(&p->cur, &p->label), p->have_label = 1;
    if (p->field == 0x7fffffff) {
        snprintf(p->err, p->errlen, "%s:%ld: too many fields", p->src->name, p->rec_line);
        return -1;
    }
    p->field++;
    field_start(p);
    p->state = FIELD_START;
    return 0;
}

static int find_column(Csv *p, const char *want, const char *what) {
    for (int i = 0; i < p->n_names; i++)
        if (!strcmp(p->names[i], want)) return i;
    char hint[600];
    labelled_suggest(want, (const char *const *)p->names, p->n_names, hint, sizeof hint);
    snprintf(p->err, p->errlen, "%s:%ld: no %s column \"%.200s\" in the header%s", p->src->name, p->rec_line, what,
             want, hint);
    return -1;
}

static int resolve_header(Csv *p) {
    if (p->opt->text_column) {
        if ((p->text_col = find_column(p, p->opt->text_column, "text")) < 0) return -1;
        if ((p->label_col = find_column(p, p->opt->label_column, "label")) < 0) return -1;
        if (p->text_col == p->label_col) {
            snprintf(p->err, p->errlen, "%s:%ld: the text and label columns are the same column", p->src->name,
                     p->rec_line);
            return -1;
        }
    }
    return 0;
}

static int add_row(Csv *p) {
    int n = p->field;
    if (!p->have_text || !p->have_label) {
        int text_missing = !p->have_text;
        snprintf(p->err, p->errlen, "%s:%ld: the row has %d field%s; the %s column is field %d", p->src->name,
                 p->rec_line, n, n == 1 ? "" : "s", text_missing ? "text" : "label",
                 (text_missing ? p->text_col : p->label_col) + 1);
        return -1;
    }
    LabelledWhere w = {p->src->name, p->rec_line};
    return lb_add(p->set, p->text.p ? p->text.p : "", p->text.len, p->label.p ? p->label.p : "", p->label.len, &w,
                  NULL, NULL, p->err, p->errlen);
}

static int end_record(Csv *p) {
    int blank = p->field == 0 && p->field_len == 0 && !p->quoted;
    p->in_record = 0;
    if (blank) return 0;
    if (end_field(p)) return -1;
    int rc = p->header ? resolve_header(p) : add_row(p);
    p->header = 0;
    p->field = 0;
    p->have_text = p->have_label = 0;
    field_start(p);
    return rc;
}

/* Counts physical lines: LF, CRLF and a lone CR each end one. */
static void count_line(Csv *p, char c) {
    if (c == '\r' || (c == '\n' && !p->prev_cr)) p->line++;
    p->prev_cr = c == '\r';
}

static int byte_in_field(Csv *p, char c) {
    switch (p->state) {
    case FIELD_START:
        if (c == '"') {
            p->quoted = 1;
            p->state = QUOTED;
            return 0;
        }
        /* fall through */
    case UNQUOTED:
        p->state = UNQUOTED;
        return push(p, c);
    case QUOTED:
        if (c == '"') {
            p->state = QUOTE_SEEN;
            return 0;
        }
        return push(p, c);
    default: /* QUOTE_SEEN: a doubled quote is one quote; anything else is kept */
        p->state = c == '"' ? QUOTED : UNQUOTED;
        return push(p, c);
    }
}

static int feed(Csv *p, const char *data, long n) {
    for (long i = 0; i < n; i++) {
        char c = data[i];
        if (p->skip_lf) {
            p->skip_lf = 0;
            if (c == '\n') {
                p->prev_cr = 0;
                continue;
            }
        }
        if (!p->in_record) p->in_record = 1, p->rec_line = p->line;
        count_line(p, c);
        int rc;
        if (p->state == QUOTED && c != '"')
            rc = push(p, c);
        else if (c == p->sep)
            rc = end_field(p);
        else if (c == '\n' || c == '\r') {
            p->skip_lf = c == '\r';
            rc = end_record(p);
        } else
            rc = byte_in_field(p, c);
        if (rc) return -1;
    }
    return 0;
}

static int at_end(Csv *p) {
    if (p->state == QUOTED) {
        snprintf(p->err, p->errlen, "%s:%ld: unterminated quote: the quoted field %d runs to the end of the file",
                 p->src->name, p->rec_line, p->field + 1);
        return -1;
    }
    return p->in_record ? end_record(p) : 0;
}

static void csv_free(Csv *p) {
    for (int i = 0; i < p->n_names; i++) free(p->names[i]);
    free(p->names);
    free(p->cur.p), free(p->text.p), free(p->label.p);
}

int labelled_read_csv(LabelledSource *s, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen) {
    if (ls_select(s, opt->member, err, errlen)) return -1;
    Csv p;
    memset(&p, 0, sizeof p);
    p.set = set, p.src = s, p.opt = opt, p.err = err, p.errlen = errlen;
    p.sep = opt->format == LABELLED_TSV ? '\t' : ',';
    p.line = 1;
    p.header = opt->text_column ? 1 : opt->has_header;
    p.text_col = opt->text_column ? -1 : opt->text_index - 1;
    p.label_col = opt->text_column ? -1 : opt->label_index - 1;
    field_start(&p);
    int rc = 0;
    for (;;) {
        const char *data;
        long n = ls_read(s, &data, err, errlen);
        if (n <= 0) {
            rc = n < 0 ? -1 : at_end(&p);
            break;
        }
        if ((rc = feed(&p, data, n))) break;
    }
    csv_free(&p);
    return rc ? -1 : ls_check_alone(s, opt->member, err, errlen);
}
