/* host/train/trainer.h - the training loop: SGD over the data stream, per-epoch validation, the
 * learning-rate policy, checkpoints and logs, and an exact resume.
 *
 * A run lives in one directory (cfg->out):
 *   config.txt               the configuration it was started with (key=value)
 *   log.csv                  one line per epoch: epoch, iteration, train_loss, val_loss,
 *                            val_top1_err, val_top5_err, lr, seconds (train_loss and the
 *                            iterations' loss are smoothed with label_smoothing, val_loss not)
 *   iterations.csv           one line per iteration: iteration, epoch, loss, lr
 *   checkpoints/ckpt-<iteration>.ckpt   the last cfg->keep checkpoints (host/train/checkpoint.h)
 *   best.ckpt, best.weights  the epoch with the lowest validation top-1 error
 *   final.weights            the parameters when training ends (a weights file, for eval/classify)
 *   events.out.tfevents.*    with cfg->tensorboard: train/loss, train/lr, train/images_per_s per
 *                            iteration, val/loss, val/top1_err, val/top5_err, train/epoch_loss per
 *                            epoch, one file per process (host/train/tensorboard.h)
 * Resuming (cfg->resume) loads the newest checkpoint and continues the same stream: the same
 * images in the same order, the same dropout masks, the same learning rate, so the losses equal
 * those of a run that was never stopped (on the same devices). In a data-parallel job (dist)
 * batch stays the global batch, every rank trains its share, and rank 0 alone writes the run
 * directory; a run may be resumed with any number of ranks. Library code: it reports through
 * the progress callback and never prints. */
#ifndef AN_TRAIN_TRAINER_H
#define AN_TRAIN_TRAINER_H

#include <signal.h>
#include <stdint.h>

#include "net/model.h"

typedef struct an_train_config {
    const char *data;        /* DIR: DIR/train (else DIR itself) and DIR/val or DIR/test */
    const char *val;         /* validation set (NULL: as above; "none": no validation) */
    const char *net;         /* NAME|FILE (ignored on resume: the checkpoint's net is used) */
    const char *out;         /* the run directory */
    int batch, threads;
    int epochs;              /* in all; on resume, 0 means the run's own */
    double lr, momentum, weight_decay;
    const char *lr_policy;   /* "plateau", "step", "cosine" or "fixed" (train/schedule.h) */
    int patience;            /* plateau: epochs without a better validation top-1 error */
    int step_epochs;         /* step: divide every this many epochs */
    double gamma;            /* the factor (0.1: divide by 10) */
    double warmup_epochs;    /* linear warm-up over this many epochs (0: none) */
    double label_smoothing;  /* training loss against (1 - eps) onehot + eps / classes, in [0, 1)
                                (0: none); validation losses and errors stay plain */
    uint64_t seed;
    int lighting;            /* PCA lighting augmentation (needs prepared statistics) */
    int translate;           /* also shift training crops up to this many pixels past the
                                images' edges, black outside (0: crops stay inside) */
    double erase;            /* random erasing: the probability of zeroing a rectangle of a
                                training view (host/data/view.h; 0: never) */
    int ckpt_every;          /* also checkpoint every N iterations (0: at epoch ends only) */
    int keep;                /* checkpoints kept (the newest) */
    long long max_iters;     /* stop (with a checkpoint) after this iteration (0: no limit) */
    int resume;
    an_conv_algo conv_algo;
    /* Fine-tuning (host/train/finetune.h): start from this weights file's tensors (NULL: the
     * paper's initialisation); net may then be NULL (the file's net). */
    const char *init;
    int classes_auto;        /* give the net's last layer the training set's class count */
    const char *lr_mult;     /* "fc8=10,...": per-layer learning-rate multipliers (NULL: none) */
    const char *freeze;      /* "conv1,conv2,...": layers not trained (NULL: none) */
    int tensorboard;         /* also write the scalars as TensorBoard events (default 1) */
    struct an_dist_job *dist; /* a data-parallel MPI job (train/distributed.h); NULL: alone */
} an_train_config;

/* The paper's recipe: batch 128, lr 0.01, momentum 0.9, decay 0.0005, 90 epochs, plateau
 * (patience 1, gamma 0.1), seed 1, lighting on, keep 3. */
an_train_config an_train_defaults(void);

typedef enum {
    AN_TRAIN_ITER,       /* after every iteration */
    AN_TRAIN_EPOCH,      /* after an epoch's validation */
    AN_TRAIN_NOTE        /* a message (checkpoint written, lr changed, resumed, ...) */
} an_train_event;

typedef struct an_train_progress {
    an_train_event event;
    int epoch, epochs;           /* 1-based epoch */
    long long iter_in_epoch, iters_per_epoch, iteration;
    double loss, lr, images_per_s, eta_s, elapsed_s;
    double val_loss, val_top1, val_top5; /* AN_TRAIN_EPOCH; negative when no validation */
    const char *note;
} an_train_progress;

typedef void (*an_train_progress_fn)(void *ctx, const an_train_progress *p);

/* Run (or resume) training on devs. *stop set non-zero (a signal handler) makes the loop save a
 * checkpoint and return AN_ERR_INTERRUPTED. A non-finite loss returns AN_ERR_NONFINITE without
 * touching the checkpoints. */
an_status an_train_run(const an_train_config *cfg, an_dev *devs, int ndev,
                       an_train_progress_fn progress, void *ctx, volatile sig_atomic_t *stop);

#endif
