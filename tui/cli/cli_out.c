#include "cli/cli_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/text_safe.h"

json_t *cli_json_text(const char *s) {
    if (!s) return json_null();
    json_t *v = json_string(s);
    if (v) return v;
    size_t n = text_safe_size(s, TEXT_SAFE_LINES);
    char *safe = malloc(n);
    if (!safe) return json_null();
    v = json_string(text_safe(safe, n, s, TEXT_SAFE_LINES));
    free(safe);
    return v ? v : json_null();
}

json_t *cli_json_real(double v) { return isfinite(v) ? json_real(v) : json_null(); }

int cli_json_print_rows(FILE *f, json_t *rows, int digits) {
    /* ASCII only: a terminal showing the JSON never gets a raw C1 control either. */
    size_t flags = JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(digits);
    size_t n = json_array_size(rows);
    int rc = fputs("[\n", f) == EOF ? EOF : 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (fputs("  ", f) == EOF || json_dumpf(json_array_get(rows, i), f, flags) != 0 ||
            fputs(i + 1 < n ? ",\n" : "\n", f) == EOF)
            rc = EOF;
    }
    if (rc == 0 && fputs("]\n", f) == EOF) rc = EOF;
    json_decref(rows);
    return rc;
}

void cli_csv_field(FILE *f, const char *s, int last) {
    char small[512];
    size_t n = text_safe_size(s, 0);
    char *safe = n <= sizeof small ? small : malloc(n);
    if (safe) {
        text_safe(safe, n, s, 0);
        if (safe[strcspn(safe, ",\"\r\n")]) {
            fputc('"', f);
            for (const char *p = safe; *p; p++) {
                if (*p == '"') fputc('"', f);
                fputc(*p, f);
            }
            fputc('"', f);
        } else {
            fputs(safe, f);
        }
        if (safe != small) free(safe);
    }
    fputc(last ? '\n' : ',', f);
}
