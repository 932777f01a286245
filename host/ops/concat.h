/* host/ops/concat.h - concatenate and split along channels (NCHW) or features, for the towers'
 * crossovers; all built on one strided 2-D copy kernel.
 *
 * Channels: a [n][ca][hw] and b [n][cb][hw] <-> y [n][ca+cb][hw], a's channels first.
 * Features: a [n][fa] and b [n][fb] <-> y [n][fa+fb] is the same with hw = 1.
 * Split is concat's adjoint, i.e. its backward. With accumulate, split adds into a and b instead
 * of overwriting them: the backward of a crossover, where a tower's output feeds both towers and
 * its gradient is the sum of the two halves. Outputs must not overlap inputs. Ops enqueue and do
 * not wait. */
#ifndef AN_OPS_CONCAT_H
#define AN_OPS_CONCAT_H

#include "runtime/runtime.h"

/* dst[r*dst_pitch + c] = src[r*src_pitch + c] (+= when accumulate) for r < rows, c < cols
 * (offsets of src and dst included). */
an_status an_copy2d(an_dev *d, an_buf src, size_t src_pitch, an_buf dst, size_t dst_pitch,
                    size_t rows, size_t cols, int accumulate);

/* y = concat(a, b) along channels. */
an_status an_concat_channels(an_dev *d, an_buf a, size_t ca, an_buf b, size_t cb, an_buf y,
                             size_t n, size_t hw);

/* a = y[:, :ca], b = y[:, ca:] (or += when accumulate). */
an_status an_split_channels(an_dev *d, an_buf y, an_buf a, size_t ca, an_buf b, size_t cb,
                            size_t n, size_t hw, int accumulate);

#endif
