/* Small argv helpers shared by the commands. Flags look like --name or
 * --name=value; these flags take their value from the next argument when it
 * is not attached with '=':
 *     --set  --split  --dir  --speed  --arch  --steps  --seed  --reps  --threads  --eval-batch
 *     -o  --output  --x  --svg  --what  --metric  --sample  --data  --labels
 *     --grid  --range  --random  --parallel  --name  --layer  --head
 * so "sentui train cfg.yaml --set train.lr=3e-4 --seed 7" has one positional
 * argument (cfg.yaml). After a bare "--" every argument is positional; "-"
 * alone is positional too (it usually means stdin). */
#ifndef SENTUI_CLI_ARGS_H
#define SENTUI_CLI_ARGS_H

/* 1 when flag ("--split", also accepted without the dashes) takes a value. */
int cli_flag_takes_value(const char *flag);

/* Value of the last "--flag VALUE" or "--flag=VALUE", or NULL when absent.
 * A value-taking flag at the very end of argv has no value: NULL. */
const char *cli_flag_value(int argc, char **argv, const char *flag);

/* 1 when "--flag" or "--flag=..." appears (outside another flag's value). */
int cli_has_flag(int argc, char **argv, const char *flag);

/* Iterates over every occurrence of a repeatable flag (--set, --arch):
 *     int it = 0; const char *v;
 *     while (cli_flag_next(argc, argv, "--set", &it, &v)) use(v);
 * v is NULL for an occurrence with no value (the flag was last in argv). */
int cli_flag_next(int argc, char **argv, const char *flag, int *it, const char **value);

/* The index-th (0-based) argument that is neither a flag nor a flag's value.
 * Returns 1 and sets *out when it exists, 0 otherwise. */
int cli_positional(int argc, char **argv, int index, const char **out);

/* Number of positional arguments. */
int cli_positional_count(int argc, char **argv);

/* First flag in argv whose name is not in known[] (NULL-terminated list of
 * "--name" strings), or NULL when all are known: lets a command reject a typo
 * like "--spilt" instead of ignoring it. */
const char *cli_unknown_flag(int argc, char **argv, const char *const known[]);

#endif
