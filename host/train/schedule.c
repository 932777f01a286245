/* host/train/schedule.c - learning-rate policies and warm-up (schedule.h). */
#include <math.h>
#include <string.h>

#include "train/schedule.h"

static const char names[][8] = {"plateau", "step", "cosine", "fixed"};

int an_lr_policy_parse(const char *name, an_lr_policy *out) {
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (an_lr_policy)i;
            return 1;
        }
    return 0;
}

const char *an_lr_policy_name(an_lr_policy p) {
    return (int)p >= 0 && (int)p < 4 ? names[p] : "?";
}

long long an_sched_warmup_iters(const an_sched *s) {
    if (s->warmup_epochs <= 0 || s->per_epoch < 1) return 0;
    return llround(s->warmup_epochs * (double)s->per_epoch);
}

double an_sched_lr(const an_sched *s, long long iteration, double policy_lr) {
    long long warm = an_sched_warmup_iters(s);
    double lr = policy_lr;
    if (s->policy == AN_LR_COSINE) {
        long long total = (long long)s->epochs * s->per_epoch, span = total - warm;
        double t = span > 0 ? (double)(iteration - warm) / (double)span : 1.0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        lr = s->base_lr * 0.5 * (1.0 + cos(3.14159265358979323846 * t));
    }
    if (iteration < warm) lr *= (double)(iteration + 1) / (double)warm;
    return lr;
}

int an_sched_epoch_end(const an_sched *s, int epoch, int better, int *bad_epochs, double *lr) {
    double old = *lr;
    *bad_epochs = better ? 0 : *bad_epochs + 1;
    if (s->policy == AN_LR_PLATEAU && *bad_epochs >= s->patience) {
        *lr *= s->gamma;
        *bad_epochs = 0;
    } else if (s->policy == AN_LR_STEP && s->step_epochs > 0 && (epoch + 1) % s->step_epochs == 0) {
        *lr *= s->gamma;
    }
    return *lr != old;
}
