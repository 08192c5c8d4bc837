/* A confusion matrix as text for the command line: the binary one on one line
 * as it always was, N classes as a table whose columns are numbered and whose
 * rows name the class (the numbers are the legend). */
#ifndef SENTUI_CONFUSION_PRINT_H
#define SENTUI_CONFUSION_PRINT_H

#include <stdio.h>

#include "run/class_names.h"
#include "run/events.h"

/* indent: spaces before each line. names may be NULL (binary run). */
void confusion_print(FILE *f, const Confusion *c, const ClassNames *names, int indent);

#endif
