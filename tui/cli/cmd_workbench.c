#include "screens/app.h"
#include "cli/commands.h"

int cmd_workbench(int argc, char **argv) {
    AppCli o;
    int rc = app_cli_parse(argc, argv, &o, "workbench");
    if (rc) return rc;
    return app_cli_main(&o, NULL, NULL);
}
