/* host/ref/ref_concat.h - CPU reference (double) of strided 2-D copies, concat and split.
 *
 * Channel concat of NCHW a: N×ca×HW and b: N×cb×HW gives y: N×(ca+cb)×HW (a's channels first);
 * split is its inverse (and its adjoint, which is the backward of concat). Feature concat of
 * N×fa and N×fb is the same with HW = 1. */
#ifndef AN_REF_CONCAT_H
#define AN_REF_CONCAT_H

#include <stddef.h>

/* dst[r*dst_pitch + c] = src[r*src_pitch + c] (or += when accumulate) for r < rows, c < cols. */
void an_ref_copy2d(const double *src, size_t src_pitch, double *dst, size_t dst_pitch, size_t rows,
                   size_t cols, int accumulate);

/* y = concat(a, b) along channels. */
void an_ref_concat_channels(const double *a, size_t ca, const double *b, size_t cb, double *y,
                            size_t n, size_t hw);

/* a, b = split(y) along channels (or a += ..., b += ... when accumulate). */
void an_ref_split_channels(const double *y, double *a, size_t ca, double *b, size_t cb, size_t n,
                           size_t hw, int accumulate);

#endif
