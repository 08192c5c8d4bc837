/* `sentui compare RUN...`: the comparison table (text, Markdown, CSV or
 * JSON), the config keys that differ, and the curves as text charts drawn by
 * the same chart widget as the workbench. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "screens/compare.h"
#include "term.h"

int cmd_compare(int argc, char **argv) {
    CompareFormat fmt = CMP_TEXT;
    const char *dir = NULL;
    int ascii = 0, width = 100, charts = 1;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    int n = 0;
    if (!args) return 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--markdown")) fmt = CMP_MARKDOWN;
        else if (!strcmp(a, "--csv")) fmt = CMP_CSV;
        else if (!strcmp(a, "--json")) fmt = CMP_JSON;
        else if (!strcmp(a, "--ascii")) ascii = 1;
        else if (!strcmp(a, "--no-charts")) charts = 0;
        else if (!strcmp(a, "--dir") && i + 1 < argc) dir = argv[++i];
        else if (!strncmp(a, "--dir=", 6)) dir = a + 6;
        else if (!strncmp(a, "--width=", 8)) width = atoi(a + 8);
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "sentui compare: unknown option '%s'\n", a);
            free(args);
            return 2;
        } else args[n++] = a;
    }
    if (n == 0) {
        fprintf(stderr, "usage: sentui compare RUN... [--markdown|--csv|--json] [--dir DIR] [--ascii] [--no-charts]\n");
        free(args);
        return 2;
    }
    if (width < 40) width = 40;
    if (width > 400) width = 400;
    CompareRun *runs = calloc((size_t)n, sizeof *runs);
    int ok = 0, rc = 0;
    char err[512], path[RUN_PATH_MAX];
    for (int i = 0; runs && i < n; i++) {
        if (cli_resolve_run(args[i], dir, path, sizeof path, err, sizeof err) ||
            compare_load(&runs[ok], path, err, sizeof err)) {
            fprintf(stderr, "sentui compare: %s\n", err);
            rc = 1;
            continue;
        }
        ok++;
    }
    if (ok > 0) {
        compare_print_table(stdout, runs, ok, fmt);
        if (fmt == CMP_TEXT) {
            printf("\n");
            compare_print_diff(stdout, runs, ok);
        }
        if (fmt == CMP_TEXT && charts) {
            TermCaps caps = term_detect();
            Grid g;
            for (int m = 0; m < CMP_METRICS; m++) {
                if (grid_init(&g, width, 16, caps.utf8 && !ascii, 0)) break;
                compare_chart(&g, rect(0, 0, width, 16), runs, ok, (CompareMetric)m);
                printf("\n");
                grid_dump_file(&g, stdout);
                grid_free(&g);
            }
        }
    }
    for (int i = 0; i < ok; i++) compare_run_free(&runs[i]);
    free(runs);
    free(args);
    return rc;
}
