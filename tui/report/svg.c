/* SVG primitives for the report and `sentui plot`; see svg.h. */
#include "report/svg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/utf8.h"

void xml_text(FILE *f, const char *s, int max_chars) {
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t avail = strlen((const char *)p);
    for (int count = 0; *p; count++) {
        if (max_chars > 0 && count == max_chars - 1 && avail > 1) {
            fputs("\u2026", f);
            return;
        }
        uint32_t cp;
        int len = *p >= 0x80 ? utf8_decode_multibyte(p, avail, &cp) : 1;
        if (len == 0) {
            fputs("\uFFFD", f); /* a byte that is not UTF-8 */
            len = 1;
        } else if (len > 1) {
            fwrite(p, 1, (size_t)len, f);
        } else if (*p == '&') fputs("&amp;", f);
        else if (*p == '<') fputs("&lt;", f);
        else if (*p == '>') fputs("&gt;", f);
        else if (*p == '"') fputs("&quot;", f);
        else if (*p == '\'') fputs("&#39;", f);
        else if (*p >= 0x20 && *p != 0x7f) fputc(*p, f);
        else if (*p == '\t' || *p == '\n') fputc(' ', f);
        else count--; /* other control characters are not allowed in XML */
        p += len;
        avail -= (size_t)len;
    }
}

void svg_open(FILE *f, int w, int h, int standalone, const char *title) {
    if (standalone) fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\">\n<title>",
            w, h, w, h);
    xml_text(f, title, 0);
    fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
}

void svg_close(FILE *f) {
    fputs("</svg>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size, double rotate, const char *s, int max_chars) {
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"", x, y, anchor, size);
    if (rotate != 0) fprintf(f, " transform=\"rotate(%.0f %.1f %.1f)\"", rotate, x, y);
    fputc('>', f);
    xml_text(f, s, max_chars);
    fputs("</text>\n", f);
}

double svg_px(const SvgScale *s, double v) {
    double span = s->hi - s->lo;
    if (!(span > 0)) return (s->px0 + s->px1) / 2;
    return s->px0 + (v - s->lo) / span * (s->px1 - s->px0);
}

int svg_nice_ticks(double *lo, double *hi, int want, double *ticks, int max) {
    if (!isfinite(*lo) || !isfinite(*hi)) *lo = 0, *hi = 1;
    if (*hi <= *lo) {
        double pad = fabs(*lo) > 0 ? fabs(*lo) * 0.05 : 0.5;
        *lo -= pad, *hi += pad;
    }
    double raw = (*hi - *lo) / (want > 1 ? want : 1), mag = pow(10, floor(log10(raw))), step = mag;
    if (raw / mag > 5) step = 10 * mag;
    else if (raw / mag > 2) step = 5 * mag;
    else if (raw / mag > 1) step = 2 * mag;
    *lo = floor(*lo / step) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
    int n = 0;
    for (int i = 0; n < max; i++) {
        double t = *lo + i * step;
        if (t > *hi + step * 1e-6) break;
        ticks[n++] = fabs(t) < step * 1e-9 ? 0 : t;
    }
    return n;
}

static void tick_label(double v, char *b, size_t n) {
    double a = fabs(v);
    if (a >= 1e5 || (a > 0 && a < 1e-3)) snprintf(b, n, "%.2g", v);
    else snprintf(b, n, "%g", round(v * 1e6) / 1e6);
}

void svg_axes(FILE *f, const SvgScale *x, const SvgScale *y, const double *xt, int nxt, const double *yt, int nyt,
              const char *xlabel, const char *ylabel) {
    char b[32];
    fprintf(f, "<g stroke=\"#dddddd\" stroke-width=\"1\">\n");
    for (int i = 0; i < nyt; i++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x->px0, svg_px(y, yt[i]), x->px1,
                svg_px(y, yt[i]));
    fprintf(f, "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333333\"/>\n",
            x->px0, y->px1, x->px1 - x->px0, y->px0 - y->px1);
    for (int i = 0; i < nxt; i++) {
        double px = svg_px(x, xt[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", px, y->px0, px,
                y->px0 + 5);
        tick_label(xt[i], b, sizeof b);
        svg_text(f, px, y->px0 + 18, "middle", 11, 0, b, 0);
    }
    for (int i = 0; i < nyt; i++) {
        double py = svg_px(y, yt[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"/>\n", x->px0 - 5, py,
                x->px0, py);
        tick_label(yt[i], b, sizeof b);
        svg_text(f, x->px0 - 8, py + 4, "end", 11, 0, b, 0);
    }
    svg_text(f, (x->px0 + x->px1) / 2, y->px0 + 38, "middle", 13, 0, xlabel, 0);
    svg_text(f, x->px0 - 48, (y->px0 + y->px1) / 2, "middle", 13, -90, ylabel, 0);
}

/* Okabe and Ito's palette, readable with the common colour-vision deficiencies. */
static const char *const colors[8] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#999999"};
static const char *const dashes[6] = {"", "7,4", "2,3", "9,3,2,3", "4,2", "12,4,2,4,2,4"};

const char *svg_series_color(int i) {
    return colors[i % 8];
}

const char *svg_series_dash(int i) {
    return dashes[i % 6];
}

/* Eight marks: circle, square, triangle, diamond, triangle down, cross, plus, open circle. */
void svg_mark(FILE *f, int i, double x, double y) {
    const char *c = svg_series_color(i);
    switch (i % 8) {
    case 0: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", x, y, c); break;
    case 1: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"%s\"/>\n", x - 3.5, y - 3.5, c); break;
    case 2:
        fprintf(f, "<path d=\"M%.1f %.1fl4 7h-8z\" fill=\"%s\"/>\n", x, y - 4.5, c);
        break;
    case 3: fprintf(f, "<path d=\"M%.1f %.1fl4.5 4.5l-4.5 4.5l-4.5 -4.5z\" fill=\"%s\"/>\n", x, y - 4.5, c); break;
    case 4: fprintf(f, "<path d=\"M%.1f %.1fl4 -7h-8z\" fill=\"%s\"/>\n", x, y + 4.5, c); break;
    case 5:
        fprintf(f, "<path d=\"M%.1f %.1fl7 7m0 -7l-7 7\" stroke=\"%s\" stroke-width=\"2\" fill=\"none\"/>\n", x - 3.5,
                y - 3.5, c);
        break;
    case 6:
        fprintf(f, "<path d=\"M%.1f %.1fh9m-4.5 -4.5v9\" stroke=\"%s\" stroke-width=\"2\" fill=\"none\"/>\n", x - 4.5, y,
                c);
        break;
    default:
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                x, y, c);
    }
}

void svg_heat_color(double t, char *buf, size_t n) {
    if (!isfinite(t) || t < 0) t = 0;
    if (t > 1) t = 1;
    /* #f7fbff to #08306b */
    int r = (int)lround(247 + (8 - 247) * t), g = (int)lround(251 + (48 - 251) * t), b = (int)lround(255 + (107 - 255) * t);
    snprintf(buf, n, "#%02x%02x%02x", r, g, b);
}
