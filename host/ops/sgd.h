/* host/ops/sgd.h - the paper's SGD update (SPEC.md 2) over every parameter of a device, one launch.
 *
 * Parameters w, gradients g and momenta v share one flat layout: each tensor is a segment
 * [start, start + length) of it, with Caffe-style multipliers (e.g. biases: lr_mult 2,
 * decay_mult 0). For every element of a segment, with e = lr * lr_mult, l = decay * decay_mult:
 *   v <- momentum * v - l * e * w - e * g ;  w <- w + v
 * (the paper: momentum 0.9, decay 0.0005, every multiplier 1). g is the batch-mean gradient.
 *
 * Design: the segments live in a small device table (an_sgd_table, built once per net layout);
 * the kernel runs one work-item per element and finds its segment by a binary search over the
 * sorted starts - a few cached reads, against the 20 bytes of w, g, v each element moves - so
 * all tensors are updated by one launch whatever their sizes, with no per-tensor launches and no
 * per-element multiplier buffers. Elements between segments are left alone. (Measured on PoCL,
 * 2 cores, 37 M elements: 113 ms, against 58 ms for a kernel without the search and 122 ms for
 * one work-group per 256-element chunk of a host-built chunk table.) */
#ifndef AN_OPS_SGD_H
#define AN_OPS_SGD_H

#include "runtime/runtime.h"

typedef struct an_sgd_segment {
    size_t start, length; /* in floats, within the flat layout */
    float lr_mult, decay_mult;
} an_sgd_segment;

typedef struct an_sgd_table {
    cl_mem mem;    /* count entries of (start, length, lr_mult bits, decay_mult bits), uint32 */
    size_t count;
    size_t total;  /* end of the last segment: w, g, v must hold this many floats */
} an_sgd_table;

/* Upload the segments (count >= 1, sorted by start, not overlapping, ending below 2^32). */
an_status an_sgd_table_create(an_dev *d, const an_sgd_segment *segs, size_t count,
                              an_sgd_table *t);
void an_sgd_table_free(an_sgd_table *t);

/* One step over every segment of t: w, g, v are the flat buffers (t->total floats each). */
an_status an_sgd_step(an_dev *d, const an_sgd_table *t, an_buf w, an_buf g, an_buf v, float lr,
                      float momentum, float decay);

#endif
