/* events.jsonl: the event decoder (run/events.c) as its readers use it: the
 * run state behind the dashboard, `watch` and `replay` (whole file, torn
 * last line included), the progress printer of
 * `sentui train` (tui/cli/train_cli.c, fed line by line as the trainer's queue
 * feeds it), and the torn-tail repair that `resume` runs before appending. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "run/runstate.h"
#include "fuzz_file.h"

/* The line handler is private to train_cli.c; include it whole, renaming its
 * public functions so they cannot clash with the library's copy. */
#define train_cli_follow fuzz_train_cli_follow
#define train_cli_data_progress fuzz_train_cli_data_progress
#include "tui/cli/train_cli.c"
#undef train_cli_data_progress
#undef train_cli_follow

static void follow_lines(const char *text) {
    Follow f;
    memset(&f, 0, sizeof f);
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        if (!line) abort();
        on_line(&f, line);
        free(line);
        p += n + (nl != NULL);
    }
}

/* Reads every value the dashboard's views read, as they index them. */
static float touch_explains(const RunState *s) {
    float sum = 0;
    for (int k = 0; k < s->n_explains; k++)
        for (int i = 0; i < s->explains[k].n; i++) {
            const ExplainSample *x = &s->explains[k].samples[i];
            for (int t = 0; t < x->len; t++) sum += x->weight[t] + (float)strlen(x->tokens[t]);
            size_t L0 = (size_t)x->len * (size_t)x->len;
            for (size_t c = 0; x->layer_mean && c < (size_t)x->layers * L0; c++) sum += x->layer_mean[c];
            for (int k2 = 0; x->kept_attn && k2 < x->n_kept; k2++)
                sum += x->kept_attn[(size_t)k2 * L0 + L0 - 1] + (float)(x->kept[2 * k2] + x->kept[2 * k2 + 1]);
            if (!x->attn) continue;
            /* The dashboard reads layers x heads matrices of len x len: the first and last here. */
            size_t L = (size_t)x->len * (size_t)x->len;
            const float *last = x->attn + ((size_t)(x->layers - 1) * (size_t)x->heads + (size_t)(x->heads - 1)) * L;
            for (size_t c = 0; c < L; c++) sum += x->attn[c] + last[c];
        }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    RunState s;
    runstate_init(&s);
    runstate_apply_line(&s, (const char *)data, size);
    const char *path = fuzz_write("events.jsonl", data, size);
    runstate_load_file(&s, path);
    volatile float sink = touch_explains(&s);
    (void)sink;
    runstate_free(&s);
    char *text = fuzz_text(data, size);
    follow_lines(text);
    free(text);
    events_repair_tail(path);
    return 0;
}
