/* `sentui data` on the user's own data: examples per class and split, and
 * what the reader warned about. */
#ifndef SENTUI_DATA_CLASSES_H
#define SENTUI_DATA_CLASSES_H

#include <jansson.h>

#include "data/data.h"

/* The table "class train val test" and the warnings, to stdout. */
void data_classes_print(const Dataset *d);
/* {"classes": [{"name", "train", "val", "test"}...], "warnings": [...]} into root. */
void data_classes_json(const Dataset *d, json_t *root);

#endif
