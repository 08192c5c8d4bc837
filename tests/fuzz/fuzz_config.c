/* YAML configs: parsed from a buffer (as `--set` and the workbench's editor
 * do) and from a file (as `sentui train FILE` does), then validated and
 * written back out; each line also goes through config_set as a --set
 * assignment would. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz_file.h"

static void load_and_check(int from_file, const char *text, const uint8_t *data, size_t size) {
    Config c;
    ConfigErrors errs;
    memset(&errs, 0, sizeof errs);
    config_defaults(&c);
    int bad = from_file ? config_load_file(&c, fuzz_write("config.yaml", data, size), &errs)
                        : config_load_string(&c, text, "config.yaml", &errs);
    if (!bad && !config_validate(&c, &errs)) free(config_to_yaml(&c));
    config_errors_free(&errs);
    config_free(&c);
}

static void set_lines(char *text) {
    Config c;
    ConfigErrors errs;
    memset(&errs, 0, sizeof errs);
    config_defaults(&c);
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        config_set(&c, line, &errs);
    config_errors_free(&errs);
    config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    load_and_check(0, text, data, size);
    load_and_check(1, text, data, size);
    set_lines(text);
    free(text);
    return 0;
}
