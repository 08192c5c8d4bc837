/* Run folders: creating them, writing their files so that a crash at any
 * moment leaves either the old or the new version of each file (never half of
 * one), reading their summaries back, listing them and resolving the RUN
 * argument of the command line.
 *
 *   <runs_dir>/<UTC yyyymmdd-HHMMSS>-<arch>[-<name>][-<n>]/
 *     config.yaml  events.jsonl  summary.json  vocab.txt  lock
 *     checkpoint.safetensors  last.safetensors
 *
 * "-<n>" (2, 3, ...) only appears when two runs of the same arch and name
 * start within the same second. */
#ifndef SENTUI_RUN_H
#define SENTUI_RUN_H

#include <stddef.h>
#include <stdio.h>

#include "config/config.h"
#include "run/runstate.h"

#define RUN_PATH_MAX 1024

/* Writes data to path through a temporary file in the same folder: write,
 * fsync, rename, fsync of the folder. Returns 0, or -1 with err filled. */
int write_file_atomic(const char *path, const void *data, size_t n, char *err, size_t errlen);
/* Whole file as a NUL-terminated buffer (malloc'd); NULL with errno set on failure. */
char *read_file_all(const char *path, size_t *len);
/* mkdir -p */
int make_dirs(const char *path, char *err, size_t errlen);
/* UTC time as "2024-05-01T12:00:00Z". */
void utc_iso8601(char *buf, size_t n, long long unix_seconds);

/* Creates a new, empty run folder for cfg under cfg->train_runs_dir; its path goes to out. */
int run_create_dir(const Config *cfg, char *out, size_t n, char *err, size_t errlen);

/* The lock file holds the pid, host name and pid start time of the process
 * writing the run. Taking it fails when a live process holds it (or one on
 * another host, which cannot be checked from here; the error says which file
 * to delete); a lock left by a dead process, or whose pid now belongs to
 * another process, is taken over. Taking it also removes the temporary files
 * that dead processes left in dir (run_clean_stale_tmp). */
int run_lock(const char *dir, char *err, size_t errlen);
void run_unlock(const char *dir);
typedef enum { LOCK_NONE, LOCK_HELD, LOCK_STALE, LOCK_OTHER_HOST } RunLockState;
typedef struct RunLockInfo {
    long pid;
    char host[256];          /* "" in a lock written before hosts were recorded */
    unsigned long long start; /* the pid's start time (/proc/PID/stat field 22), 0 when unknown */
    RunLockState state;
} RunLockInfo;
/* Reads and judges dir/lock. */
RunLockState run_lock_read(const char *dir, RunLockInfo *info);
/* Pid in the lock, 0 when there is none. */
long run_lock_pid(const char *dir);
int pid_alive(long pid);
/* Start time of a process in clock ticks after boot; 0 when unknown. */
unsigned long long pid_start_time(long pid);
/* Removes "*.tmp.PID[.N]" and ".lock.PID" files of dead processes from dir
 * (left by a save cut short, e.g. by a second Ctrl-C); returns how many. */
int run_clean_stale_tmp(const char *dir);

/* events.jsonl, appended one line at a time and flushed per line. */
typedef struct RunLog {
    FILE *f;
    char path[RUN_PATH_MAX];
} RunLog;

/* Opens (creating) dir/events.jsonl for appending. A torn last line (a line
 * without its newline, left by a killed process) is cut off first; its size in
 * bytes goes to *torn_bytes (may be NULL). */
int run_log_open(RunLog *log, const char *dir, long *torn_bytes, char *err, size_t errlen);
/* Appends line and '\n' and flushes; -1 on a write error. */
int run_log_write(RunLog *log, const char *line);
/* fsync: used at evaluations and at the end, so those lines survive a power cut. */
int run_log_sync(RunLog *log);
void run_log_close(RunLog *log);
/* Cuts a torn last line from a file; returns the bytes removed, or -1. */
long events_repair_tail(const char *path);

/* Validation (or test) figures kept in the summary. */
typedef struct RunScore {
    int valid;
    long step;
    double epoch, accuracy, f1, f1_macro, f1_weighted, loss;
} RunScore;

typedef struct RunSummary {
    char dir[RUN_PATH_MAX]; /* filled by run_summary_load and run_list */
    char run[256];          /* folder name */
    char arch[32], name[128], dataset[32];
    RunStatus status;       /* RUN_CRASHED when "running" but its process is gone */
    char reason[256];       /* why a run failed or stopped early */
    long params;
    int epochs;
    double epoch;
    long step, total_steps;
    RunScore best, test;
    double train_seconds, tokens_per_s;
    char started[32], updated[32]; /* ISO 8601 UTC */
    long pid;
    long eval_limit;        /* eval.limit: scores on the first N validation/test reviews only; 0: whole splits */
} RunSummary;

const char *run_status_text(RunStatus st);
/* Writes dir/summary.json atomically (sets "updated" to now). */
int run_summary_save(const char *dir, const RunSummary *s, char *err, size_t errlen);
/* Reads dir/summary.json; a "running" run whose writer is gone reads as crashed. */
int run_summary_load(const char *dir, RunSummary *s, char *err, size_t errlen);

/* A summary rebuilt from dir/events.jsonl and dir/config.yaml, for a run
 * whose summary.json is damaged; the caller saves it. Returns 0, or -1 with
 * err filled when the log has no start event. */
int run_summary_rebuild(const char *dir, RunSummary *s, char *err, size_t errlen);

/* Every run folder under runs_dir with a readable summary.json, oldest first
 * (by "started", then folder name). Reads nothing but the summaries. A missing
 * runs_dir is an empty list. Returns the count, or -1 with err filled. */
int run_list(const char *runs_dir, RunSummary **out, char *err, size_t errlen);

/* RUN argument -> run folder: an existing folder path, "last" (the newest run
 * in runs_dir), a folder name in runs_dir, or a unique prefix of one. */
int run_resolve(const char *arg, const char *runs_dir, char *out, size_t n, char *err, size_t errlen);

#endif
