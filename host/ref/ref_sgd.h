/* host/ref/ref_sgd.h - CPU reference (double) of the paper's SGD update, per-tensor multipliers.
 *
 * Parameters, gradients and momenta share one flat layout; each tensor is a segment with its own
 * learning-rate and weight-decay multipliers. For every element of segment s:
 *   v <- momentum*v - (decay*decay_mult[s]) * (lr*lr_mult[s]) * w - (lr*lr_mult[s]) * g
 *   w <- w + v
 * which is the paper's v <- 0.9 v - 0.0005 e w - e <dL/dw>; w <- w + v with multipliers 1.
 * Elements outside every segment are left alone. */
#ifndef AN_REF_SGD_H
#define AN_REF_SGD_H

#include <stddef.h>

typedef struct an_ref_sgd_segment {
    size_t start, length;
    double lr_mult, decay_mult;
} an_ref_sgd_segment;

void an_ref_sgd_step(const an_ref_sgd_segment *segs, size_t count, double *w, const double *g,
                     double *v, double lr, double momentum, double decay);

#endif
