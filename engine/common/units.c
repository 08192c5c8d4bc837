#include "common/units.h"

#include <math.h>
#include <stdio.h>

static void scaled(double v, const char *const *unit, int units, const char *sep, char *buf, size_t n) {
    if (!isfinite(v) || v < 0) {
        snprintf(buf, n, "?");
        return;
    }
    int k = 0;
    while (v >= 999.95 && k < units - 1) v /= 1000, k++;
    if (v >= 999.95) snprintf(buf, n, "%.2g%s%s", v, sep, unit[k]); /* beyond the last unit: 1e+12 EB */
    else if (k == 0) snprintf(buf, n, "%.0f%s%s", v, sep, unit[0]);
    else snprintf(buf, n, "%.1f%s%s", v, sep, unit[k]);
}

void format_bytes(double bytes, char *buf, size_t n) {
    static const char *const unit[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    scaled(bytes, unit, 7, " ", buf, n);
}

void format_si(double v, char *buf, size_t n) {
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    static const char suffix[] = " kMGTP";
    double a = fabs(v);
    int k = 0;
    while (a >= 999.5 && k < 5) a /= 1e3, v /= 1e3, k++;
    if (a >= 999.5) { /* past P (a corrupt or overflowed count): 9.2e+18 */
        snprintf(buf, n, "%.1e", v * 1e15);
        return;
    }
    int dec = a >= 99.95 || (k == 0 && a == floor(a)) ? 0 : a >= 9.995 ? 1 : 2;
    if (k) snprintf(buf, n, "%.*f%c", dec, v, suffix[k]);
    else snprintf(buf, n, "%.*f", dec, v);
}

void format_duration(double s, char *buf, size_t n) {
    if (!isfinite(s) || s < 0) {
        snprintf(buf, n, "-");
        return;
    }
    if (s >= 1e6 * 3600) { /* a million hours: only a corrupt value; no long overflow */
        snprintf(buf, n, "%.1ey", s / (365.25 * 86400));
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60) snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, n, "%lds", t);
}
