/* host/ref/ref_concat.c - CPU reference (double) of strided 2-D copies, concat and split. */
#include "ref/ref_concat.h"

void an_ref_copy2d(const double *src, size_t src_pitch, double *dst, size_t dst_pitch, size_t rows,
                   size_t cols, int accumulate) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            double v = src[r * src_pitch + c];
            double *d = &dst[r * dst_pitch + c];
            *d = accumulate ? *d + v : v;
        }
}

void an_ref_concat_channels(const double *a, size_t ca, const double *b, size_t cb, double *y,
                            size_t n, size_t hw) {
    size_t pitch = (ca + cb) * hw;
    an_ref_copy2d(a, ca * hw, y, pitch, n, ca * hw, 0);
    an_ref_copy2d(b, cb * hw, y + ca * hw, pitch, n, cb * hw, 0);
}

void an_ref_split_channels(const double *y, double *a, size_t ca, double *b, size_t cb, size_t n,
                           size_t hw, int accumulate) {
    size_t pitch = (ca + cb) * hw;
    an_ref_copy2d(y, pitch, a, ca * hw, n, ca * hw, accumulate);
    an_ref_copy2d(y + ca * hw, pitch, b, cb * hw, n, cb * hw, accumulate);
}
