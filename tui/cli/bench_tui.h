#ifndef SENTUI_BENCH_TUI_H
#define SENTUI_BENCH_TUI_H

#include "config/config.h"

/* Trains cfg headless and under the dashboard, alternately, and prints the
 * training throughput of each and the cost of watching. Returns an exit status. */
int bench_tui_overhead(const Config *cfg, int json);

#endif
