/* The two channels between the training worker and whoever drives it (the TUI
 * or `sentui train`): event lines flowing out, commands flowing in. Both are
 * guarded by a mutex and a condition variable, so either side may wait with a
 * timeout instead of spinning.
 *
 * The event queue is bounded for lines marked droppable (step events): when it
 * is full the oldest queued droppable line makes room, so a slow reader sees
 * fewer, newer steps. Every other line (start, eval, explain, checkpoint,
 * done, failed) is never dropped: the producer waits briefly for room and then
 * lets the queue grow. */
#ifndef SENTUI_EVENT_QUEUE_H
#define SENTUI_EVENT_QUEUE_H

typedef struct EventQueue EventQueue;

EventQueue *evq_create(int capacity);
void evq_free(EventQueue *q);
/* Copies line. Returns 0 when queued, 1 when it replaced an older droppable line,
 * -1 when the line itself was dropped (full of lines that must be kept, and droppable). */
int evq_push(EventQueue *q, const char *line, int droppable);
/* Next line (malloc'd, the caller frees it), waiting up to timeout_s seconds;
 * NULL when nothing came in time or the queue is closed and empty. */
char *evq_pop(EventQueue *q, double timeout_s);
/* The producer is done; waiting readers wake up. Lines already queued stay readable. */
void evq_close(EventQueue *q);
/* Closed and nothing left to read. */
int evq_finished(EventQueue *q);
int evq_length(EventQueue *q);
/* Droppable lines discarded so far. */
long evq_dropped(EventQueue *q);

typedef enum {
    TRAIN_CMD_NONE,
    TRAIN_CMD_PAUSE,
    TRAIN_CMD_RESUME,
    TRAIN_CMD_STOP,
    TRAIN_CMD_SAVE,
} TrainCmd;

typedef struct CmdChannel CmdChannel;

CmdChannel *cmdch_create(void);
void cmdch_free(CmdChannel *c);
/* Never blocks; a full channel (a burst of >64 unread commands) keeps the
 * newest ones, and STOP is always delivered. */
void cmdch_send(CmdChannel *c, TrainCmd cmd);
/* Oldest pending command, waiting up to timeout_s (0: just look); TRAIN_CMD_NONE if none. */
TrainCmd cmdch_take(CmdChannel *c, double timeout_s);
const char *train_cmd_name(TrainCmd cmd);

#endif
