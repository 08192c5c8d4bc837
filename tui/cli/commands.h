/* Every `sentui <command>`: one table in main.c maps names to these handlers.
 * Each returns the process exit status (0 ok, 1 failure, 2 usage or config error). */
#ifndef SENTUI_COMMANDS_H
#define SENTUI_COMMANDS_H

#define SENTUI_COMMANDS(X)                                                                      \
    X(workbench, "", "open the workbench (the default)")                                        \
    X(train, "CONFIG [--set k=v]...", "train headless; prints the run folder, progress, test metrics") \
    X(resume, "RUN", "continue a stopped or killed run from its last checkpoint")               \
    X(runs, "[--dir DIR]", "table of saved runs")                                               \
    X(replay, "RUN", "open a saved run in the dashboard and re-animate it")                      \
    X(watch, "RUN", "follow a run another process is writing")                                  \
    X(sweep, "SWEEP.yaml | CONFIG --grid K=V1,V2... | resume DIR | show DIR", "hyperparameter sweep: trials ranked by the val metric") \
    X(compare, "RUN... [--markdown|--csv|--json]", "compare runs (or a sweep folder's trials): table and curves") \
    X(report, "RUN... [-o FILE]", "one HTML file: curves, confusion, heatmaps, results, config diff") \
    X(plot, "RUN... --svg FILE [--what KIND]", "one figure (curves, confusion, heatmap) as a standalone SVG") \
    X(predict, "RUN [TEXT...] [--explain] [--json]", "label and probability of each text (stdin lines without TEXT)") \
    X(eval, "RUN [--split test|val | --data FILE]", "re-evaluate a checkpoint, or score it on a labelled file")                               \
    X(export, "RUN DIR", "write a distilbert run as a Hugging Face folder")                    \
    X(data, "[CONFIG] [--set k=v]...", "dataset figures: counts, lengths, coverage, load time") \
    X(config, "FILE [--set k=v]... | --schema", "print the resolved config or its errors")     \
    X(bench, "[CONFIG...] [--json] [--threads N]", "training and eval throughput, GFLOP/s vs GEMM peak") \
    X(man, "", "print the manual page (roff; `sentui man | man -l -`)")                          \
    X(completion, "bash|zsh", "print the shell completion script")

#define DECLARE_CMD(name, args, help) int cmd_##name(int argc, char **argv);
SENTUI_COMMANDS(DECLARE_CMD)
#undef DECLARE_CMD

/* Shared by commands that take a config: loads FILE (or defaults when NULL)
 * and applies --set overrides found in argv; prints errors; returns 0 or 2. */
struct Config;
int cli_load_config(struct Config *c, const char *file, int argc, char **argv);

#endif
