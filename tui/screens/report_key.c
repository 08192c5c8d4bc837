/* The workbench's report key: the HTML report of the chosen runs, written
 * beside them in the runs folder under a name with the time, so a second
 * report never overwrites the first. */
#include <stdio.h>
#include <time.h>

#include "report/report.h"
#include "screens/app.h"

int app_write_report(App *a, const char *const *dirs, int n) {
    if (n <= 0) {
        app_message(a, 1, "mark runs (Space) or select one to report on");
        return -1;
    }
    char path[RUN_PATH_MAX + 64], stamp[32], err[1024];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
    snprintf(path, sizeof path, "%s/report-%s.html", a->runs_dir, stamp);
    int figs = report_write_file(path, dirs, n, FIG_X_STEP, err, sizeof err);
    if (figs < 0) {
        app_message(a, 1, "report: %s", err);
        return -1;
    }
    app_message(a, 0, "report of %d run%s written to %s", n, n == 1 ? "" : "s", path);
    return 0;
}
