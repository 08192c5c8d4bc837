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

void format_count(double count, char *buf, size_t n) {
    static const char *const unit[] = {"", "k", "M", "G", "T", "P", "E"};
    scaled(count, unit, 7, "", buf, n);
}
