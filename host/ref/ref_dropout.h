/* host/ref/ref_dropout.h - CPU reference (double) of inverted dropout with the Philox mask.
 *
 * A tile is rows × cols of a layer whose rows are layer_cols wide; the tile starts at column
 * col_offset (a tower's half of an N×F layer: layer_cols = F, col_offset = 0 or F/2). The tile
 * itself is stored densely, rows × cols. Element (r, c) of the tile is layer element
 * r * layer_cols + col_offset + c, whose keep/drop decision is an_dropout_keep (ref/philox.h). */
#ifndef AN_REF_DROPOUT_H
#define AN_REF_DROPOUT_H

#include <stddef.h>

#include "ref/philox.h"

/* keep[r*cols + c] = 1 if the element is kept, else 0. */
void an_ref_dropout_mask(const an_dropout_cfg *cfg, unsigned char *keep, size_t rows, size_t cols,
                         size_t layer_cols, size_t col_offset);

/* Training: y = x / (1 - p) where kept, 0 where dropped. Inference (training == 0): y = x. */
void an_ref_dropout_forward(const an_dropout_cfg *cfg, int training, const double *x, double *y,
                            size_t rows, size_t cols, size_t layer_cols, size_t col_offset);

/* dx = dy / (1 - p) where kept, 0 where dropped (the training forward's derivative). */
void an_ref_dropout_backward(const an_dropout_cfg *cfg, const double *dy, double *dx, size_t rows,
                             size_t cols, size_t layer_cols, size_t col_offset);

#endif
