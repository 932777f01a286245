/* host/cli/cmd_train.c - `alexnet train`: SGD with the paper's recipe on a data set, with a
 * progress bar, per-epoch validation, checkpoints, clean interruption and exact resume. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
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

int cmd_train(int argc, char **argv) {
    an_train_config c = an_train_defaults();
    cli_device_opts dev = {0};
    int resume = 0, no_lighting = 0;
    const char *seed = "1", *max_iters = "0";
    const char *algo = "auto";
    const cli_opt opts[] = {
        {"--data", CLI_STR, &c.data, "DIR",
         "data set: DIR/train and DIR/val (or DIR/test), prepared shards or JPEG folders", NULL},
        {"--val", CLI_STR, &c.val, "DIR", "validation set elsewhere (\"none\": no validation)",
         NULL},
        {"--net", CLI_STR, &c.net, "NAME|FILE", "net: a built-in name or a net file", NULL},
        {"--out", CLI_STR, &c.out, "RUNDIR", "run directory: logs, checkpoints, weights", NULL},
        {"--batch", CLI_INT, &c.batch, "N", "images per SGD step", NULL},
        {"--lr", CLI_FLOAT, &c.lr, "LR", "learning rate", NULL},
        {"--momentum", CLI_FLOAT, &c.momentum, "M", "momentum", NULL},
        {"--weight-decay", CLI_FLOAT, &c.weight_decay, "D", "weight decay", NULL},
        {"--epochs", CLI_INT, &c.epochs, "N",
         "epochs in all (default 90; with --resume, the run's own unless given)", NULL},
        {"--lr-policy", CLI_CHOICE, &c.lr_policy, "POLICY",
         "divide the lr by 1/gamma when validation error stops improving, every --step-epochs, "
         "decay it to 0 along a half cosine over the run, or never", "plateau|step|cosine|fixed"},
        {"--warmup-epochs", CLI_FLOAT, &c.warmup_epochs, "E",
         "raise the lr linearly from lr/W to lr over the first E epochs' W steps (default 0)",
         NULL},
        {"--patience", CLI_INT, &c.patience, "N", "plateau: epochs without improvement", NULL},
        {"--step-epochs", CLI_INT, &c.step_epochs, "N", "step: epochs between lr drops", NULL},
        {"--gamma", CLI_FLOAT, &c.gamma, "G", "lr factor at each drop", NULL},
        {"--seed", CLI_STR, &seed, "S", "seed of initialisation, shuffling, augmentation, dropout",
         NULL},
        {"--no-lighting", CLI_FLAG, &no_lighting, NULL, "no PCA lighting augmentation", NULL},
        {"--checkpoint-every", CLI_INT, &c.ckpt_every, "N",
         "also checkpoint every N iterations (0: at epoch ends)", NULL},
        {"--keep", CLI_INT, &c.keep, "K", "checkpoints to keep", NULL},
        {"--max-iters", CLI_STR, &max_iters, "N", "stop (with a checkpoint) after iteration N",
         NULL},
        {"--threads", CLI_INT, &c.threads, "N", "data loader threads (0: all CPUs)", NULL},
        {"--conv", CLI_CHOICE, &algo, "ALGO", "convolution algorithm",
         "auto|im2col|direct|fft|winograd"},
        {"--resume", CLI_FLAG, &resume, NULL,
         "continue the run in RUNDIR from its newest checkpoint", NULL},
        CLI_DEVICE_OPTIONS(dev),
        {0},
    };
    c.epochs = 0; /* not given: the paper's 90, or on --resume the run's own */
    int npos;
    int rc = cli_parse("train", "--data DIR --net NAME|FILE --out RUNDIR [options]", opts, argc,
                       argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    c.resume = resume;
    c.lighting = !no_lighting;
    char *end;
    errno = 0;
    c.seed = strtoull(seed, &end, 10);
    int bad_seed = errno || !*seed || *end || *seed == '-';
    c.max_iters = strtoll(max_iters, &end, 10);
    if (bad_seed || errno || !*max_iters || *end || c.max_iters < 0) {
        fprintf(stderr, "alexnet train: --seed and --max-iters want whole numbers >= 0\n");
        return 2;
    }
    if (!an_conv_algo_parse(algo, &c.conv_algo)) c.conv_algo = AN_CONV_AUTO;
    if (!c.out || (!resume && (!c.data || !c.net))) {
        fprintf(stderr, "alexnet train: --data, --net and --out are needed (--out alone with "
                        "--resume); see alexnet train --help\n");
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
    an_dev devs[AN_MAX_SELECTED];
    int ndev;
    if (cli_open_devices(&dev, 0, devs, &ndev)) return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    progress_ctx pc = {cli_is_tty(), 10, 0};
    an_status s = an_train_run(&c, devs, ndev, on_progress, &pc, &stop_requested);
    if (pc.bar_open) fputc('\n', stderr);
    an_devs_close(devs, ndev);
    if (s == AN_ERR_INTERRUPTED) {
        fprintf(stderr, "alexnet train: %s\n", an_last_error());
        return stop_requested == SIGINT ? 130 : 143;
    }
    if (s != AN_OK) return cli_fail("train", s);
    return 0;
}
