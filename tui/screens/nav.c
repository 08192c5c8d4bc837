/* What a screen may ask of the workbench: show another screen, go back, put
 * a message in the header. Nothing here calls a screen, so the screens
 * depend on this file and app.c dispatches to the screens without a loop. */
#include <stdarg.h>
#include <stdio.h>

#include "screens/app.h"
#include "kernels/tensor.h"

void app_message(App *a, int bad, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_bad = bad;
    a->msg_until = now_seconds() + (bad ? 8 : 4);
}

void app_push(App *a, ScreenId s) {
    if (a->screen == s) return;
    if (a->depth < (int)(sizeof a->stack / sizeof *a->stack)) a->stack[a->depth++] = a->screen;
    a->screen = s;
}

void app_pop(App *a) {
    if (a->depth > 0) a->screen = a->stack[--a->depth];
    else a->quit = 1;
}
