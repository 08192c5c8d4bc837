/* Shared by sweep_spec.c and sweep_spec_yaml.c only: the checks every axis
 * goes through, whether it comes from the command line or a sweep file. */
#ifndef SENTUI_SWEEP_SPEC_INTERNAL_H
#define SENTUI_SWEEP_SPEC_INTERNAL_H

#include "config/sweep_spec.h"

/* A key that may become a new axis of s; NULL with the error added. */
const ConfigKey *sweep_axis_key(SweepSpec *s, const char *key, const char *src, int line, int col,
                                ConfigErrors *errs);
/* The value checks of a config for one value of k; 0, or 1 with the error added. */
int sweep_check_value(const ConfigKey *k, const char *text, const char *src, int line, int col, ConfigErrors *errs);
SweepAxis *sweep_new_axis(SweepSpec *s, const ConfigKey *k);
/* "MIN:MAX[:log]" as a new range axis of k; 0, or 1 with the error added. */
int sweep_parse_range(SweepSpec *s, const ConfigKey *k, const char *text, const char *src, int line, int col,
                      ConfigErrors *errs);

#endif
