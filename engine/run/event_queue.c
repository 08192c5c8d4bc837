#include "run/event_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a line that must be kept waits for room before the queue grows. */
#define KEEP_WAIT_SECONDS 0.05

typedef struct Entry {
    char *line;
    int droppable;
} Entry;

struct EventQueue {
    pthread_mutex_t mu;
    pthread_cond_t readable, writable;
    Entry *ring;
    int cap, head, count;
    int bound; /* nominal capacity; cap may grow past it for kept lines */
    int closed;
    long dropped;
};

static void init_cond(pthread_cond_t *c) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

static struct timespec deadline(double seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long ns = (long long)ts.tv_nsec + (long long)(seconds * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return ts;
}

EventQueue *evq_create(int capacity) {
    if (capacity < 2) capacity = 2;
    EventQueue *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->ring = calloc((size_t)capacity, sizeof *q->ring);
    if (!q->ring) {
        free(q);
        return NULL;
    }
    q->cap = q->bound = capacity;
    pthread_mutex_init(&q->mu, NULL);
    init_cond(&q->readable);
    init_cond(&q->writable);
    return q;
}

void evq_free(EventQueue *q) {
    if (!q) return;
    for (int i = 0; i < q->count; i++) free(q->ring[(q->head + i) % q->cap].line);
    free(q->ring);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->readable);
    pthread_cond_destroy(&q->writable);
    free(q);
}

static Entry *at(EventQueue *q, int i) { return &q->ring[(q->head + i) % q->cap]; }

/* Removes the i-th queued entry, closing the gap. */
static void remove_at(EventQueue *q, int i) {
    free(at(q, i)->line);
    for (int j = i; j + 1 < q->count; j++) *at(q, j) = *at(q, j + 1);
    q->count--;
}

static int grow(EventQueue *q) {
    int ncap = q->cap * 2;
    Entry *n = calloc((size_t)ncap, sizeof *n);
    if (!n) return -1;
    for (int i = 0; i < q->count; i++) n[i] = *at(q, i);
    free(q->ring);
    q->ring = n;
    q->cap = ncap;
    q->head = 0;
    return 0;
}

int evq_push(EventQueue *q, const char *line, int droppable) {
    char *copy = strdup(line);
    if (!copy) return -1;
    int result = 0;
    pthread_mutex_lock(&q->mu);
    if (q->count >= q->bound) {
        int oldest = -1;
        for (int i = 0; i < q->count && oldest < 0; i++)
            if (at(q, i)->droppable) oldest = i;
        if (oldest >= 0) {
            remove_at(q, oldest);
            q->dropped++;
            result = 1;
        } else if (droppable) {
            q->dropped++;
            pthread_mutex_unlock(&q->mu);
            free(copy);
            return -1;
        } else {
            struct timespec until = deadline(KEEP_WAIT_SECONDS);
            while (q->count >= q->bound && !q->closed)
                if (pthread_cond_timedwait(&q->writable, &q->mu, &until) == ETIMEDOUT) break;
        }
    }
    if (q->count == q->cap && grow(q) != 0) {
        pthread_mutex_unlock(&q->mu);
        free(copy);
        return -1;
    }
    *at(q, q->count) = (Entry){copy, droppable};
    q->count++;
    pthread_cond_signal(&q->readable);
    pthread_mutex_unlock(&q->mu);
    return result;
}

char *evq_pop(EventQueue *q, double timeout_s) {
    pthread_mutex_lock(&q->mu);
    if (q->count == 0 && !q->closed && timeout_s > 0) {
        struct timespec until = deadline(timeout_s);
        while (q->count == 0 && !q->closed)
            if (pthread_cond_timedwait(&q->readable, &q->mu, &until) == ETIMEDOUT) break;
    }
    char *line = NULL;
    if (q->count > 0) {
        line = q->ring[q->head].line;
        q->head = (q->head + 1) % q->cap;
        q->count--;
        pthread_cond_signal(&q->writable);
    }
    pthread_mutex_unlock(&q->mu);
    return line;
}

void evq_close(EventQueue *q) {
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->readable);
    pthread_cond_broadcast(&q->writable);
    pthread_mutex_unlock(&q->mu);
}

int evq_finished(EventQueue *q) {
    pthread_mutex_lock(&q->mu);
    int r = q->closed && q->count == 0;
    pthread_mutex_unlock(&q->mu);
    return r;
}

int evq_length(EventQueue *q) {
    pthread_mutex_lock(&q->mu);
    int r = q->count;
    pthread_mutex_unlock(&q->mu);
    return r;
}

long evq_dropped(EventQueue *q) {
    pthread_mutex_lock(&q->mu);
    long r = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return r;
}

#define CMD_CAP 64

struct CmdChannel {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    TrainCmd ring[CMD_CAP];
    int head, count;
};

CmdChannel *cmdch_create(void) {
    CmdChannel *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    init_cond(&c->cond);
    return c;
}

void cmdch_free(CmdChannel *c) {
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c);
}

void cmdch_send(CmdChannel *c, TrainCmd cmd) {
    if (cmd == TRAIN_CMD_NONE) return;
    pthread_mutex_lock(&c->mu);
    if (c->count == CMD_CAP) {
        /* Drop the oldest command that is not a STOP; a stop must arrive. */
        int victim = 0;
        for (int i = 0; i < c->count; i++)
            if (c->ring[(c->head + i) % CMD_CAP] != TRAIN_CMD_STOP) {
                victim = i;
                break;
            }
        for (int j = victim; j + 1 < c->count; j++)
            c->ring[(c->head + j) % CMD_CAP] = c->ring[(c->head + j + 1) % CMD_CAP];
        c->count--;
    }
    c->ring[(c->head + c->count) % CMD_CAP] = cmd;
    c->count++;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

TrainCmd cmdch_take(CmdChannel *c, double timeout_s) {
    pthread_mutex_lock(&c->mu);
    if (c->count == 0 && timeout_s > 0) {
        struct timespec until = deadline(timeout_s);
        while (c->count == 0)
            if (pthread_cond_timedwait(&c->cond, &c->mu, &until) == ETIMEDOUT) break;
    }
    TrainCmd cmd = TRAIN_CMD_NONE;
    if (c->count > 0) {
        cmd = c->ring[c->head];
        c->head = (c->head + 1) % CMD_CAP;
        c->count--;
    }
    pthread_mutex_unlock(&c->mu);
    return cmd;
}

const char *train_cmd_name(TrainCmd cmd) {
    switch (cmd) {
    case TRAIN_CMD_PAUSE: return "pause";
    case TRAIN_CMD_RESUME: return "resume";
    case TRAIN_CMD_STOP: return "stop";
    case TRAIN_CMD_SAVE: return "save";
    default: return "none";
    }
}
