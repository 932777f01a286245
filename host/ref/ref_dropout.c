/* host/ref/ref_dropout.c - CPU reference (double) of inverted dropout with the Philox mask. */
#include "ref/ref_dropout.h"

void an_ref_dropout_mask(const an_dropout_cfg *cfg, unsigned char *keep, size_t rows, size_t cols,
                         size_t layer_cols, size_t col_offset) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            keep[r * cols + c] = (unsigned char)an_dropout_keep(
                cfg, ((uint64_t)cfg->row_offset + r) * layer_cols + col_offset + c);
}

static void apply(const an_dropout_cfg *cfg, const double *x, double *y, size_t rows, size_t cols,
                  size_t layer_cols, size_t col_offset) {
    double scale = 1.0 / (1.0 - cfg->p);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            size_t at = r * cols + c;
            uint64_t e = ((uint64_t)cfg->row_offset + r) * layer_cols + col_offset + c;
            int keep = an_dropout_keep(cfg, e);
            y[at] = keep ? x[at] * scale : 0.0;
        }
}

void an_ref_dropout_forward(const an_dropout_cfg *cfg, int training, const double *x, double *y,
                            size_t rows, size_t cols, size_t layer_cols, size_t col_offset) {
    if (training) {
        apply(cfg, x, y, rows, cols, layer_cols, col_offset);
    } else {
        for (size_t i = 0; i < rows * cols; i++) y[i] = x[i];
    }
}

void an_ref_dropout_backward(const an_dropout_cfg *cfg, const double *dy, double *dx, size_t rows,
                             size_t cols, size_t layer_cols, size_t col_offset) {
    apply(cfg, dy, dx, rows, cols, layer_cols, col_offset);
}
