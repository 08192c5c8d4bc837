/* Machine-readable output of the CLI (`runs --json`, `compare --json/--csv`):
 * JSON written by jansson and CSV fields quoted per RFC 4180, so any run name,
 * folder path or arch read from a run folder yields a document that parses. */
#ifndef SENTUI_CLI_OUT_H
#define SENTUI_CLI_OUT_H

#include <jansson.h>
#include <stdio.h>

/* A JSON string of s (null for NULL). jansson takes only valid UTF-8, so
 * other bytes are written as the visible escapes of text_safe. */
json_t *cli_json_text(const char *s);
/* A JSON number, or null for NaN and infinities (JSON has neither). */
json_t *cli_json_real(double v);
/* Prints the array as "[", one object per line, "]", ASCII only; reals with `digits`
 * significant digits. Takes the reference. EOF on a write error. */
int cli_json_print_rows(FILE *f, json_t *rows, int digits);
/* One CSV field: control bytes become visible escapes (a terminal shows the
 * output too), and a field holding ',', '"', CR or LF is quoted with its
 * quotes doubled. `last` ends the record with "\n", otherwise "," follows. */
void cli_csv_field(FILE *f, const char *s, int last);

#endif
