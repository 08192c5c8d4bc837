/* The one set of short human forms for sizes, counts and durations, used by
 * engine messages, the command line and the widgets alike; sane for any value
 * a file or an overflow can produce. */
#ifndef SENTUI_UNITS_H
#define SENTUI_UNITS_H

#include <stddef.h>

void format_bytes(double bytes, char *buf, size_t n);
/* A number in 3 significant digits with an SI suffix: 950, 1.23k, 45.6M;
 * "-" when not finite, 9.2e+18 past P. */
void format_si(double v, char *buf, size_t n);
/* Seconds as 42s, 3m07s or 2h05m; "-" when negative or not finite. */
void format_duration(double seconds, char *buf, size_t n);

#endif
