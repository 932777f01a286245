/* host/train/train_config.c - the training configuration table (train_config.h). */
#include "train/train_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h" /* an_kv_get */

typedef enum field_type { F_INT, F_LLONG, F_U64, F_DOUBLE, F_STR, F_CONV } field_type;

typedef enum field_resume {
    R_NOT_SAVED, /* not in config.txt or checkpoints: per process (paths, threads, switches) */
    R_KEPT,      /* saved; a resumed run takes the command line's (checkpointing, algorithm) */
    R_RESTORED,  /* saved; a resumed run takes the checkpoint's */
    R_UNLESS_GIVEN /* saved; the checkpoint's unless the command line gives one */
} field_resume;

typedef struct field { /* text in arrays, not pointers: the table stays read-only data */
    char name[16];     /* the key in config.txt and checkpoints */
    field_type type;
    size_t off;        /* in an_train_config */
    char def[16];      /* the default, as text ("" for a NULL string) */
    char flag[24];     /* `alexnet train`'s option (host/cli/cmd_train.c) */
    field_resume resume;
} field;

#define F(name, type, member, def, flag, resume) \
    {name, type, offsetof(an_train_config, member), def, flag, resume}

/* In the order config.txt lists them (after net=). */
static const field fields[] = {
    F("data", F_STR, data, "", "--data", R_UNLESS_GIVEN),
    F("val", F_STR, val, "", "--val", R_UNLESS_GIVEN),
    F("batch", F_INT, batch, "128", "--batch", R_RESTORED),
    F("epochs", F_INT, epochs, "90", "--epochs", R_UNLESS_GIVEN),
    F("lr", F_DOUBLE, lr, "0.01", "--lr", R_RESTORED),
    F("momentum", F_DOUBLE, momentum, "0.9", "--momentum", R_RESTORED),
    F("weight_decay", F_DOUBLE, weight_decay, "0.0005", "--weight-decay", R_RESTORED),
    F("lr_policy", F_STR, lr_policy, "plateau", "--lr-policy", R_RESTORED),
    F("patience", F_INT, patience, "1", "--patience", R_RESTORED),
    F("step_epochs", F_INT, step_epochs, "30", "--step-epochs", R_RESTORED),
    F("gamma", F_DOUBLE, gamma, "0.1", "--gamma", R_RESTORED),
    F("seed", F_U64, seed, "1", "--seed", R_RESTORED),
    F("lighting", F_INT, lighting, "1", "--no-lighting", R_RESTORED),
    F("translate", F_INT, translate, "0", "--translate", R_RESTORED),
    F("erase", F_DOUBLE, erase, "0", "--erase", R_RESTORED),
    F("ckpt_every", F_INT, ckpt_every, "0", "--checkpoint-every", R_KEPT),
    F("keep", F_INT, keep, "3", "--keep", R_KEPT),
    F("conv_algo", F_CONV, conv_algo, "auto", "--conv", R_KEPT),
    F("init", F_STR, init, "", "--init", R_KEPT),
    F("lr_mult", F_STR, lr_mult, "", "--lr-mult", R_RESTORED),
    F("freeze", F_STR, freeze, "", "--freeze", R_RESTORED),
    F("warmup_epochs", F_DOUBLE, warmup_epochs, "0", "--warmup-epochs", R_RESTORED),
    F("label_smoothing", F_DOUBLE, label_smoothing, "0", "--label-smoothing", R_RESTORED),
    F("tensorboard", F_INT, tensorboard, "1", "--tensorboard", R_NOT_SAVED),
    F("threads", F_INT, threads, "0", "--threads", R_NOT_SAVED),
    F("max_iters", F_LLONG, max_iters, "0", "--max-iters", R_NOT_SAVED),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static void *at(an_train_config *c, const field *f) { return (char *)c + f->off; }
static const void *at_c(const an_train_config *c, const field *f) {
    return (const char *)c + f->off;
}

/* Set field f of c from text v (a string field points at v itself). */
static void set_from_text(an_train_config *c, const field *f, const char *v) {
    void *p = at(c, f);
    switch (f->type) {
    case F_INT: *(int *)p = (int)strtol(v, NULL, 10); break;
    case F_LLONG: *(long long *)p = strtoll(v, NULL, 10); break;
    case F_U64: *(uint64_t *)p = strtoull(v, NULL, 10); break;
    case F_DOUBLE: *(double *)p = strtod(v, NULL); break;
    case F_STR: *(const char **)p = v; break;
    case F_CONV: an_conv_algo_parse(v, (an_conv_algo *)p); break;
    }
}

an_train_config an_train_defaults(void) {
    an_train_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        if (f->type == F_STR && !*f->def) continue; /* NULL */
        set_from_text(&c, f, f->def);
    }
    return c;
}

void an_train_config_kv(const an_train_config *c, const char *net_name, char *buf, size_t n) {
    size_t k = 0;
    int w = snprintf(buf, n, "net=%s\n", net_name);
    for (size_t i = 0; i < NFIELDS && w >= 0 && (k += (size_t)w) < n; i++) {
        const field *f = &fields[i];
        const void *p = at_c(c, f);
        w = 0;
        if (f->resume == R_NOT_SAVED) continue;
        switch (f->type) {
        case F_INT: w = snprintf(buf + k, n - k, "%s=%d\n", f->name, *(const int *)p); break;
        case F_LLONG:
            w = snprintf(buf + k, n - k, "%s=%lld\n", f->name, *(const long long *)p);
            break;
        case F_U64:
            w = snprintf(buf + k, n - k, "%s=%llu\n", f->name,
                         (unsigned long long)*(const uint64_t *)p);
            break;
        case F_DOUBLE:
            w = snprintf(buf + k, n - k, "%s=%.17g\n", f->name, *(const double *)p);
            break;
        case F_STR: {
            const char *s = *(const char *const *)p;
            w = snprintf(buf + k, n - k, "%s=%s\n", f->name, s ? s : "");
            break;
        }
        case F_CONV:
            w = snprintf(buf + k, n - k, "%s=%s\n", f->name,
                         an_conv_algo_name(*(const an_conv_algo *)p));
            break;
        }
    }
}

/* Does the command line (c before restoring) give field f? */
static int given(const an_train_config *c, const field *f) {
    const void *p = at_c(c, f);
    switch (f->type) {
    case F_STR: return *(const char *const *)p != NULL && **(const char *const *)p != 0;
    case F_INT: return *(const int *)p > 0;
    default: return 1;
    }
}

void an_train_config_resume(an_train_config *c, const char *kv, an_train_strings *store) {
    int nstr = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        if (f->resume != R_RESTORED && f->resume != R_UNLESS_GIVEN) continue;
        if (f->resume == R_UNLESS_GIVEN && given(c, f)) continue;
        char num[128];
        char *v = num;
        size_t cap = sizeof num;
        if (f->type == F_STR) {
            if (nstr == AN_TRAIN_STR_FIELDS) continue; /* the table has fewer; see the header */
            v = store->s[nstr++];
            cap = AN_TRAIN_STR_MAX;
        }
        if (!an_kv_get(kv, f->name, v, cap)) snprintf(v, cap, "%s", f->def);
        set_from_text(c, f, v);
    }
}
