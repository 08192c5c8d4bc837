/* Short human forms of sizes for messages ("1.5 GB", "8.2G"), sane for any
 * value a file or an overflow can produce. */
#ifndef SENTUI_UNITS_H
#define SENTUI_UNITS_H

#include <stddef.h>

void format_bytes(double bytes, char *buf, size_t n);
void format_count(double count, char *buf, size_t n);

#endif
