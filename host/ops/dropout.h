/* host/ops/dropout.h - inverted dropout with a counter-based (Philox4x32-10) mask, on a device.
 *
 * The keep/drop decision of an element is a pure function of (cfg->seed, cfg->step, cfg->layer,
 * the element's index in the whole layer) - see host/ref/philox.h for the exact layout - so a
 * run is reproducible and a layer split over two towers drops exactly the elements the one-device
 * layer drops. Hence the tile arguments: the op works on a rows × cols tile, stored densely, of a
 * layer whose rows are layer_cols wide, starting at column col_offset. One device: layer_cols =
 * cols, col_offset = 0. Tower t of an N×F layer split in halves: rows = N, cols = F/2,
 * layer_cols = F, col_offset = t*F/2.
 *
 * Scaling: inverted dropout. Training keeps an element with probability 1 - p and scales it by
 * 1/(1 - p); inference is the identity. The paper instead multiplies every output by 0.5 at test
 * time; both give the same expected activations, and inverted dropout leaves inference with
 * nothing to do, so weights trained here must not be halved at test time (weights imported from
 * a net trained the paper's way are used as they are too: Caffe and PyTorch also use inverted
 * dropout).
 *
 * Backward regenerates the mask from the same cfg and tile (nothing is stored between forward and
 * backward: cfg->step must not change in between). Ops enqueue and do not wait; in place allowed
 * (y may be x, dx may be dy). */
#ifndef AN_OPS_DROPOUT_H
#define AN_OPS_DROPOUT_H

#include "ref/philox.h"
#include "runtime/runtime.h"

/* training != 0: y = x / (1 - p) where kept, 0 where dropped. training == 0: y = x.
 * x, y: rows × cols. 0 <= cfg->p < 1. */
an_status an_dropout_forward(an_dev *d, const an_dropout_cfg *cfg, int training, an_buf x,
                             an_buf y, size_t rows, size_t cols, size_t layer_cols,
                             size_t col_offset);

/* dx = dy / (1 - p) where the training forward kept the element, 0 where it dropped it. */
an_status an_dropout_backward(an_dev *d, const an_dropout_cfg *cfg, an_buf dy, an_buf dx,
                              size_t rows, size_t cols, size_t layer_cols, size_t col_offset);

#endif
