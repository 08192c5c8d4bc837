/* "--set key=value": one override as the command line gives it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

void config_unknown_key_error(ConfigErrors *errs, const char *src, int line, int col, const char *key) {
    const char *s = config_is_section(key) ? NULL : config_suggest_key(key);
    if (config_is_section(key))
        config_errors_add(errs, src, line, col, "'%s' is a section, not a key (like %s)", key,
                          config_first_key_in(key));
    else if (s)
        config_errors_add(errs, src, line, col, "unknown key '%s'; did you mean '%s'?", key, s);
    else
        config_errors_add(errs, src, line, col, "unknown key '%s' (`sentui config --schema` lists every key)", key);
}

int config_set(Config *c, const char *assignment, ConfigErrors *errs) {
    const char *src = "--set";
    if (!assignment) assignment = "";
    char *copy = strdup(assignment);
    if (!copy) {
        config_errors_add(errs, src, 0, 0, "out of memory");
        return 1;
    }
    int rc = 0;
    char *eq = strchr(copy, '=');
    if (!eq) {
        config_errors_add(errs, src, 0, 0, "expected key=value (like train.lr=3e-4), found '%s'", assignment);
        rc = 1;
        goto out;
    }
    *eq = 0;
    char *key = trim(copy), *val = trim(eq + 1);
    size_t vl = strlen(val);
    /* Quotes that survived the shell are YAML-style quoting, not part of the value. */
    if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
        val[vl - 1] = 0;
        val++;
    }
    const ConfigKey *k = config_find_key(key);
    if (!k) {
        config_unknown_key_error(errs, src, 0, 0, key);
        rc = 1;
        goto out;
    }
    char msg[512];
    if (config_set_text(c, k, val, msg, sizeof msg)) {
        config_errors_add(errs, src, 0, 0, "%s: %s", k->key, msg);
        rc = 1;
    }
out:
    free(copy);
    return rc;
}

/* The key of "key=value" as config_set reads it (spaces around it ignored). */
static void assignment_key(const char *assignment, char *out, size_t n) {
    size_t len = strcspn(assignment, "=");
    while (len > 0 && isspace((unsigned char)*assignment)) assignment++, len--;
    while (len > 0 && isspace((unsigned char)assignment[len - 1])) len--;
    snprintf(out, n, "%.*s", (int)len, assignment);
}

/* A key given twice with --set is an error, as a key given twice in a YAML
 * file is: silently keeping one of them hides a mistake in a script. */
static void check_repeated_set(const char *const *sets, int upto, ConfigErrors *errs) {
    char key[256], other[256];
    assignment_key(sets[upto], key, sizeof key);
    if (!key[0] || !strchr(sets[upto], '=')) return;
    int n = 0;
    for (int i = 0; i < upto; i++) {
        if (!sets[i]) continue;
        assignment_key(sets[i], other, sizeof other);
        n += !strcmp(key, other);
    }
    if (n == 1) /* once per key, at its second appearance */
        config_errors_add(errs, "--set", 0, 0, "key '%s' is set twice; give each key once", key);
}

void config_set_all(Config *c, const char *const *sets, int n, ConfigErrors *errs) {
    for (int i = 0; i < n; i++) {
        if (!sets[i]) {
            config_errors_add(errs, "--set", 0, 0, "expected key=value after --set (like --set train.lr=3e-4)");
            continue;
        }
        check_repeated_set(sets, i, errs);
        config_set(c, sets[i], errs);
    }
}
