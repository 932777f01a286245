/* host/train/schedule.h - the learning-rate schedule: the paper's plateau rule (divide by 1/gamma
 * when the validation error stops improving), a step rule, cosine decay, a fixed rate, and a
 * linear warm-up in front of any of them.
 *
 * The policy's rate (an_sched.lr for plateau, step and fixed) changes only at epoch ends
 * (an_sched_epoch_end); cosine is a function of the iteration. The rate a step uses is
 * an_sched_lr(): the policy's rate, times (i+1)/W for the first W = round(warmup_epochs ·
 * iterations per epoch) iterations. Short runs (Fashion-MNIST in minutes) want warm-up and cosine;
 * the paper's ImageNet recipe is plateau without warm-up, the default. */
#ifndef AN_TRAIN_SCHEDULE_H
#define AN_TRAIN_SCHEDULE_H

typedef enum { AN_LR_PLATEAU, AN_LR_STEP, AN_LR_COSINE, AN_LR_FIXED } an_lr_policy;

typedef struct an_sched {
    an_lr_policy policy;
    double base_lr;         /* the rate given (--lr) */
    double gamma;           /* plateau, step: the factor at each drop */
    int patience;           /* plateau: epochs without improvement before a drop */
    int step_epochs;        /* step: epochs between drops */
    double warmup_epochs;   /* linear warm-up length (0: none; fractions allowed) */
    long long per_epoch;    /* iterations per epoch */
    int epochs;             /* the run's length (cosine reaches 0 at its end) */
} an_sched;

/* The policy named "plateau", "step", "cosine" or "fixed"; 0 for anything else. */
int an_lr_policy_parse(const char *name, an_lr_policy *out);
const char *an_lr_policy_name(an_lr_policy p);

/* Warm-up iterations: round(warmup_epochs · per_epoch). */
long long an_sched_warmup_iters(const an_sched *s);

/* The rate of the step after `iteration` steps (0-based), given the policy's current rate
 * policy_lr (ignored by cosine: base_lr · ½(1 + cos(π·t)), t the fraction of the iterations
 * after warm-up that are done, clamped to [0, 1]). */
double an_sched_lr(const an_sched *s, long long iteration, double policy_lr);

/* After epoch `epoch` (0-based) whose validation metric improved (better) or not: updates the
 * epochs without improvement (*bad_epochs) and the policy's rate (*lr). Returns 1 when *lr
 * changed. */
int an_sched_epoch_end(const an_sched *s, int epoch, int better, int *bad_epochs, double *lr);

#endif
