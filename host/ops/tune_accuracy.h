/* host/ops/tune_accuracy.h - the tuner's accuracy test, private to host/ops: a few hundred
 * outputs of one convolution direction computed exactly (in double, on the host) from the
 * tuner's random float inputs, and a candidate's error on them measured against what a float32
 * GEMM (the reference candidate, im2col) achieves on the same shape. Why the float32 GEMM and not
 * a fixed tolerance: a max-pooling layer or a ReLU downstream turns a forward's rounding error
 * into a different gradient where two values nearly tie, so an algorithm that errs ten times
 * more than the GEMM flips ten times as many of them (docs/CONV.md, "Accuracy"). */
#ifndef AN_OPS_TUNE_ACCURACY_H
#define AN_OPS_TUNE_ACCURACY_H

#include "ops/tune.h"

/* The exact values of sampled outputs. */
typedef struct an_tune_probe {
    int n;          /* samples */
    size_t *idx;    /* their indices in the direction's output */
    double *exact;  /* their values in double */
    double *scale;  /* the sum of |term| of each (bias included): a float32 sum of the terms
                       errs by at most terms * 2^-24 of it */
    size_t terms;   /* products summed per output */
} an_tune_probe;

/* Sample the output of dir for s from the tuner's host inputs (x, w, b, dy as the device has
 * them; b is only read by the forward, dy only by the backward). */
an_status an_tune_probe_make(const an_conv_shape *s, an_tune_dir dir, const float *x,
                             const float *w, const float *b, const float *dy, an_tune_probe *p);
void an_tune_probe_free(an_tune_probe *p);

/* The error of a direction's whole output got on the samples: the root mean square of
 * |got - exact| / scale; INFINITY when any element of got (all n of them) is not finite. */
double an_tune_probe_error(const an_tune_probe *p, const float *got, size_t n);

/* The largest error a correct float32 summation can make in that measure: terms * 2^-24 (the
 * worst case of a recursive sum; blocked and pairwise sums err far less). An error above it is
 * a bug, not rounding. */
double an_tune_probe_bound(const an_tune_probe *p);

#endif
