/* host/cli/cmd_train.c - `alexnet train`: SGD with the paper's recipe on a data set, with a
 * progress bar, per-epoch validation, checkpoints, clean interruption and exact resume. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "train/distributed.h"
#include "train/train_config.h"
#include "train/trainer.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) { stop_requested = sig; }

static void fmt_time(char *buf, size_t n, double s) {
    long t = s > 0 ? (long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

typedef struct progress_ctx {
    int tty;
    int every;        /* log lines: one per this many iterations */
    int bar_open;     /* a \r line is on the terminal */
} progress_ctx;

static void on_progress(void *vctx, const an_train_progress *p) {
    progress_ctx *c = vctx;
    char eta[32], el[32];
    if (p->event == AN_TRAIN_ITER) {
        fmt_time(eta, sizeof eta, p->eta_s);
        if (c->tty) {
            int width = 24, filled = p->iters_per_epoch
                                         ? (int)(width * p->iter_in_epoch / p->iters_per_epoch)
                                         : 0;
            char bar[32];
            for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
            bar[width] = 0;
            fprintf(stderr, "\repoch %d/%d [%s] %lld/%lld  loss %.4f  %.1f img/s  ETA %s   ",
                    p->epoch, p->epochs, bar, p->iter_in_epoch, p->iters_per_epoch, p->loss,
                    p->images_per_s, eta);
            c->bar_open = 1;
        } else if (p->iteration % c->every == 0) {
            fprintf(stderr, "epoch %d/%d iter %lld/%lld (total %lld) loss %.4f lr %.4g %.1f img/s "
                    "ETA %s\n", p->epoch, p->epochs, p->iter_in_epoch, p->iters_per_epoch,
                    p->iteration, p->loss, p->lr, p->images_per_s, eta);
        }
        return;
    }
    if (c->bar_open) {
        fputc('\n', stderr);
        c->bar_open = 0;
    }
    if (p->event == AN_TRAIN_EPOCH) {
        fmt_time(el, sizeof el, p->elapsed_s);
        if (p->val_top1 >= 0)
            printf("epoch %d/%d: train loss %.4f, validation loss %.4f, top-1 error %.2f%%, "
                   "top-5 error %.2f%%, lr %.4g, %s elapsed\n", p->epoch, p->epochs, p->loss,
                   p->val_loss, p->val_top1, p->val_top5, p->lr, el);
        else
            printf("epoch %d/%d: train loss %.4f, lr %.4g, %s elapsed (no validation set)\n",
                   p->epoch, p->epochs, p->loss, p->lr, el);
        fflush(stdout);
    } else {
        fprintf(stderr, "%s\n", p->note);
    }
}

/* A rank's failure, named, before the job is ended. */
static int rank_fail(an_dist_job *dist, an_status s) {
    if (an_dist_size(dist) <= 1) return cli_fail("train", s);
    fprintf(stderr, "alexnet train: rank %d of %d (on %s) failed: %s; ending the job\n",
            an_dist_rank(dist), an_dist_size(dist), an_dist_host(dist), an_last_error());
    fflush(stderr);
    return 1;
}

static int train_ranked(an_train_config *cp, cli_device_opts *devo, const char *per_rank,
                        an_dist_job *dist);

/* Flags from the configuration table (host/train/train_config.h), read by `alexnet train`:
 * ints, doubles and strings straight into the configuration, the other types as text (text[i],
 * parsed after cli_parse) or as a switch (hit[i]). */
typedef struct table_flags {
    const an_train_field *f;
    size_t n;
    const char *text[AN_TRAIN_MAX_FIELDS];
    int hit[AN_TRAIN_MAX_FIELDS];
} table_flags;

/* The cli_opt of row i: into c where the type allows, else into t's text or switch. */
static cli_opt table_opt(an_train_config *c, table_flags *t, size_t i) {
    const an_train_field *f = &t->f[i];
    const char *choices = f->choices[0] ? f->choices : NULL;
    cli_opt o = {f->flag, choices ? CLI_CHOICE : CLI_STR, &t->text[i], f->metavar, f->help,
                 choices};
    t->text[i] = f->def;
    switch (f->type) {
    case AN_TRAIN_INT: o.kind = CLI_INT; o.dst = an_train_field_at(c, f); break;
    case AN_TRAIN_DOUBLE: o.kind = CLI_FLOAT; o.dst = an_train_field_at(c, f); break;
    case AN_TRAIN_STR: o.dst = an_train_field_at(c, f); break;
    case AN_TRAIN_SWITCH:
        o.kind = CLI_FLAG;
        o.dst = &t->hit[i];
        o.metavar = NULL;
        break;
    default: break; /* text */
    }
    return o;
}

/* After cli_parse: the text and switch flags into c; 2 (printed) on a bad value. */
static int table_apply(an_train_config *c, const table_flags *t) {
    for (size_t i = 0; i < t->n; i++) {
        const an_train_field *f = &t->f[i];
        int *sw = an_train_field_at(c, f);
        if (f->type == AN_TRAIN_SWITCH) {
            if (t->hit[i]) *sw = !*sw;
        } else if (f->type != AN_TRAIN_INT && f->type != AN_TRAIN_DOUBLE &&
                   f->type != AN_TRAIN_STR && !an_train_field_parse(c, f, t->text[i])) {
            fprintf(stderr, "alexnet train: %s wants a whole number >= 0 (got \"%s\")\n",
                    f->flag, t->text[i]);
            return 2;
        }
    }
    return 0;
}

int cmd_train(int argc, char **argv) {
    an_train_config c = an_train_defaults();
    cli_device_opts dev = {0};
    const char *classes = NULL, *per_rank = NULL;
    table_flags t;
    t.f = an_train_fields(&t.n);
    memset(t.hit, 0, sizeof t.hit);
    cli_opt opts[AN_TRAIN_MAX_FIELDS + 6];
    size_t no = 0;
    for (size_t i = 0; i < t.n; i++) opts[no++] = table_opt(&c, &t, i);
    const cli_opt rest[] = {
        {"--classes", CLI_CHOICE, &classes, "MODE",
         "auto: the last layer gets the training set's class count (default with --init); "
         "net: the net's count must match", "auto|net"},
        {"--device-per-rank", CLI_STR, &per_rank, "SPEC/SPEC/..",
         "under mpirun: the device(s) of each rank by its rank on its machine (local rank k takes "
         "entry k mod count; instead of --device)", NULL},
        CLI_DEVICE_OPTIONS(dev),
        {0},
    };
    memcpy(opts + no, rest, sizeof rest);
    c.epochs = 0; /* not given: the paper's 90, or on --resume the run's own */
    int npos;
    int rc = cli_parse("train", "--data DIR --net NAME|FILE --out RUNDIR [options]", opts, argc,
                       argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if ((rc = table_apply(&c, &t)) != 0) return rc;
    int resume = c.resume;
    c.classes_auto = classes ? strcmp(classes, "auto") == 0 : c.init != NULL;
    if (!c.out || (!resume && (!c.data || (!c.net && !c.init)))) {
        fprintf(stderr, "alexnet train: --data, --net (or --init) and --out are needed (--out "
                        "alone with --resume); see alexnet train --help\n");
        return 2;
    }
    if (c.epochs == 0 && !resume) c.epochs = an_train_defaults().epochs;
    if (c.batch < 1 || c.epochs < 0 || c.lr <= 0 || c.keep < 1 || c.patience < 1 ||
        c.gamma <= 0 || c.gamma > 1 || c.momentum < 0 || c.weight_decay < 0 ||
        !(c.warmup_epochs >= 0)) {
        fprintf(stderr, "alexnet train: --batch, --epochs, --keep, --patience and --lr must be "
                        "positive, --gamma in (0, 1], --momentum, --weight-decay and "
                        "--warmup-epochs >= 0\n");
        return 2;
    }
    if (!(c.label_smoothing >= 0 && c.label_smoothing < 1)) {
        fprintf(stderr, "alexnet train: --label-smoothing wants 0 <= EPS < 1 (got %g)\n",
                c.label_smoothing);
        return 2;
    }
    if (!(c.erase >= 0 && c.erase <= 1)) {
        fprintf(stderr, "alexnet train: --erase wants 0 <= P <= 1 (got %g)\n", c.erase);
        return 2;
    }
    if (c.translate < 0) {
        fprintf(stderr, "alexnet train: --translate wants P >= 0 pixels (got %d)\n", c.translate);
        return 2;
    }
    if (per_rank && dev.device) {
        fprintf(stderr, "alexnet train: give --device or --device-per-rank, not both\n");
        return 2;
    }
    an_dist_job *dist;
    if (an_dist_init(&dist) != AN_OK) return cli_fail("train", AN_ERR_UNSUPPORTED);
    c.dist = dist;
    int rc_dist = train_ranked(&c, &dev, per_rank, dist);
    /* A failed rank ends them all (the others may wait in a reduction); a stop is agreed. */
    if (rc_dist == 1 && an_dist_size(dist) > 1) an_dist_abort(dist, rc_dist);
    an_dist_finish(dist);
    return rc_dist;
}

/* The run on this rank (or the one process): its devices, then the trainer. */
static int train_ranked(an_train_config *cp, cli_device_opts *devo, const char *per_rank,
                        an_dist_job *dist) {
    an_train_config c = *cp;
    cli_device_opts dev = *devo;
    char spec[256];
    if (per_rank) {
        if (an_dist_device_spec(per_rank, an_dist_local_rank(dist), spec, sizeof spec) != AN_OK)
            return rank_fail(dist, AN_ERR_INVALID_ARG);
        dev.device = spec;
    }
    an_dev devs[AN_MAX_SELECTED];
    int ndev;
    if (cli_open_devices(&dev, 0, devs, &ndev))
        return an_dist_size(dist) > 1 ? rank_fail(dist, AN_ERR_NOT_FOUND) : 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    progress_ctx pc = {cli_is_tty(), 10, 0};
    an_status s = an_train_run(&c, devs, ndev, an_dist_rank(dist) == 0 ? on_progress : NULL, &pc,
                               an_dist_stop_flag(dist, &stop_requested));
    if (pc.bar_open) fputc('\n', stderr);
    an_devs_close(devs, ndev);
    an_dist_stats ds = an_dist_get_stats(dist);
    if (an_dist_rank(dist) == 0 && ds.steps > 0)
        fprintf(stderr, "data-parallel over %d ranks: %lld steps, %.3f MiB reduced per step and "
                "rank; rank 0 spent %.2f s waiting for the others, %.2f s in the gradients' "
                "MPI_Allreduce, %.2f s copying them to and from the device\n",
                an_dist_size(dist), ds.steps, (double)ds.step_bytes / 1048576.0, ds.wait_s,
                ds.reduce_s, ds.copy_s);
    if (s == AN_ERR_INTERRUPTED) {
        if (an_dist_rank(dist) == 0) fprintf(stderr, "alexnet train: %s\n", an_last_error());
        return stop_requested == SIGINT ? 130 : 143;
    }
    if (s != AN_OK) return an_dist_size(dist) > 1 ? rank_fail(dist, s) : cli_fail("train", s);
    return 0;
}
