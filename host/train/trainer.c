/* host/train/trainer.c - the training loop, its learning-rate policy, checkpoints and logs. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/weights.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/evaluate.h"
#include "train/feed.h"
#include "train/finetune.h"
#include "train/refill.h"
#include "train/tensorboard.h"
#include "train/train_config.h"
#include "train/schedule.h"
#include "util/mkdir_p.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/clock.h"

/* Rank 0 of a data-parallel job (or the one process) writes the run directory. */
#define IS_ROOT(t) (an_dist_rank((t)->c.dist) == 0)

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The run's counters: what a checkpoint saves besides the tensors. */
typedef struct run_state {
    long long iteration;          /* iterations done */
    int epoch;                    /* 0-based epoch in progress */
    unsigned long long pos_epoch, pos_index; /* the loader's position */
    double lr;
    double best_top1;             /* lowest validation top-1 error so far (1e9: none) */
    int bad_epochs;               /* epochs since it improved */
    double epoch_loss_sum;        /* this epoch's training loss so far */
    long long epoch_iters;
    double seconds;               /* training time before this process */
} run_state;

typedef struct trainer {
    const an_train_config *cfg;
    an_train_config c;            /* the effective configuration (resume: the checkpoint's) */
    an_train_strings resumed;     /* owns c's strings after a resume */
    char train_dir[4200], val_dir[4200];
    an_net *net;
    char *net_text;
    an_model *model;
    an_loader *loader;
    run_state st;
    float *params, *momentum, *images;
    an_train_progress_fn progress;
    void *ctx;
    double t0;
    an_dev *dev0;                 /* batches are loaded into memory mapped from its context */
    float *lr_mult;               /* per layer (fine-tuning), NULL: all 1 */
    an_tb_writer tb;              /* TensorBoard events (tb.f NULL: off) */
    an_refill refill;             /* batches topped up past bad files */
    int local_batch;              /* this rank's share of a batch (the batch when alone) */
    an_sched sched;               /* the learning-rate schedule (train/schedule.h) */
    double step_lr;               /* the rate of the last step (warm-up and cosine included) */
    cl_mem batch_mem[4];
} trainer;

/* The loader's batch buffers: pinned host memory of the first device, so that uploads run at
 * the bus's full speed on GPUs (plain memory on PoCL, where it makes no difference). */
static void *batch_alloc(void *ctx, size_t bytes, int slot) {
    trainer *t = ctx;
    void *host = NULL;
    if (slot < 0 || slot >= 4 || an_host_alloc(t->dev0, bytes, &t->batch_mem[slot], &host) != AN_OK)
        return NULL;
    return host;
}

static void batch_release(void *ctx, void *p, int slot) {
    trainer *t = ctx;
    if (slot >= 0 && slot < 4) an_host_free(t->dev0, &t->batch_mem[slot], p);
}

static void note(trainer *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(trainer *t, const char *fmt, ...) {
    if (!t->progress) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    an_train_progress p;
    memset(&p, 0, sizeof p);
    p.event = AN_TRAIN_NOTE;
    p.note = buf;
    t->progress(t->ctx, &p);
}

/* The convolution tuner's progress lines (--conv auto's first use of a shape) as notes. */
static void tune_note(void *ctx, const char *line) { note(ctx, "%s", line); }

static void kv_state(const run_state *s, char *buf, size_t n) {
    snprintf(buf, n,
             "iteration=%lld\nepoch=%d\npos_epoch=%llu\npos_index=%llu\ncur_lr=%.17g\n"
             "best_top1=%.17g\nbad_epochs=%d\nepoch_loss_sum=%.17g\nepoch_iters=%lld\n"
             "seconds=%.17g\n",
             s->iteration, s->epoch, s->pos_epoch, s->pos_index, s->lr, s->best_top1,
             s->bad_epochs, s->epoch_loss_sum, s->epoch_iters, s->seconds);
}

static double kv_num(const char *kv, const char *key, double def) {
    char v[128];
    return an_kv_get(kv, key, v, sizeof v) ? strtod(v, NULL) : def;
}

static an_status save_checkpoint(trainer *t, const char *path) {
    AN_TRY(an_model_get_params(t->model, t->params));
    AN_TRY(an_model_get_momentum(t->model, t->momentum));
    char cfg[4096], state[2048], kv[6200];
    an_train_config_kv(&t->c, t->net->name, cfg, sizeof cfg);
    run_state s = t->st;
    s.seconds += an_now_s() - t->t0;
    kv_state(&s, state, sizeof state);
    snprintf(kv, sizeof kv, "%s%s", cfg, state);
    return an_ckpt_save(path, kv, t->net_text, an_model_whole_floats(t->model), t->params,
                        t->momentum);
}

/* Checkpoint names sort by iteration: ckpt-000000001234.ckpt. */
static int list_checkpoints(const char *dir, long long *iters, int max) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        long long it;
        int end = -1; /* the whole name: not a killed writer's ckpt-N.ckpt.tmp.PID */
        if (sscanf(e->d_name, "ckpt-%lld.ckpt%n", &it, &end) == 1 && end > 0 &&
            !e->d_name[end] && n < max)
            iters[n++] = it;
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && iters[j - 1] > iters[j]; j--) {
            long long x = iters[j];
            iters[j] = iters[j - 1];
            iters[j - 1] = x;
        }
    return n;
}

static an_status checkpoint(trainer *t) {
    if (!IS_ROOT(t)) return AN_OK;
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/checkpoints", t->c.out);
    snprintf(path, sizeof path, "%s/ckpt-%012lld.ckpt", dir, t->st.iteration);
    AN_TRY(save_checkpoint(t, path));
    long long its[4096];
    int n = list_checkpoints(dir, its, 4096);
    for (int i = 0; i + t->c.keep < n; i++) {
        char old[4300];
        snprintf(old, sizeof old, "%s/ckpt-%012lld.ckpt", dir, its[i]);
        unlink(old);
    }
    note(t, "checkpoint %s", path);
    return AN_OK;
}

static an_status mkdir_one(const char *p) {
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return an_error(AN_ERR_IO, "cannot create directory %s: %s", p, strerror(errno));
    return AN_OK;
}

static void resolve_data(trainer *t) {
    const char *data = t->c.data;
    char p[4200];
    snprintf(p, sizeof p, "%s/train", data);
    snprintf(t->train_dir, sizeof t->train_dir, "%s", is_dir(p) ? p : data);
    t->val_dir[0] = 0;
    if (t->c.val && strcmp(t->c.val, "none") == 0) return;
    if (t->c.val && *t->c.val) {
        snprintf(t->val_dir, sizeof t->val_dir, "%s", t->c.val);
        return;
    }
    const char *names[] = {"val", "test"};
    for (int i = 0; i < 2 && !t->val_dir[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", data, names[i]);
        if (is_dir(p)) snprintf(t->val_dir, sizeof t->val_dir, "%s", p);
    }
}

/* Load the newest checkpoint into t (config, state, net) or fail naming it. */
static an_status load_resume(trainer *t, an_ckpt *ck) {
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/checkpoints", t->cfg->out);
    long long its[4096];
    int n = list_checkpoints(dir, its, 4096);
    if (n == 0)
        return an_error(AN_ERR_NOT_FOUND, "--resume: no checkpoint in %s (start without --resume)",
                        dir);
    snprintf(path, sizeof path, "%s/ckpt-%012lld.ckpt", dir, its[n - 1]);
    AN_TRY(an_ckpt_load(path, ck));
    const char *kv = ck->kv;
    an_train_config_resume(&t->c, kv, &t->resumed);
    t->st.iteration = (long long)kv_num(kv, "iteration", 0);
    t->st.epoch = (int)kv_num(kv, "epoch", 0);
    t->st.pos_epoch = (unsigned long long)kv_num(kv, "pos_epoch", 0);
    t->st.pos_index = (unsigned long long)kv_num(kv, "pos_index", 0);
    t->st.lr = kv_num(kv, "cur_lr", t->c.lr);
    t->st.best_top1 = kv_num(kv, "best_top1", 1e9);
    t->st.bad_epochs = (int)kv_num(kv, "bad_epochs", 0);
    t->st.epoch_loss_sum = kv_num(kv, "epoch_loss_sum", 0);
    t->st.epoch_iters = (long long)kv_num(kv, "epoch_iters", 0);
    t->st.seconds = kv_num(kv, "seconds", 0);
    AN_TRY(an_net_parse(ck->net_text, path, &t->net));
    note(t, "resumed from %s at iteration %lld (epoch %d of %d)", path, t->st.iteration,
         t->st.epoch + 1, t->c.epochs);
    return AN_OK;
}

static void append_line(const char *path, const char *header, const char *line) {
    struct stat st;
    int fresh = stat(path, &st) != 0 || st.st_size == 0;
    FILE *f = fopen(path, "a");
    if (!f) return;
    if (fresh) fputs(header, f);
    fputs(line, f);
    fclose(f);
}

/* After an epoch: validation, log.csv, the learning-rate policy, best and epoch checkpoints. */
static an_status end_epoch(trainer *t, int epoch) {
    an_eval_result r;
    memset(&r, 0, sizeof r);
    r.loss = r.top1_err = r.top5_err = -1;
    if (t->val_dir[0]) {
        an_eval_opts eo = an_eval_defaults();
        int first;
        AN_TRY(an_dist_share(t->c.dist, t->c.batch, &eo.model_batch, &first));
        eo.batch = t->c.batch;
        eo.part = an_dist_rank(t->c.dist);
        eo.parts = an_dist_size(t->c.dist);
        eo.threads = t->c.threads;
        AN_TRY(an_evaluate(t->model, t->net, t->val_dir, &eo, &r));
        AN_TRY(an_dist_reduce_eval(t->c.dist, &r));
    }
    double train_loss = t->st.epoch_iters ? t->st.epoch_loss_sum / (double)t->st.epoch_iters : 0;
    double secs = t->st.seconds + an_now_s() - t->t0;
    char line[512], path[4300];
    snprintf(line, sizeof line, "%d,%lld,%.6f,%.6f,%.4f,%.4f,%.6g,%.1f\n", epoch + 1,
             t->st.iteration, train_loss, r.loss, r.top1_err, r.top5_err, t->st.lr, secs);
    snprintf(path, sizeof path, "%s/log.csv", t->c.out);
    if (IS_ROOT(t))
        append_line(path,
                    "epoch,iteration,train_loss,val_loss,val_top1_err,val_top5_err,lr,seconds\n",
                    line);
    if (t->progress) {
        an_train_progress p;
        memset(&p, 0, sizeof p);
        p.event = AN_TRAIN_EPOCH;
        p.epoch = epoch + 1;
        p.epochs = t->c.epochs;
        p.iteration = t->st.iteration;
        p.loss = train_loss;
        p.lr = t->st.lr;
        p.val_loss = r.loss;
        p.val_top1 = r.top1_err;
        p.val_top5 = r.top5_err;
        p.elapsed_s = secs;
        t->progress(t->ctx, &p);
    }
    double now = an_tb_now();
    AN_TRY(an_tb_scalar(&t->tb, "train/epoch_loss", t->st.iteration, (float)train_loss, now));
    if (t->val_dir[0]) {
        AN_TRY(an_tb_scalar(&t->tb, "val/loss", t->st.iteration, (float)r.loss, now));
        AN_TRY(an_tb_scalar(&t->tb, "val/top1_err", t->st.iteration, (float)r.top1_err, now));
        AN_TRY(an_tb_scalar(&t->tb, "val/top5_err", t->st.iteration, (float)r.top5_err, now));
    }
    /* Plateau watches the validation top-1 error (the training loss without validation). */
    double metric = t->val_dir[0] ? r.top1_err : train_loss;
    int better = metric < t->st.best_top1 - 1e-9;
    if (better) t->st.best_top1 = metric;
    double old = t->st.lr;
    if (an_sched_epoch_end(&t->sched, epoch, better, &t->st.bad_epochs, &t->st.lr))
        note(t, "learning rate %.6g -> %.6g", old, t->st.lr);
    t->st.epoch = epoch + 1;
    t->st.epoch_loss_sum = 0;
    t->st.epoch_iters = 0;
    if (better && IS_ROOT(t)) {
        snprintf(path, sizeof path, "%s/best.ckpt", t->c.out);
        AN_TRY(save_checkpoint(t, path));
        snprintf(path, sizeof path, "%s/best.weights", t->c.out);
        AN_TRY(an_weights_save(path, t->net, t->params));
    }
    return checkpoint(t);
}

static void report_iter(trainer *t, double loss, double rate, long long per_epoch, double start) {
    if (!t->progress) return;
    an_train_progress p;
    memset(&p, 0, sizeof p);
    p.event = AN_TRAIN_ITER;
    p.epoch = t->st.epoch + 1;
    p.epochs = t->c.epochs;
    p.iteration = t->st.iteration;
    p.iters_per_epoch = per_epoch;
    p.iter_in_epoch = t->st.iteration - (long long)t->st.epoch * per_epoch;
    p.loss = loss;
    p.lr = t->step_lr;
    p.images_per_s = rate;
    long long left = (long long)t->c.epochs * per_epoch - t->st.iteration;
    if (t->c.max_iters > 0 && t->c.max_iters - t->st.iteration < left)
        left = t->c.max_iters - t->st.iteration;
    p.eta_s = rate > 0 ? (double)left * t->c.batch / rate : 0;
    p.elapsed_s = an_now_s() - start;
    t->progress(t->ctx, &p);
}

/* iterations.csv, opened for appending. Lines past st.iteration (a run killed after its last
 * checkpoint) are dropped first, so that a resumed run's log holds every iteration once. */
static FILE *open_iteration_log(trainer *t) {
    char path[4300];
    snprintf(path, sizeof path, "%s/iterations.csv", t->c.out);
    FILE *f = fopen(path, "r");
    if (f) {
        char *kept = NULL, line[256];
        size_t len = 0, cap = 0;
        int dropped = 0;
        while (fgets(line, sizeof line, f)) {
            long long it;
            if (sscanf(line, "%lld,", &it) == 1 && it > t->st.iteration) {
                dropped = 1;
                continue;
            }
            size_t l = strlen(line);
            if (len + l + 1 > cap) {
                cap = (len + l + 1) * 2;
                char *g = realloc(kept, cap);
                if (!g) break;
                kept = g;
            }
            memcpy(kept + len, line, l + 1);
            len += l;
        }
        fclose(f);
        if (dropped && kept) an_write_atomic(path, kept, len);
        free(kept);
    }
    struct stat st;
    int fresh = stat(path, &st) != 0 || st.st_size == 0;
    f = fopen(path, "a");
    if (f && fresh) fputs("iteration,epoch,loss,lr\n", f);
    return f;
}

/* One SGD step, its log line and progress, and the epoch's end when it is one. *done is set
 * when --max-iters is reached (after a checkpoint). */
static an_status train_step(trainer *t, volatile sig_atomic_t *stop, FILE *log,
                            long long per_epoch, double start, long long *done_here, int *done) {
    if (t->c.max_iters > 0 && t->st.iteration >= t->c.max_iters) {
        note(t, "stopping at iteration %lld (--max-iters)", t->st.iteration);
        *done = 1;
        return checkpoint(t);
    }
    if (stop && *stop) {
        AN_TRY(checkpoint(t));
        return an_error(AN_ERR_INTERRUPTED, "interrupted at iteration %lld: checkpoint saved "
                        "in %s/checkpoints; continue with --resume", t->st.iteration, t->c.out);
    }
    an_batch b;
    AN_TRY(an_loader_next(t->loader, &b));
    AN_TRY(an_refill_batch(t->loader, &b, t->local_batch, &t->refill, t->train_dir));
    const float *images = an_feed_direct(t->net, &b);
    if (!images) {
        AN_TRY(an_feed_images(t->net, &b, 0, t->images));
        images = t->images;
    }
    AN_TRY(an_model_forward(t->model, images, b.labels, b.count, 1, (uint32_t)t->st.iteration));
    AN_TRY(an_model_backward(t->model));
    float dist_loss = 0; /* the global batch's mean loss, once the gradients are summed */
    if (t->c.dist) AN_TRY(an_dist_step(t->c.dist, t->model, b.count, &dist_loss));
    double lr = an_sched_lr(&t->sched, t->st.iteration, t->st.lr);
    t->step_lr = lr;
    if (t->sched.policy == AN_LR_COSINE) t->st.lr = lr;
    AN_TRY(an_model_sgd(t->model, (float)lr, (float)t->c.momentum,
                        (float)t->c.weight_decay));
    float loss;
    int top1, top5;
    AN_TRY(an_model_read_stats(t->model, &loss, &top1, &top5));
    if (t->c.dist) loss = dist_loss;
    if (!isfinite(loss))
        return an_error(AN_ERR_NONFINITE,
                        "the training loss became %g at iteration %lld (epoch %d): training "
                        "stopped; the checkpoints in %s/checkpoints are from before it and "
                        "intact. Try a lower --lr.", (double)loss, t->st.iteration + 1,
                        t->st.epoch + 1, t->c.out);
    t->st.iteration++;
    t->st.epoch_loss_sum += loss;
    t->st.epoch_iters++;
    uint64_t pe, pi;
    an_loader_position(t->loader, &pe, &pi);
    t->st.pos_epoch = pe;
    t->st.pos_index = pi;
    if (log) {
        fprintf(log, "%lld,%d,%.7f,%.6g\n", t->st.iteration, t->st.epoch + 1, (double)loss, lr);
        fflush(log);
    }
    (*done_here)++;
    double rate = (double)*done_here * t->c.batch / (an_now_s() - start), now = an_tb_now();
    AN_TRY(an_tb_scalar(&t->tb, "train/loss", t->st.iteration, loss, now));
    AN_TRY(an_tb_scalar(&t->tb, "train/lr", t->st.iteration, (float)lr, now));
    AN_TRY(an_tb_scalar(&t->tb, "train/images_per_s", t->st.iteration, (float)rate, now));
    report_iter(t, loss, rate, per_epoch, start);
    if (t->st.iteration % per_epoch == 0) return end_epoch(t, t->st.epoch);
    if (t->c.ckpt_every > 0 && t->st.iteration % t->c.ckpt_every == 0) return checkpoint(t);
    return AN_OK;
}

static an_status train_loop(trainer *t, volatile sig_atomic_t *stop) {
    long long per_epoch = (long long)(an_loader_size(t->loader) / (size_t)t->c.batch);
    if (per_epoch < 1)
        return an_error(AN_ERR_INVALID_ARG, "the training set %s has %zu images, fewer than one "
                        "batch of %d: use a smaller --batch", t->train_dir,
                        an_loader_size(t->loader), t->c.batch);
    t->sched = (an_sched){AN_LR_PLATEAU, t->c.lr, t->c.gamma, t->c.patience, t->c.step_epochs,
                          t->c.warmup_epochs, per_epoch, t->c.epochs};
    if (!an_lr_policy_parse(t->c.lr_policy, &t->sched.policy))
        return an_error(AN_ERR_INVALID_ARG, "unknown learning-rate policy '%s' (plateau, step, "
                        "cosine or fixed)", t->c.lr_policy);
    FILE *log = IS_ROOT(t) ? open_iteration_log(t) : NULL;
    if (!log && IS_ROOT(t))
        return an_error(AN_ERR_IO, "cannot write %s/iterations.csv: %s", t->c.out,
                        strerror(errno));
    double start = an_now_s();
    long long done_here = 0;
    int done = 0;
    an_status s = AN_OK;
    while (s == AN_OK && !done && t->st.epoch < t->c.epochs)
        s = train_step(t, stop, log, per_epoch, start, &done_here, &done);
    if (log) fclose(log);
    return s;
}

static an_status setup(trainer *t, an_dev *devs, int ndev) {
    if (!t->net && t->c.init) AN_TRY(an_finetune_net(t->c.init, t->c.net, &t->net));
    if (!t->net) AN_TRY(an_net_load(t->c.net, &t->net));
    AN_TRY(an_net_to_text(t->net, &t->net_text));
    if (t->c.translate < 0 || t->c.translate >= t->net->input.h)
        return an_error(AN_ERR_INVALID_ARG, "--translate %d: the net's input is %d pixels, so P "
                        "must be 0 to %d", t->c.translate, t->net->input.h, t->net->input.h - 1);
    resolve_data(t);
    AN_TRY(an_mkdir_p(t->c.out));
    char p[4300];
    snprintf(p, sizeof p, "%s/checkpoints", t->c.out);
    long long its[1];
    struct stat st;
    snprintf(p, sizeof p, "%s/log.csv", t->c.out);
    int has_log = stat(p, &st) == 0;
    snprintf(p, sizeof p, "%s/checkpoints", t->c.out);
    if (!t->c.resume && (has_log || list_checkpoints(p, its, 1) > 0))
        return an_error(AN_ERR_INVALID_ARG, "%s already holds a training run: continue it with "
                        "--resume, or give another --out (nothing there was changed)", t->c.out);
    AN_TRY(mkdir_one(p));
    if (t->c.tensorboard && IS_ROOT(t)) AN_TRY(an_tb_open(&t->tb, t->c.out));
    if (!t->c.resume && IS_ROOT(t)) {
        char cfg[4096];
        an_train_config_kv(&t->c, t->net->name, cfg, sizeof cfg);
        snprintf(p, sizeof p, "%s/config.txt", t->c.out);
        AN_TRY(an_write_atomic(p, cfg, strlen(cfg)));
    }
    int local_batch, first_image;
    AN_TRY(an_dist_share(t->c.dist, t->c.batch, &local_batch, &first_image));
    t->local_batch = local_batch;
    an_loader_config lc = an_loader_defaults();
    lc.view = an_feed_view(t->net, AN_CROP_TRAIN, t->c.lighting);
    lc.view.translate = t->c.translate;
    lc.view.erase = (float)t->c.erase;
    lc.batch = t->c.batch;
    lc.threads = t->c.threads;
    lc.seed = t->c.seed;
    lc.shuffle = 1;
    lc.drop_last = 1;
    lc.start_epoch = t->st.pos_epoch;
    lc.start_index = t->st.pos_index;
    lc.buffers = 3;
    lc.alloc = (an_host_allocator){batch_alloc, batch_release, t};
    lc.part = an_dist_rank(t->c.dist);
    lc.parts = an_dist_size(t->c.dist);
    t->dev0 = &devs[0];
    an_status s = an_loader_open(t->train_dir, &lc, &t->loader);
    if (s != AN_OK && t->c.lighting) {
        /* Lighting needs the statistics that `alexnet prepare` stores; go on without. */
        lc.view.lighting = 0;
        s = an_loader_open(t->train_dir, &lc, &t->loader);
        if (s == AN_OK) note(t, "no data statistics in %s: PCA lighting is off", t->train_dir);
    }
    AN_TRY(s);
    const an_classes *cl = an_loader_classes(t->loader);
    if (cl && cl->n != t->net->classes && t->c.classes_auto && !t->c.resume) {
        int old = t->net->classes;
        AN_TRY(an_net_set_classes(t->net, cl->n));
        free(t->net_text);
        t->net_text = NULL;
        AN_TRY(an_net_to_text(t->net, &t->net_text));
        note(t, "classes auto: the last layer gives %d classes (the net's were %d)", cl->n, old);
    }
    if (cl && cl->n != t->net->classes)
        return an_error(AN_ERR_INVALID_ARG, "net %s has %d classes but %s has %d: pick a net with "
                        "classes=%d (--net NAME:classes=%d, a net file's `net ... classes=` "
                        "line, or --classes auto)", t->net->name, t->net->classes, t->train_dir,
                        cl->n, cl->n, cl->n);
    if (cl) AN_TRY(an_net_set_class_names(t->net, cl->n, (const char *const *)cl->words));
    an_model_opts mo = an_model_defaults();
    mo.batch = local_batch;
    mo.first_image = first_image;
    mo.seed = t->c.seed;
    mo.conv_algo = t->c.conv_algo;
    mo.tune_progress = tune_note;
    mo.tune_ctx = t;
    AN_TRY(an_finetune_mults(t->net, t->c.lr_mult, t->c.freeze, &t->lr_mult));
    mo.layer_lr_mult = t->lr_mult;
    char desc[1200];
    an_finetune_describe(t->net, t->lr_mult, desc, sizeof desc);
    if (desc[0]) note(t, "%s", desc);
    AN_TRY(an_model_create(t->net, devs, ndev, &mo, &t->model));
    AN_TRY(an_model_set_label_smoothing(t->model, (float)t->c.label_smoothing));
    size_t W = an_model_whole_floats(t->model);
    t->params = malloc(W * sizeof(float));
    t->momentum = malloc(W * sizeof(float));
    t->images = malloc((size_t)t->c.batch * an_feed_image_floats(t->net) * sizeof(float));
    if (!t->params || !t->momentum || !t->images)
        return an_error(AN_ERR_NOMEM, "out of host memory for %zu parameters", W);
    return AN_OK;
}

an_status an_train_run(const an_train_config *cfg, an_dev *devs, int ndev,
                       an_train_progress_fn progress, void *ctx, volatile sig_atomic_t *stop) {
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    t.c = *cfg;
    t.progress = progress;
    t.ctx = ctx;
    t.st.lr = cfg->lr;
    t.st.best_top1 = 1e9;
    t.t0 = an_now_s();
    if (cfg->batch < 1 || (cfg->epochs < 1 && !cfg->resume) || cfg->lr <= 0 || cfg->keep < 1)
        return an_error(AN_ERR_INVALID_ARG, "--batch, --epochs, --lr and --keep must be positive");
    if (!(cfg->erase >= 0 && cfg->erase <= 1))
        return an_error(AN_ERR_INVALID_ARG, "--erase %g: it must be in [0, 1]", cfg->erase);
    if (!(cfg->label_smoothing >= 0 && cfg->label_smoothing < 1))
        return an_error(AN_ERR_INVALID_ARG, "--label-smoothing %g: it must be in [0, 1)",
                        cfg->label_smoothing);
    an_ckpt ck;
    memset(&ck, 0, sizeof ck);
    an_status s = AN_OK;
    if (cfg->resume) s = load_resume(&t, &ck);
    if (s == AN_OK) s = setup(&t, devs, ndev);
    if (s == AN_OK) {
        if (cfg->resume) {
            if (ck.floats != an_model_whole_floats(t.model))
                s = an_error(AN_ERR_FORMAT, "the checkpoint holds %zu parameters, the net %zu",
                             ck.floats, an_model_whole_floats(t.model));
            if (s == AN_OK) s = an_model_set_params(t.model, ck.params);
            if (s == AN_OK) s = an_model_set_momentum(t.model, ck.momentum);
        } else if (cfg->init) {
            char report[1600];
            s = an_finetune_init(t.model, t.net, cfg->init, cfg->seed, report, sizeof report);
            if (s == AN_OK) note(&t, "%s", report);
        } else {
            s = an_model_init(t.model, cfg->seed);
        }
    }
    an_ckpt_free(&ck);
    if (s == AN_OK) s = train_loop(&t, stop);
    if (s == AN_OK && t.st.epoch >= t.c.epochs && IS_ROOT(&t)) {
        char path[4300];
        snprintf(path, sizeof path, "%s/final.weights", t.c.out);
        s = an_model_get_params(t.model, t.params);
        if (s == AN_OK) s = an_weights_save(path, t.net, t.params);
        if (s == AN_OK) note(&t, "training done: %s", path);
    }
    an_model_free(t.model);
    if (t.loader) an_loader_close(t.loader);
    an_net_free(t.net);
    free(t.net_text);
    free(t.params);
    free(t.momentum);
    free(t.images);
    free(t.lr_mult);
    an_tb_close(&t.tb);
    an_refill_free(&t.refill);
    return s;
}
