/* host/ops/tune.h - the convolution auto-tuner: for one shape (batch included) on one device and
 * one direction (forward, backward to the data, backward to the weights, or an inference model's
 * forward), time every algorithm
 * that applies (im2col once per GEMM backend, direct, FFT for stride 1, Winograd with its
 * default tile and, where that is larger, with F(2x2, r x r)) on random inputs and keep the
 * fastest that is as accurate as a float32 GEMM: sampled outputs are compared with exact values
 * (computed in double on the host) and a candidate may err at most an_tune_accuracy_factor()
 * times what the first candidate, im2col, errs (tune_accuracy.h). Choices are kept in
 * memory for the process and in a tune cache file next to the kernel cache (see tune_cache.c):
 * keyed by device, driver, platform, shape, direction, candidate set and a hash of the code, so
 * that a changed kernel or launcher re-times instead of trusting an old choice.
 *
 * ALEXNET_TUNE=off (or an_tune_set_mode on the device) switches tuning off: AN_CONV_AUTO then means
 * an_conv_algo_resolve's fixed rule. ALEXNET_TUNE=retune times again, ignoring the cache file,
 * and rewrites it. ALEXNET_GEMM (or an_gemm_set_backend) fixes the GEMM backend, and then only
 * that one is a candidate; ALEXNET_TUNE_CANDIDATES=im2col+own,direct (names as
 * an_conv_choice_name writes them; "im2col" for both backends) limits the candidates; unset,
 * CPU devices leave out fft and im2col+clblast (unless ALEXNET_GEMM fixes the backend), which
 * lost there on every AlexNet layer and take minutes to try.
 *
 * Cost: the first use of a candidate in a process builds its kernels (CLBlast and clFFT have no
 * disk cache: tens of seconds with PoCL on a CPU), and each candidate then runs
 * 1 + up to 3 times; a slow one (3x the best so far) stops after one timed run, or after the
 * warm-up when its device time alone already is 3x the best.
 *
 * The mode, counters and fault hook belong to the device, as does the GEMM preference a choice
 * sets (an_gemm_prefer); the in-memory choices and the file are shared by the process. Tuning waits for the device's queue and keeps its own
 * launches out of the profile. */
#ifndef AN_OPS_TUNE_H
#define AN_OPS_TUNE_H

#include "ops/conv.h"
#include "ops/gemm.h"

/* What a choice is for: the three directions a training layer runs, and the forward of a model
 * that never trains (AN_TUNE_INFERENCE: the same computation as AN_TUNE_FORWARD, chosen on its
 * own because it may err more, an_tune_accuracy_factor). */
typedef enum an_tune_dir {
    AN_TUNE_FORWARD = 0,
    AN_TUNE_BACKWARD_DATA = 1,
    AN_TUNE_BACKWARD_WEIGHTS = 2,
    AN_TUNE_INFERENCE = 3,
    AN_TUNE_KEYS = 4
} an_tune_dir;
#define AN_TUNE_DIRS 3 /* the directions of a training layer: forward and both gradients */

/* 1 for the forward computation, whether for training or for inference. */
static inline int an_tune_is_forward(an_tune_dir dir) {
    return dir == AN_TUNE_FORWARD || dir == AN_TUNE_INFERENCE;
}

/* One way to run a convolution direction: an algorithm and, for those built on GEMM, the GEMM
 * backend (AN_GEMM_AUTO: the usual choice of gemm.h). */
typedef struct an_conv_choice {
    an_conv_algo algo;
    an_gemm_backend gemm;
} an_conv_choice;

/* Where a choice came from. */
typedef enum an_tune_source {
    AN_TUNE_FORCED = 0, /* --conv ALGO: one algorithm for every layer */
    AN_TUNE_RULE = 1,   /* tuning off: an_conv_algo_resolve's rule */
    AN_TUNE_TIMED = 2,  /* timed now */
    AN_TUNE_CACHED = 3  /* read from the tune cache (file or this process's memory) */
} an_tune_source;

#define AN_TUNE_MAX_CANDIDATES 16
#define AN_TUNE_FAILED (-1.0) /* a candidate's call failed */
#define AN_TUNE_WRONG (-2.0)  /* a candidate's results were wrong (non-finite, or off the exact
                                 values by more than any float32 sum can err) */
#define AN_TUNE_INACCURATE (-3.0) /* right, but erring over an_tune_accuracy_factor() times
                                     what the reference candidate (im2col, a float32 GEMM) errs */

typedef struct an_tune_result {
    an_conv_choice choice;
    an_tune_source source;
    int ncand;
    an_conv_choice cand[AN_TUNE_MAX_CANDIDATES];
    double ms[AN_TUNE_MAX_CANDIDATES]; /* best wall-clock ms, or AN_TUNE_FAILED / AN_TUNE_WRONG /
                                          AN_TUNE_INACCURATE */
    /* Each candidate's error against the exact (double) result on sampled outputs, as a
     * multiple of the reference candidate's (1 for im2col itself); 0 where not measured (a
     * failed candidate, or a choice read from the cache). */
    double err[AN_TUNE_MAX_CANDIDATES];
} an_tune_result;

enum { AN_TUNE_MODE_ENV = 0, AN_TUNE_MODE_OFF = 1, AN_TUNE_MODE_ON = 2, AN_TUNE_MODE_RETUNE = 3 };
/* The tuning mode of calls on d. AN_TUNE_MODE_ENV (a device's default) reads ALEXNET_TUNE:
 * off|0, retune, or on (anything else); so does an_tune_mode(NULL). */
void an_tune_set_mode(an_dev *d, int mode);
int an_tune_mode(const an_dev *d);

/* "fwd", "bwd-data", "bwd-weights", "fwd-infer"; "forced", "rule", "timed", "cache". */
const char *an_tune_dir_name(an_tune_dir dir);
const char *an_tune_source_name(an_tune_source src);
/* "im2col+own", "im2col+clblast", "direct", "fft" (the GEMM backend only where one is fixed). */
void an_conv_choice_name(an_conv_choice c, char *buf, size_t cap);
/* Parse such a name; 0 when it names none of this build's algorithms and backends. */
int an_conv_choice_parse(const char *name, an_conv_choice *c);
int an_conv_choice_eq(an_conv_choice a, an_conv_choice b);

/* The candidates for s and dir on d, in the order they are timed (the reference first). */
an_status an_conv_tune_candidates(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                                  an_tune_result *out);

/* Progress of a timing run: one line of text (no newline) per candidate timed. */
typedef void (*an_tune_progress)(void *ctx, const char *line);

/* The fastest choice for s and dir on d: from the cache, else timed now (then stored). Fails only
 * when no candidate runs correctly, or on errors of the device itself. */
an_status an_conv_tune(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_tune_progress fn,
                       void *ctx, an_tune_result *out);

/* The cache's choice for s and dir on d, without timing: *found 0 when it has none (or, with
 * ALEXNET_TUNE=retune, when only the file has one). an_conv_tune's first step. */
an_status an_conv_tune_cached(an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                              an_tune_result *out, int *found);

/* 1 when the tuner's own tensors for shape s fit: x, w, b, y, dy, dx and dw on d, each within
 * its largest buffer, and with the host's copies of the five inputs at most half of room, the
 * bytes of d's global memory not yet taken (by a model); else 0, with the reason in why. A
 * shape that does not is not timed (the model takes the cache's choice or an_conv_algo_resolve's
 * rule, and its placement says whether the net itself fits): timing alexnet's conv1 at batch
 * 12000 wanted 47 GiB and the kernel killed the process. */
int an_tune_fits_memory(const an_dev *d, const an_conv_shape *s, size_t room, char *why,
                        size_t cap);

/* Record c as the choice for (d, s, dir) in the cache (memory and file) without timing: for
 * tests, and for pinning a choice by hand. c must be one of the candidates. */
an_status an_conv_tune_put(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_conv_choice c);

/* The tune cache file for d (whether it exists or not); NULL when no home is known. */
const char *an_tune_cache_path(const an_dev *d, char *buf, size_t cap);

/* How many times the reference candidate's error (im2col's) a candidate for direction dir may
 * err and still be chosen: 2 for a training forward, 3 for the gradients, 16 for inference. */
double an_tune_accuracy_factor(an_tune_dir dir);

/* Shapes tuned on the ndev devices: timed, and read from the cache (file or memory). */
void an_tune_counts(const an_dev *devs, int ndev, unsigned long *timed, unsigned long *read);
/* Forget this process's in-memory choices (the file stays). */
void an_tune_forget(void);

/* Test hook: make candidate c fail when tuned on d (wrong == 0: its calls return an error; 1: its
 * results are overwritten, so that they are wrong). c.algo == AN_CONV_AUTO removes the fault. */
void an_tune_inject_fault(an_dev *d, an_conv_choice c, int wrong);

/* Run with a choice: its GEMM backend preferred for the call (an_gemm_prefer). The backward
 * computes dx with cd, and dw and db with cw; any of dx, dw, db with mem == NULL is skipped. */
an_status an_conv_forward_choice(an_dev *d, const an_conv_shape *s, an_conv_choice c, an_buf x,
                                 an_buf w, an_buf b, an_buf y, an_buf ws, size_t ws_floats);
/* A Winograd choice's filters transformed once for inference (conv_winograd.h), with the
 * choice's GEMM backend: the floats they take (0 for a choice that is not Winograd's), the
 * transform of w into u, and the forward from u. */
size_t an_conv_choice_filter_floats(an_dev *d, const an_conv_shape *s, an_conv_choice c);
an_status an_conv_choice_transform_filters(an_dev *d, const an_conv_shape *s, an_conv_choice c,
                                           an_buf w, an_buf u);
an_status an_conv_forward_choice_transformed(an_dev *d, const an_conv_shape *s, an_conv_choice c,
                                            an_buf x, an_buf u, an_buf b, an_buf y, an_buf ws,
                                            size_t ws_floats);
an_status an_conv_backward_choice(an_dev *d, const an_conv_shape *s, an_conv_choice cd,
                                  an_conv_choice cw, an_buf x, an_buf w, an_buf dy, an_buf dx,
                                  an_buf dw, an_buf db, an_buf ws, size_t ws_floats);

#endif
