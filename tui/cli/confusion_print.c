#include "cli/confusion_print.h"

#include <string.h>

#include "cli/text_safe.h"

void confusion_print(FILE *f, const Confusion *c, const ClassNames *names, int indent) {
    int n = c->n >= 2 && c->n <= MAX_CLASSES ? c->n : 2;
    if (n == 2 && (!names || names->n == 0)) {
        fprintf(f, "%*sconfusion [true][pred]: neg %ld/%ld  pos %ld/%ld\n", indent, "", c->c[0][0], c->c[0][1],
                c->c[1][0], c->c[1][1]);
        return;
    }
    int w = 5;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            char num[32];
            int len = snprintf(num, sizeof num, "%ld", c->c[i][j]);
            if (len + 1 > w) w = len + 1;
        }
    fprintf(f, "%*sconfusion [true][pred]\n%*s%-24s", indent, "", indent, "", "");
    for (int j = 0; j < n; j++) fprintf(f, "%*d", w, j + 1);
    fprintf(f, "\n");
    for (int i = 0; i < n; i++) {
        char safe[4 * 20 + 1];
        text_safe(safe, sizeof safe, class_name(names, i), 0);
        fprintf(f, "%*s%2d %-20.20s ", indent, "", i + 1, safe);
        for (int j = 0; j < n; j++) fprintf(f, "%*ld", w, c->c[i][j]);
        fprintf(f, "\n");
    }
}
