/* host/ops/sgd.h - the paper's SGD update (§5 of the paper) over every parameter of a device,
 * one launch.
 *
 * Parameters w, gradients g and momenta v share one flat layout: each tensor is a segment
 * [start, start + length) of it, with Caffe-style multipliers (e.g. biases: lr_mult 2,
 * decay_mult 0). For every element of a segment, with e = lr * lr_mult, l = decay * decay_mult:
 *   v <- momentum * v - l * e * w - e * g ;  w <- w + v
 * (the paper: momentum 0.9, decay 0.0005, every multiplier 1). g is the batch-mean gradient.
 *
 * Design: the table (an_sgd_table, built once per net layout) merges adjacent segments with the
 * same multipliers into runs (with the paper's rule and a layout without gaps, one run), and each
 * run is one launch of a vectorised kernel, 8 floats per work-item, with its e and decay·e set
 * as arguments: a single pass at memory speed, no per-element search or multiplier buffers.
 * Elements between segments are left alone. (Measured on PoCL on a CPU: the former
 * one-launch kernel with a binary search per element ran alexnet-owt's 61 M parameters at
 * about half this speed; `alexnet bench --train` prints the GB/s.) */
#ifndef AN_OPS_SGD_H
#define AN_OPS_SGD_H

#include "runtime/runtime.h"

typedef struct an_sgd_segment {
    size_t start, length; /* in floats, within the flat layout */
    float lr_mult, decay_mult;
} an_sgd_segment;

typedef struct an_sgd_table {
    an_sgd_segment *runs; /* nruns merged segments (host memory) */
    size_t count, nruns;  /* segments given, runs made of them */
    size_t total;         /* end of the last segment: w, g, v must hold this many floats */
} an_sgd_table;

/* Build the runs of the segments (count >= 1, sorted by start, not overlapping, ending below
 * 2^32). d is unused (the table lives on the host). */
an_status an_sgd_table_create(an_dev *d, const an_sgd_segment *segs, size_t count,
                              an_sgd_table *t);
void an_sgd_table_free(an_sgd_table *t);

/* One step over every segment of t: w, g, v are the flat buffers (t->total floats each). */
an_status an_sgd_step(an_dev *d, const an_sgd_table *t, an_buf w, an_buf g, an_buf v, float lr,
                      float momentum, float decay);

#endif
