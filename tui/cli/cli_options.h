/* The options of every command, next to the command table in commands.h:
 * `sentui CMD --help`, `sentui help`, the man page (`sentui man`) and the
 * shell completion (`sentui completion bash|zsh`) are all printed from these
 * two tables, so none of them can list an option another does not.
 *
 * X(command, option, value, help): value is "" for a switch, else the name
 * of the value it takes. -h/--help is every command's and is not listed. */
#ifndef SENTUI_CLI_OPTIONS_H
#define SENTUI_CLI_OPTIONS_H

#define SENTUI_SCREEN_OPTIONS(X, cmd)                                                             \
    X(cmd, "--dir", "DIR", "runs folder (default: $SENTUI_RUNS_DIR, else runs)")                  \
    X(cmd, "--ascii", "", "draw with ASCII only")                                                  \
    X(cmd, "--no-color", "", "draw without colour")                                                \
    X(cmd, "--dump", "", "print the screen as text instead of opening the terminal")               \
    X(cmd, "--size", "WxH", "screen size for --dump (default 120x40)")                             \
    X(cmd, "--keys", "KEYS", "keys to press first, e.g. '?' or 'jjn'")

#define SENTUI_OPTIONS(X)                                                                          \
    SENTUI_SCREEN_OPTIONS(X, workbench)                                                            \
    X(workbench, "--configs", "DIR", "configs folder the home screen lists")                       \
    X(train, "--set", "KEY=VALUE", "override a config key (repeatable)")                            \
    X(resume, "--dir", "DIR", "runs folder RUN is looked up in")                                   \
    X(runs, "--dir", "DIR", "runs folder (default: $SENTUI_RUNS_DIR, else runs)")                  \
    X(runs, "--json", "", "one JSON document instead of the table")                                \
    SENTUI_SCREEN_OPTIONS(X, replay)                                                               \
    X(replay, "--speed", "1|10|0", "replay speed; 0 shows the end at once")                        \
    SENTUI_SCREEN_OPTIONS(X, watch)                                                                \
    X(sweep, "--grid", "KEY=V1,V2,...", "values of one key; the trials are every combination (repeatable)") \
    X(sweep, "--range", "KEY=MIN:MAX[:log]", "a number key drawn per trial, uniform or log-uniform (repeatable)") \
    X(sweep, "--random", "N", "trials drawn from the ranges (times the grid's combinations)")   \
    X(sweep, "--seed", "N", "seed of the draws: the same seed gives the same trials (default 1)") \
    X(sweep, "--metric", "METRIC", "rank by this validation metric: accuracy, f1, f1_macro, f1_weighted, loss") \
    X(sweep, "--parallel", "K", "trials side by side, the cores split between them (default 1)") \
    X(sweep, "--name", "NAME", "the sweep folder is RUNS/sweep-NAME (default: the config name and a number)") \
    X(sweep, "--set", "KEY=VALUE", "override a base config key for every trial (repeatable)")      \
    X(sweep, "--dir", "DIR", "runs folder for the sweep and its trials")                           \
    X(sweep, "--markdown", "", "show: the table as Markdown")                                      \
    X(sweep, "--csv", "", "show: the table as CSV")                                                \
    X(sweep, "--json", "", "show: the table as JSON")                                              \
    X(compare, "--dir", "DIR", "runs folder RUN is looked up in")                                  \
    X(compare, "--markdown", "", "the table as Markdown")                                          \
    X(compare, "--csv", "", "the table as CSV")                                                    \
    X(compare, "--json", "", "the table as JSON")                                                  \
    X(compare, "--ascii", "", "draw the curves with ASCII only")                                   \
    X(compare, "--no-charts", "", "the table without the curves")                                  \
    X(compare, "--width", "N", "chart width in columns (attached: --width=N)")                     \
    X(predict, "--dir", "DIR", "runs folder RUN is looked up in")                                  \
    X(predict, "--explain", "", "the tokens that weighed most in each prediction")                 \
    X(predict, "--json", "", "one JSON object per input line")                                     \
    X(predict, "--layer", "L", "explain by attention layer L (1-based; default: mean over layers)") \
    X(predict, "--head", "H", "explain by attention head H (1-based; default: mean over heads)")    \
    X(predict, "--words", "", "explain whole words: word pieces joined, their weights summed")      \
    X(report, "--dir", "DIR", "runs folder RUN is looked up in")                                   \
    X(report, "-o", "FILE", "the HTML file to write (default report.html)")                        \
    X(report, "--output", "FILE", "the same as -o")                                                \
    X(report, "--x", "step|epoch|wall", "the curves' x-axis (wall: wall-clock seconds)")           \
    X(plot, "--dir", "DIR", "runs folder RUN is looked up in")                                     \
    X(plot, "--svg", "FILE", "the SVG file to write")                                              \
    X(plot, "--what", "curves|confusion|heatmap", "the figure (default curves)")                   \
    X(plot, "--metric", "val-acc|val-f1|val-loss|train-loss", "the curve to draw (default val-acc)") \
    X(plot, "--x", "step|epoch|wall", "the x-axis of curves")                                      \
    X(plot, "--sample", "N", "the explained review a heatmap shows, from 1 (default 1)")         \
    X(eval, "--dir", "DIR", "runs folder RUN is looked up in")                                     \
    X(eval, "--split", "test|val", "the split to score (default test)")                            \
    X(eval, "--data", "FILE", "score on a labelled file (csv, tsv, jsonl, folders; plain or archived)") \
    X(eval, "--labels", "FROM=TO,...", "map the file's label names onto the run's classes")        \
    X(eval, "--set", "data.KEY=VALUE", "with --data: how to read the file (columns, header)")      \
    X(eval, "--json", "", "the scores as one JSON document")                                       \
    X(data, "--set", "KEY=VALUE", "override a config key (repeatable)")                             \
    X(data, "--json", "", "the figures as JSON")                                                   \
    X(config, "--set", "KEY=VALUE", "override a config key (repeatable)")                           \
    X(config, "--schema", "", "every key: type, default, range, architectures, help")              \
    X(bench, "--json", "", "one JSON object per config")                                           \
    X(bench, "--tui", "", "the cost of watching a run in the dashboard")                           \
    X(bench, "--steps", "N", "training steps per repetition (default 10)")                         \
    X(bench, "--reps", "N", "repetitions (default 5)")                                             \
    X(bench, "--threads", "N", "worker threads (default: the config's)")                           \
    X(bench, "--eval-batch", "N", "evaluation batch size (default 256)")                           \
    X(bench, "--set", "KEY=VALUE", "override a config key (repeatable)")

#endif
