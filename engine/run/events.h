/* The events of a run: one JSON object per line of events.jsonl, "type"
 * first, then the fields in the order the schema below lists them. The
 * trainer writes every line through event_format and every reader (the run
 * state behind the dashboard, `watch` and `replay`, the summary rebuild, the
 * progress printer of `sentui train`) decodes them through event_decode, so a
 * field has one name, one type and one place where both are spelled out.
 *
 *  start      {run, arch, params, epochs, steps_per_epoch, total_steps, train_size,
 *              val_size, test_size, batch_size, max_len, resumed_from_step (resumed runs),
 *              classes (runs on the user's own data: the class names in class
 *              order, one per line), eval_limit, val_total, test_total (eval.limit:
 *              val_size and test_size reviews evaluated of val_total and test_total),
 *              train_flops_per_token, eval_flops_per_token (estimates from the model's shapes)}
 *  step       {step, epoch, loss, lr, grad_norm, tokens_per_s, elapsed}
 *  eval       {step, epoch, split:"val"|"test", loss, accuracy, precision, recall,
 *              f1, f1_macro, f1_weighted, confusion:[[tn,fp],[fn,tp]] (N classes: N rows
 *              of N, [true][pred]), best:bool, wall_seconds, masked (pretraining: the
 *              masked tokens scored; accuracy is theirs, loss the MLM loss)}
 *  explain    {step, samples:[{index, label, pred, prob, tokens:[..], weight:[..],
 *              method, layers, heads, attn:[layers*heads*len*len] (optional: every
 *              head, small models), layer_mean:[layers*len*len] (optional: mean over
 *              heads), kept:[[layer,head],..] and kept_attn:[n*len*len] (optional:
 *              eval.attention_heads, 0-based)}]}; a line is at most
 *              EVENT_MAX_BYTES: maps that would pass it are left out, last sample first
 *  checkpoint {step, file, metric (best checkpoints)}
 *  state      {step, state:"paused"|"running"}
 *  pretrain   {done, total, loss, elapsed} while word2vec runs,
 *             {done, total, cached, seconds, final:true} when it is done
 *  phase      {phase:"epoch"|"val"|"test", done, total, tokens, flops, elapsed, final}: a
 *             long phase starting (done 0, with its work: tokens and estimated FLOPs),
 *             its progress (done of total reviews, or steps for an epoch) and its end
 *  done       {step, status:"finished"|"stopped", elapsed, wall_seconds}
 *  failed     {step, reason}
 *
 * Numbers: reals are written with 7 significant digits (4 in explain), a real
 * that is not finite as 0; the step line, the one written every step, is
 * formatted by hand with the precisions its kinds name (G5: "%.5g", F3:
 * "%.3f", ...). A file written before a field existed still reads: a missing
 * field is simply absent from `has`. */
#ifndef SENTUI_EVENTS_H
#define SENTUI_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"

/* Field kinds: INT (a count), REAL, STR, BOOL; G5, G6, G7 and F3 are reals
 * of the step line; CONFUSION a square matrix of counts (2x2 up to
 * MAX_CLASSES); SAMPLES the explain
 * samples. F(type, name, kind, flags); EVF_REQUIRED: a line without the
 * field (or with one of another type) is malformed. */
#define EVF_OPTIONAL 1 /* written only when its bit is set in has */
#define EVF_REQUIRED 2

#define EVENT_FIELDS_start(F, T)                                                                              \
    F(T, run, STR, 0) F(T, arch, STR, 0) F(T, params, INT, 0) F(T, epochs, INT, 0)                            \
    F(T, steps_per_epoch, INT, 0) F(T, total_steps, INT, 0) F(T, train_size, INT, 0) F(T, val_size, INT, 0)  \
    F(T, test_size, INT, 0) F(T, batch_size, INT, 0) F(T, max_len, INT, 0)                                   \
    F(T, resumed_from_step, INT, EVF_OPTIONAL) F(T, classes, STR, EVF_OPTIONAL)                              \
    F(T, eval_limit, INT, EVF_OPTIONAL) F(T, val_total, INT, EVF_OPTIONAL) F(T, test_total, INT, EVF_OPTIONAL) \
    F(T, train_flops_per_token, REAL, EVF_OPTIONAL) F(T, eval_flops_per_token, REAL, EVF_OPTIONAL)
#define EVENT_FIELDS_step(F, T)                                                                               \
    F(T, step, INT, EVF_REQUIRED) F(T, epoch, G5, 0) F(T, loss, G7, 0) F(T, lr, G6, 0) F(T, grad_norm, G6, 0) \
    F(T, tokens_per_s, G6, 0) F(T, elapsed, F3, 0)
#define EVENT_FIELDS_eval(F, T)                                                                               \
    F(T, step, INT, EVF_REQUIRED) F(T, epoch, REAL, 0) F(T, split, STR, 0) F(T, loss, REAL, 0)               \
    F(T, accuracy, REAL, 0) F(T, precision, REAL, 0) F(T, recall, REAL, 0) F(T, f1, REAL, 0)                 \
    F(T, f1_macro, REAL, 0) F(T, f1_weighted, REAL, 0) F(T, confusion, CONFUSION, 0) F(T, best, BOOL, 0)     \
    F(T, wall_seconds, REAL, 0) F(T, masked, INT, EVF_OPTIONAL)
#define EVENT_FIELDS_explain(F, T) F(T, step, INT, EVF_REQUIRED) F(T, samples, SAMPLES, EVF_REQUIRED)
#define EVENT_FIELDS_checkpoint(F, T) F(T, step, INT, 0) F(T, file, STR, 0) F(T, metric, REAL, EVF_OPTIONAL)
#define EVENT_FIELDS_state(F, T) F(T, step, INT, 0) F(T, state, STR, 0)
#define EVENT_FIELDS_pretrain(F, T)                                                                          \
    F(T, done, INT, 0) F(T, total, INT, 0) F(T, loss, REAL, EVF_OPTIONAL) F(T, elapsed, REAL, EVF_OPTIONAL) \
    F(T, cached, BOOL, EVF_OPTIONAL) F(T, seconds, REAL, EVF_OPTIONAL) F(T, final, BOOL, EVF_OPTIONAL)
#define EVENT_FIELDS_phase(F, T)                                                                             \
    F(T, phase, STR, EVF_REQUIRED) F(T, done, INT, 0) F(T, total, INT, 0) F(T, tokens, INT, EVF_OPTIONAL)     \
    F(T, flops, REAL, EVF_OPTIONAL) F(T, elapsed, REAL, 0) F(T, final, BOOL, EVF_OPTIONAL)
#define EVENT_FIELDS_done(F, T) F(T, step, INT, 0) F(T, status, STR, 0) F(T, elapsed, REAL, 0) F(T, wall_seconds, REAL, 0)
#define EVENT_FIELDS_failed(F, T) F(T, step, INT, 0) F(T, reason, STR, 0)

/* X(ENUM, type name, struct, real precision; 0: the hand-formatted step line) */
#define EVENT_TYPES(X)                                   \
    X(EV_START, start, StartEvent, 7)                    \
    X(EV_STEP, step, StepEvent, 0)                       \
    X(EV_EVAL, eval, EvalEvent, 7)                       \
    X(EV_EXPLAIN, explain, ExplainEvent, 4)              \
    X(EV_CHECKPOINT, checkpoint, CheckpointEvent, 7)     \
    X(EV_STATE, state, StateEvent, 7)                    \
    X(EV_PRETRAIN, pretrain, PretrainEvent, 7)           \
    X(EV_PHASE, phase, PhaseEvent, 7)                    \
    X(EV_DONE, done, DoneEvent, 7)                       \
    X(EV_FAILED, failed, FailedEvent, 7)

typedef struct ExplainSample {
    int index, label, pred;
    float prob;
    int len;
    char **tokens;
    float *weight;       /* [len] */
    int layers, heads;
    float *attn;         /* [layers*heads*len*len] or NULL */
    float *layer_mean;   /* [layers*len*len] mean over heads, or NULL */
    int n_kept;
    int *kept;           /* [n_kept*2] layer, head */
    float *kept_attn;    /* [n_kept*len*len] */
    char method[96];
} ExplainSample;

typedef struct ExplainSamples {
    int n;
    ExplainSample *v;
} ExplainSamples;

/* The longest event line written (explain lines carrying attention maps are
 * the only ones that come near it). */
#define EVENT_MAX_BYTES (1024 * 1024)

void explain_sample_free(ExplainSample *x);
void explain_samples_free(ExplainSamples *s);

/* C type of each kind; strings point into the decoded line (or the writer's own). */
#define EV_DECL_INT(n) long n;
#define EV_DECL_REAL(n) double n;
#define EV_DECL_G5(n) double n;
#define EV_DECL_G6(n) double n;
#define EV_DECL_G7(n) double n;
#define EV_DECL_F3(n) double n;
#define EV_DECL_STR(n) const char *n;
#define EV_DECL_BOOL(n) int n;
/* n classes (0 is read as 2, so a zeroed event writes the binary 2x2) */
typedef struct Confusion {
    int n;
    long c[MAX_CLASSES][MAX_CLASSES]; /* [true][pred] */
} Confusion;
#define EV_DECL_CONFUSION(n) Confusion n;
#define EV_DECL_SAMPLES(n) ExplainSamples n;
#define EV_FIELD_DECL(T, name, kind, flags) EV_DECL_##kind(name)
#define EV_STRUCT(E, T, Type, prec) typedef struct Type { EVENT_FIELDS_##T(EV_FIELD_DECL, T) } Type;
EVENT_TYPES(EV_STRUCT)
#undef EV_STRUCT

/* Bit of each field in Event.has: EVF_<type>_<field>. */
#define EV_FIELD_BIT(T, name, kind, flags) EVF_##T##_##name,
#define EV_FIELD_BITS(E, T, Type, prec) enum { EVENT_FIELDS_##T(EV_FIELD_BIT, T) };
EVENT_TYPES(EV_FIELD_BITS)
#undef EV_FIELD_BITS

#define EV_ENUM(E, T, Type, prec) E,
typedef enum { EV_UNKNOWN = -1, EVENT_TYPES(EV_ENUM) EV_TYPE_COUNT } EventType;
#undef EV_ENUM

typedef struct Event {
    EventType type;
    /* Fields present: a number (a count within a long) for INT and the reals
     * (a real member holding anything else reads as NaN, yet is present), a
     * string for STR, any value for BOOL (true only when it is true). */
    uint32_t has;
#define EV_MEMBER(E, T, Type, prec) Type T;
    union {
        EVENT_TYPES(EV_MEMBER)
    };
#undef EV_MEMBER
    void *json; /* the decoded object, holding the strings */
} Event;

#define EVENT_HAS(ev, T, name) (((ev)->has >> EVF_##T##_##name) & 1u)
#define EVENT_SET(ev, T, name) ((ev)->has |= 1u << EVF_##T##_##name)

/* An event of type t with every field zero and none optional set. */
void event_init(Event *ev, EventType t);
/* The line for ev (no newline), malloc'd; NULL when out of memory. */
char *event_format(const Event *ev);
/* Decodes one line (a trailing newline is ignored). Returns 0 with ev filled
 * (type EV_UNKNOWN for a type this version does not know), or -1 for a line
 * that is not an event: not a JSON object, no type, a required field missing,
 * a malformed confusion matrix or explain sample. Call event_release after
 * either. */
int event_decode(const char *line, size_t len, Event *ev);
/* Frees what event_decode allocated (take samples first to keep them). */
void event_release(Event *ev);
const char *event_type_name(EventType t);

#endif
