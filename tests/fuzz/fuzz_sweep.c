/* Sweep files (`sentui sweep SWEEP.yaml`) read from a file and expanded into
 * their trials; each line also goes through --grid and --range as the
 * command line would give it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/sweep_spec.h"
#include "fuzz_file.h"

static void expand(SweepSpec *s) {
    SweepPlan p;
    ConfigErrors errs;
    memset(&errs, 0, sizeof errs);
    if (s->random > 50) s->random = 50; /* the count is checked; the fuzzer need not draw thousands */
    if (sweep_spec_expand(s, &p, &errs) == 0) sweep_plan_free(&p);
    config_errors_free(&errs);
}

static void command_line(char *text) {
    SweepSpec s;
    ConfigErrors errs;
    memset(&errs, 0, sizeof errs);
    sweep_spec_init(&s);
    int i = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
        if (strchr(line, ':')) sweep_spec_add_range(&s, line, &errs);
        else sweep_spec_add_grid(&s, line, &errs);
        if (i % 3 == 2) sweep_spec_set_metric(&s, line, "--metric", 0, 0, &errs);
    }
    s.random = 3;
    expand(&s);
    config_errors_free(&errs);
    sweep_spec_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    SweepSpec s;
    ConfigErrors errs;
    memset(&errs, 0, sizeof errs);
    sweep_spec_init(&s);
    if (sweep_spec_load_file(&s, fuzz_write("sweep.yaml", data, size), &errs) == 0) expand(&s);
    config_errors_free(&errs);
    sweep_spec_free(&s);
    char *text = fuzz_text(data, size);
    command_line(text);
    free(text);
    return 0;
}
