/* host/train/train_config.c - the training configuration table (train_config.h). */
#include "train/train_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h" /* an_kv_get */

#define F(name, type, member, def, flag, resume, metavar, choices, help)                        \
    {name, AN_TRAIN_##type, offsetof(an_train_config, member), def, flag, AN_TRAIN_##resume,    \
     metavar, choices, help}

/* In the order config.txt lists them (after net=) and `alexnet train --help` shows them. */
static const an_train_field fields[] = {
    F("data", STR, data, "", "--data", UNLESS_GIVEN, "DIR", "",
      "data set: DIR/train and DIR/val (or DIR/test), prepared shards or JPEG folders"),
    F("val", STR, val, "", "--val", UNLESS_GIVEN, "DIR", "",
      "validation set elsewhere (\"none\": no validation)"),
    F("net", STR, net, "", "--net", NOT_SAVED, "NAME|FILE", "",
      "net: a built-in name or a net file"),
    F("out", STR, out, "", "--out", NOT_SAVED, "RUNDIR", "",
      "run directory: logs, checkpoints, weights"),
    F("batch", INT, batch, "128", "--batch", RESTORED, "N", "", "images per SGD step"),
    F("epochs", INT, epochs, "90", "--epochs", UNLESS_GIVEN, "N", "",
      "epochs in all (default 90; with --resume, the run's own unless given)"),
    F("lr", DOUBLE, lr, "0.01", "--lr", RESTORED, "LR", "", "learning rate"),
    F("momentum", DOUBLE, momentum, "0.9", "--momentum", RESTORED, "M", "", "momentum"),
    F("weight_decay", DOUBLE, weight_decay, "0.0005", "--weight-decay", RESTORED, "D", "",
      "weight decay"),
    F("lr_policy", STR, lr_policy, "plateau", "--lr-policy", RESTORED, "POLICY",
      "plateau|step|cosine|fixed",
      "divide the lr by 1/gamma when validation error stops improving, every --step-epochs, "
      "decay it to 0 along a half cosine over the run, or never"),
    F("patience", INT, patience, "1", "--patience", RESTORED, "N", "",
      "plateau: epochs without improvement"),
    F("step_epochs", INT, step_epochs, "30", "--step-epochs", RESTORED, "N", "",
      "step: epochs between lr drops"),
    F("gamma", DOUBLE, gamma, "0.1", "--gamma", RESTORED, "G", "", "lr factor at each drop"),
    F("seed", U64, seed, "1", "--seed", RESTORED, "S", "",
      "seed of initialisation, shuffling, augmentation, dropout"),
    F("lighting", SWITCH, lighting, "1", "--no-lighting", RESTORED, "", "",
      "no PCA lighting augmentation"),
    F("translate", INT, translate, "0", "--translate", RESTORED, "P", "",
      "also shift each training crop by up to P pixels past the image's edges, black outside "
      "(random translations for images stored at the input size; default 0)"),
    F("erase", DOUBLE, erase, "0", "--erase", RESTORED, "P", "",
      "with probability P zero a random rectangle (2-40 % of the area) of each training view, "
      "after normalisation (random erasing; default 0)"),
    F("ckpt_every", INT, ckpt_every, "0", "--checkpoint-every", KEPT, "N", "",
      "also checkpoint every N iterations (0: at epoch ends)"),
    F("keep", INT, keep, "3", "--keep", KEPT, "K", "", "checkpoints to keep"),
    F("conv_algo", CONV, conv_algo, "auto", "--conv", KEPT, "ALGO",
      "auto|im2col|direct|fft|winograd|winograd2|fftgemm", "convolution algorithm"),
    F("resume", SWITCH, resume, "0", "--resume", NOT_SAVED, "", "",
      "continue the run in RUNDIR from its newest checkpoint"),
    F("init", STR, init, "", "--init", KEPT, "FILE", "",
      "fine-tune: start from a weights file's tensors (those of another shape start afresh); "
      "--net defaults to the file's net"),
    F("lr_mult", STR, lr_mult, "", "--lr-mult", RESTORED, "L=M,...", "",
      "per-layer learning-rate multipliers, e.g. fc8=10"),
    F("freeze", STR, freeze, "", "--freeze", RESTORED, "L,...", "",
      "layers left as they are (no update, no gradient), e.g. conv1,conv2,conv3,conv4,conv5"),
    F("warmup_epochs", DOUBLE, warmup_epochs, "0", "--warmup-epochs", RESTORED, "E", "",
      "raise the lr linearly from lr/W to lr over the first E epochs' W steps (default 0)"),
    F("label_smoothing", DOUBLE, label_smoothing, "0", "--label-smoothing", RESTORED, "EPS", "",
      "train against targets (1-EPS)*onehot + EPS/classes, 0 <= EPS < 1 (default 0); "
      "validation loss and errors stay plain"),
    F("tensorboard", ONOFF, tensorboard, "on", "--tensorboard", NOT_SAVED, "on|off", "on|off",
      "also write the scalars as TensorBoard event files in RUNDIR (default on)"),
    F("threads", INT, threads, "0", "--threads", NOT_SAVED, "N", "",
      "data loader threads (0: all CPUs)"),
    F("max_iters", LLONG, max_iters, "0", "--max-iters", NOT_SAVED, "N", "",
      "stop (with a checkpoint) after iteration N"),
};
#define NFIELDS (sizeof fields / sizeof fields[0])
_Static_assert(NFIELDS <= AN_TRAIN_MAX_FIELDS, "raise AN_TRAIN_MAX_FIELDS");

const an_train_field *an_train_fields(size_t *n) {
    *n = NFIELDS;
    return fields;
}

void *an_train_field_at(an_train_config *c, const an_train_field *f) {
    return (char *)c + f->off;
}

static const void *at_c(const an_train_config *c, const an_train_field *f) {
    return (const char *)c + f->off;
}

/* A switch's text: on|off as the command line gives it, 1|0 as config.txt writes it. */
static int switch_of(const char *v, int *out) {
    if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0) return *out = 1, 1;
    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) return *out = 0, 1;
    return 0;
}

int an_train_field_parse(an_train_config *c, const an_train_field *f, const char *v) {
    void *p = an_train_field_at(c, f);
    char *end = NULL;
    errno = 0;
    switch (f->type) {
    case AN_TRAIN_INT: {
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < -2147483647L - 1 || x > 2147483647L) return 0;
        *(int *)p = (int)x;
        return 1;
    }
    case AN_TRAIN_LLONG: {
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end || x < 0) return 0;
        *(long long *)p = x;
        return 1;
    }
    case AN_TRAIN_U64: {
        unsigned long long x = strtoull(v, &end, 10);
        if (errno || end == v || *end || *v == '-') return 0;
        *(uint64_t *)p = x;
        return 1;
    }
    case AN_TRAIN_DOUBLE: {
        double x = strtod(v, &end);
        if (end == v || *end) return 0;
        *(double *)p = x;
        return 1;
    }
    case AN_TRAIN_STR: *(const char **)p = v; return 1;
    case AN_TRAIN_CONV: return an_conv_algo_parse(v, (an_conv_algo *)p);
    case AN_TRAIN_SWITCH:
    case AN_TRAIN_ONOFF: return switch_of(v, (int *)p);
    }
    return 0;
}

/* Set field f of c from saved or default text v, leniently (as strtol and friends read it). */
static void set_from_text(an_train_config *c, const an_train_field *f, const char *v) {
    void *p = an_train_field_at(c, f);
    switch (f->type) {
    case AN_TRAIN_INT: *(int *)p = (int)strtol(v, NULL, 10); break;
    case AN_TRAIN_LLONG: *(long long *)p = strtoll(v, NULL, 10); break;
    case AN_TRAIN_U64: *(uint64_t *)p = strtoull(v, NULL, 10); break;
    case AN_TRAIN_DOUBLE: *(double *)p = strtod(v, NULL); break;
    case AN_TRAIN_STR: *(const char **)p = v; break;
    case AN_TRAIN_CONV: an_conv_algo_parse(v, (an_conv_algo *)p); break;
    case AN_TRAIN_SWITCH:
    case AN_TRAIN_ONOFF:
        if (!switch_of(v, (int *)p)) *(int *)p = (int)strtol(v, NULL, 10) != 0;
        break;
    }
}

an_train_config an_train_defaults(void) {
    an_train_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < NFIELDS; i++) {
        const an_train_field *f = &fields[i];
        if (f->type == AN_TRAIN_STR && !*f->def) continue; /* NULL */
        set_from_text(&c, f, f->def);
    }
    return c;
}

void an_train_config_kv(const an_train_config *c, const char *net_name, char *buf, size_t n) {
    size_t k = 0;
    int w = snprintf(buf, n, "net=%s\n", net_name);
    for (size_t i = 0; i < NFIELDS && w >= 0 && (k += (size_t)w) < n; i++) {
        const an_train_field *f = &fields[i];
        const void *p = at_c(c, f);
        w = 0;
        if (f->resume == AN_TRAIN_NOT_SAVED) continue;
        switch (f->type) {
        case AN_TRAIN_INT:
        case AN_TRAIN_SWITCH:
        case AN_TRAIN_ONOFF:
            w = snprintf(buf + k, n - k, "%s=%d\n", f->name, *(const int *)p);
            break;
        case AN_TRAIN_LLONG:
            w = snprintf(buf + k, n - k, "%s=%lld\n", f->name, *(const long long *)p);
            break;
        case AN_TRAIN_U64:
            w = snprintf(buf + k, n - k, "%s=%llu\n", f->name,
                         (unsigned long long)*(const uint64_t *)p);
            break;
        case AN_TRAIN_DOUBLE:
            w = snprintf(buf + k, n - k, "%s=%.17g\n", f->name, *(const double *)p);
            break;
        case AN_TRAIN_STR: {
            const char *s = *(const char *const *)p;
            w = snprintf(buf + k, n - k, "%s=%s\n", f->name, s ? s : "");
            break;
        }
        case AN_TRAIN_CONV:
            w = snprintf(buf + k, n - k, "%s=%s\n", f->name,
                         an_conv_algo_name(*(const an_conv_algo *)p));
            break;
        }
    }
}

/* Does the command line (c before restoring) give field f? */
static int given(const an_train_config *c, const an_train_field *f) {
    const void *p = at_c(c, f);
    switch (f->type) {
    case AN_TRAIN_STR: return *(const char *const *)p != NULL && **(const char *const *)p != 0;
    case AN_TRAIN_INT: return *(const int *)p > 0;
    default: return 1;
    }
}

void an_train_config_resume(an_train_config *c, const char *kv, an_train_strings *store) {
    int nstr = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        const an_train_field *f = &fields[i];
        if (f->resume != AN_TRAIN_RESTORED && f->resume != AN_TRAIN_UNLESS_GIVEN) continue;
        if (f->resume == AN_TRAIN_UNLESS_GIVEN && given(c, f)) continue;
        char num[128];
        char *v = num;
        size_t cap = sizeof num;
        if (f->type == AN_TRAIN_STR) {
            if (nstr == AN_TRAIN_STR_FIELDS) continue; /* the table has fewer; see the header */
            v = store->s[nstr++];
            cap = AN_TRAIN_STR_MAX;
        }
        if (!an_kv_get(kv, f->name, v, cap)) snprintf(v, cap, "%s", f->def);
        set_from_text(c, f, v);
    }
}
