#include "cli/train_cli.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"
#include "run/cost.h"
#include "run/events.h"
#include "run/run.h"
#include "kernels/tensor.h"
#include "cli/cli_paths.h"
#include "cli/text_safe.h"
#include "cli/confusion_print.h"
#include "cli/launch.h"

static volatile sig_atomic_t interrupts;

static void on_interrupt(int sig) {
    (void)sig;
    interrupts++;
    if (interrupts >= 2) {
        static const char msg[] = "\nsentui: aborted\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)w;
        _exit(130);
    }
}

typedef struct Follow {
    int tty;
    int epochs, steps_per_epoch;
    long total_steps, first_step;
    long step;
    double epoch, loss, tokens_per_s, elapsed;
    double loss_sum;
    int loss_n;
    double session_start, last_draw;
    int line_open;  /* a \r progress line is on screen */
    int done, failed, stopped;
    char reason[512];
    ClassNames classes; /* runs on the user's own data */
    long epoch_first_step;  /* the step the epoch in progress started at in this session */
    double epoch_start;
    int eta_told;           /* plain output: the epoch's ETA was printed */
    int phase_quarter;      /* plain output: quarters of an evaluation told */
    int val_told;           /* the cost of scoring validation is told once: it is the same every time */
} Follow;

/* A real the line lacks shows as 0. */
static double num(double v) { return isnan(v) ? 0 : v; }

/* Counts are clamped to [0, 2^40]: no value in a line can then overflow the
 * step arithmetic below. */
static long count(long v) { return v > 0 ? (v < (1L << 40) ? v : 1L << 40) : 0; }

static int icount(long v) {
    v = count(v);
    return v > INT_MAX ? INT_MAX : (int)v;
}

static void clear_line(Follow *f) {
    if (f->line_open) {
        fputs("\r\033[K", stdout);
        f->line_open = 0;
    }
}

static int epoch_number(const Follow *f) {
    /* Step k of an epoch (1-based) belongs to it even at its last step. */
    long e = f->steps_per_epoch ? (f->step - 1) / f->steps_per_epoch + 1 : 1;
    if (e < 1) e = 1;
    if (f->epochs && e > f->epochs) e = f->epochs;
    return e > INT_MAX ? INT_MAX : (int)e;
}

static void progress_text(Follow *f, char *buf, size_t n, int with_eta) {
    char tps[32], eta[64] = "", el[32];
    format_si(f->tokens_per_s, tps, sizeof tps);
    format_duration(f->elapsed, el, sizeof el);
    double now = now_seconds();
    long done = f->step - f->first_step;
    if (with_eta && done > 0) {
        double per_step = (now - f->session_start) / (double)done;
        char d[32];
        format_duration(per_step * (double)(f->total_steps - f->step), d, sizeof d);
        snprintf(eta, sizeof eta, "  ETA %s", d);
    }
    double loss = f->loss_n ? f->loss_sum / f->loss_n : f->loss;
    snprintf(buf, n, "epoch %d/%d  step %ld/%ld  loss %.4f  %s tok/s  %s%s", epoch_number(f), f->epochs, f->step,
             f->total_steps, loss, tps, el, eta);
}

/* Plain output (a pipe, a log file) gets one line with the epoch's ETA once
 * a few steps have run; a terminal has it on its progress line. */
#define ETA_AFTER_STEPS 5

static void tell_epoch_eta(Follow *f) {
    if (f->tty || f->eta_told || f->steps_per_epoch <= 0) return;
    long done = f->step - f->epoch_first_step, left = f->steps_per_epoch - f->step % f->steps_per_epoch;
    if (done < ETA_AFTER_STEPS || left == f->steps_per_epoch) return;
    f->eta_told = 1;
    double secs = now_seconds() - f->epoch_start;
    char eta[32], took[32];
    format_duration(secs / (double)done * (double)left, eta, sizeof eta);
    format_duration(secs, took, sizeof took);
    printf("epoch %d/%d: ETA %s (%ld steps in %s, %ld to go)\n", epoch_number(f), f->epochs, eta, done, took, left);
    fflush(stdout);
}

static void on_step(Follow *f, const StepEvent *e) {
    f->step = count(e->step);
    f->loss = num(e->loss);
    f->tokens_per_s = num(e->tokens_per_s);
    f->elapsed = num(e->elapsed);
    f->loss_sum += f->loss;
    f->loss_n++;
    int epoch_end = f->steps_per_epoch && f->step % f->steps_per_epoch == 0;
    char text[256];
    if (f->tty) {
        double now = now_seconds();
        if (now - f->last_draw < 0.1 && !epoch_end) return;
        f->last_draw = now;
        progress_text(f, text, sizeof text, 1);
        printf("\r\033[K%s", text);
        f->line_open = 1;
        fflush(stdout);
    } else if (epoch_end) {
        progress_text(f, text, sizeof text, 0);
        printf("%s\n", text);
        fflush(stdout);
    }
    tell_epoch_eta(f);
    if (epoch_end) f->loss_sum = 0, f->loss_n = 0;
}

/* A long phase: its work up front, then (evaluations) progress and ETA. */
static void on_phase(Follow *f, const Event *ev) {
    const PhaseEvent *p = &ev->phase;
    long done = count(p->done), total = count(p->total);
    int epoch = !strcmp(p->phase, "epoch");
    char fl[32], tk[32], el[32], eta[32];
    if (done == 0 && !p->final) {
        clear_line(f);
        format_si((double)count(p->tokens), tk, sizeof tk);
        cost_format_flops(num(p->flops), fl, sizeof fl);
        if (epoch) {
            f->epoch_first_step = f->step, f->epoch_start = now_seconds(), f->eta_told = 0;
            printf("epoch %ld/%d: %ld steps, %s tokens, about %s to train\n", f->steps_per_epoch ? f->step / f->steps_per_epoch + 1 : 1,
                   f->epochs, total, tk, fl);
        } else {
            f->phase_quarter = 0;
            if (strcmp(p->phase, "val") || !f->val_told)
                printf("scoring %s: %ld reviews, %s tokens, about %s\n", p->phase, total, tk, fl);
            f->val_told |= !strcmp(p->phase, "val");
        }
        fflush(stdout);
        return;
    }
    if (epoch || p->final || total == 0) return;
    double elapsed = num(p->elapsed);
    format_duration(elapsed, el, sizeof el);
    format_duration(done > 0 ? elapsed / (double)done * (double)(total - done) : 0, eta, sizeof eta);
    if (f->tty) {
        printf("\r\033[Kscoring %s %3.0f%%  %ld/%ld reviews  %s  ETA %s", p->phase, 100.0 * done / total, done, total,
               el, eta);
        f->line_open = 1;
    } else if ((int)(4 * done / total) > f->phase_quarter) {
        f->phase_quarter = (int)(4 * done / total);
        printf("scoring %s %3.0f%%  %ld/%ld reviews  %s  ETA %s\n", p->phase, 100.0 * done / total, done, total, el,
               eta);
    }
    fflush(stdout);
}

static void on_pretrain(Follow *f, const PretrainEvent *e) {
    double done = (double)e->done, total = (double)e->total;
    char el[32];
    if (e->final) {
        clear_line(f);
        format_duration(num(e->seconds), el, sizeof el);
        if (e->cached)
            printf("word vectors: word2vec vectors loaded from %s/ (%s)\n", cli_data_paths().cache_dir, el);
        else
            printf("word vectors: word2vec learnt in %s (cached for later runs)\n", el);
        fflush(stdout);
        return;
    }
    double now = now_seconds();
    if (!f->tty || now - f->last_draw < 0.2) return;
    f->last_draw = now;
    format_duration(num(e->elapsed), el, sizeof el);
    printf("\r\033[Kword2vec %3.0f%%  loss %.3f  %s", total > 0 ? 100 * done / total : 0, num(e->loss), el);
    f->line_open = 1;
    fflush(stdout);
}

static void on_eval(Follow *f, const Event *ev) {
    const EvalEvent *e = &ev->eval;
    int test = e->split && !strcmp(e->split, "test");
    clear_line(f);
    if (test) {
        printf("test  acc %.4f  precision %.4f  recall %.4f  f1 %.4f  f1_macro %.4f  f1_weighted %.4f  loss %.4f\n",
               num(e->accuracy), num(e->precision), num(e->recall), num(e->f1), num(e->f1_macro),
               num(e->f1_weighted), num(e->loss));
        if (EVENT_HAS(ev, eval, confusion)) confusion_print(stdout, &e->confusion, &f->classes, 6);
    } else {
        printf("val   step %ld  epoch %.2f  acc %.4f  f1 %.4f  f1_macro %.4f  loss %.4f%s\n", count(e->step),
               num(e->epoch), num(e->accuracy), num(e->f1), num(e->f1_macro), num(e->loss),
               e->best ? "  (best)" : "");
    }
    fflush(stdout);
}

static void on_start(Follow *f, const Event *ev) {
    const StartEvent *e = &ev->start;
    f->epochs = icount(e->epochs);
    f->steps_per_epoch = icount(e->steps_per_epoch);
    f->total_steps = count(e->total_steps);
    f->first_step = f->step = count(e->resumed_from_step);
    f->session_start = now_seconds();
    char p[32];
    format_si((double)e->params, p, sizeof p);
    char plan[64];
    if (f->epochs > 0)
        snprintf(plan, sizeof plan, "%d epoch%s of %d steps", f->epochs, f->epochs == 1 ? "" : "s", f->steps_per_epoch);
    else
        snprintf(plan, sizeof plan, "no training (train.epochs 0): the initial weights evaluated");
    printf("%s, %s parameters; %s; %ld train / %ld val / %ld test reviews\n", e->arch ? e->arch : "?", p, plan,
           count(e->train_size), count(e->val_size), count(e->test_size));
    if (EVENT_HAS(ev, start, classes) && !f->classes.n && class_names_parse(&f->classes, e->classes) == 0)
        printf("%d classes\n", f->classes.n);
    if (EVENT_HAS(ev, start, eval_limit) && e->eval_limit > 0)
        printf("eval.limit %ld: scoring the first %ld of %ld validation and %ld of %ld test reviews; not full-split "
               "figures\n", count(e->eval_limit), count(e->val_size), count(e->val_total), count(e->test_size),
               count(e->test_total));
    if (EVENT_HAS(ev, start, train_flops_per_token) && e->train_flops_per_token > 0) {
        char tr[32], ev_[32];
        cost_format_flops(e->train_flops_per_token, tr, sizeof tr);
        cost_format_flops(e->eval_flops_per_token, ev_, sizeof ev_);
        printf("cost: about %s per token to train, %s to score (at %ld tokens)\n", tr, ev_, count(e->max_len));
    }
    if (EVENT_HAS(ev, start, resumed_from_step))
        printf("resuming at step %ld (epoch %ld)\n", f->step, f->steps_per_epoch ? f->step / f->steps_per_epoch + 1 : 1);
    fflush(stdout);
}

static void on_line(void *ctx, const char *line) {
    Follow *f = ctx;
    Event ev;
    if (event_decode(line, strlen(line), &ev) == 0) {
        switch (ev.type) {
        case EV_START: on_start(f, &ev); break;
        case EV_PRETRAIN: on_pretrain(f, &ev.pretrain); break;
        case EV_STEP: on_step(f, &ev.step); break;
        case EV_EVAL: on_eval(f, &ev); break;
        case EV_PHASE: on_phase(f, &ev); break;
        case EV_DONE:
            f->stopped = ev.done.status && !strcmp(ev.done.status, "stopped");
            f->done = 1;
            f->elapsed = num(ev.done.elapsed);
            break;
        case EV_FAILED:
            snprintf(f->reason, sizeof f->reason, "%s", ev.failed.reason ? ev.failed.reason : "unknown reason");
            f->failed = 1;
            break;
        default: break;
        }
    }
    event_release(&ev);
}

/* Plain output tells a split only once it has taken this long. */
#define DATA_QUIET_SECONDS 2.0

void train_cli_data_progress(void *ctx, const char *what, long done, long total) {
    static double start, last;
    static int quarter, line_open;
    (void)ctx;
    double now = now_seconds(), took = now - start;
    int tty = isatty(STDOUT_FILENO);
    if (done == 0) start = last = now, quarter = 0;
    if (done == 0 || total <= 0) return;
    char el[32], eta[32];
    format_duration(took, el, sizeof el);
    format_duration(took / (double)done * (double)(total - done), eta, sizeof eta);
    if (done == total) {
        if (line_open) fputs("\r\033[K", stdout), line_open = 0;
        if (took >= DATA_QUIET_SECONDS) printf("encoded the %s split: %ld reviews in %s\n", what, total, el);
    } else if (tty && now - last >= 0.2) {
        last = now, line_open = 1;
        printf("\r\033[Kencoding the %s split %3.0f%%  %ld/%ld reviews  %s  ETA %s", what, 100.0 * done / total, done,
               total, el, eta);
    } else if (!tty && took >= DATA_QUIET_SECONDS && (int)(4 * done / total) > quarter) {
        quarter = (int)(4 * done / total);
        printf("encoding the %s split %3.0f%%  %ld/%ld reviews  %s  ETA %s\n", what, 100.0 * done / total, done, total,
               el, eta);
    }
    fflush(stdout);
}

int train_cli_follow(Trainer *t) {
    Follow f;
    memset(&f, 0, sizeof f);
    f.tty = isatty(STDOUT_FILENO);
    f.session_start = now_seconds();
    interrupts = 0;
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    int asked = 0;
    while (trainer_poll(t, 0.1, on_line, &f) >= 0) {
        if (interrupts && !asked) {
            asked = 1;
            clear_line(&f);
            fprintf(stderr, "stopping: saving the run (Ctrl-C again to abort)\n");
            trainer_command(t, TRAIN_CMD_STOP);
        }
    }
    int status = trainer_join(t);
    clear_line(&f);
    char el[32];
    format_duration(f.elapsed, el, sizeof el);
    /* A resumed run's folder may have come from elsewhere, and the reason may quote its files. */
    char dir[4 * RUN_PATH_MAX + 1], why[4 * 2048 + 1];
    text_safe(dir, sizeof dir, trainer_run_dir(t), 0);
    text_safe(why, sizeof why, trainer_reason(t), 0);
    int code = 0;
    if (status == TRAIN_FAILED) {
        fprintf(stderr, "sentui: training failed: %s\n", why);
        code = 1;
    } else if (status == TRAIN_STOPPED) {
        printf("stopped at step %ld after %s; continue with: sentui resume %s\n", f.step, el, dir);
        code = asked ? 130 : 0;
    } else {
        launch_report(stdout);
        printf("finished in %s%s%s; run folder: %s\n", el, why[0] ? ": " : "", why, dir);
    }
    fflush(stdout);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    trainer_free(t);
    class_names_free(&f.classes);
    return code;
}
