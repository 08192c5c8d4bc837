/* Text that comes from run folders (run names, archs, reasons, config values,
 * error messages quoting a file) made safe to print. A downloaded run folder
 * is untrusted: an ESC or another control byte in it must show up as visible
 * text, never reach the terminal, where it could retitle the window, clear the
 * screen or fake output.
 *
 * Valid UTF-8 passes unchanged except the C1 controls U+0080..U+009F; control
 * bytes, DEL, C1 controls and bytes that are not valid UTF-8 become "\xHH". */
#ifndef SENTUI_TEXT_SAFE_H
#define SENTUI_TEXT_SAFE_H

#include <stddef.h>
#include <stdio.h>

/* Keep '\n' and '\t' (whole messages); without it they are escaped too, so a
 * table cell or a CSV field stays on its line. */
#define TEXT_SAFE_LINES 1

/* The safe form of in, into out (NUL-terminated, cut at a whole character
 * when it does not fit). Returns out, so it can be an argument of printf. */
char *text_safe(char *out, size_t n, const char *in, int flags);
/* Bytes text_safe needs for in, its NUL included. */
size_t text_safe_size(const char *in, int flags);
/* Writes the safe form of s to f; EOF on a write error. */
int text_safe_fputs(const char *s, FILE *f, int flags);
/* From now on every write to stderr is filtered (newlines and tabs kept), so
 * each command's error messages are safe wherever they were formatted. */
int text_safe_guard_stderr(void);

#endif
