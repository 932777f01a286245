/* host/data/image.h - 8-bit RGB images in memory and the prepare step's geometry: rescale so that
 * the shorter side is S with an area-averaging (antialiasing) filter, then crop the central S×S.
 *
 * An an_image owns a growable buffer of interleaved RGB bytes (H×W×3, row-major) that is reused
 * from image to image, so that a worker thread allocates only while images keep getting larger. */
#ifndef AN_DATA_IMAGE_H
#define AN_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"

typedef struct an_image {
    uint8_t *px;  /* h*w*3 bytes, RGB interleaved */
    int w, h;
    size_t cap;   /* bytes allocated at px */
} an_image;

/* Make room for a w×h image (contents undefined) and set its size. */
an_status an_image_reserve(an_image *img, int w, int h);
void an_image_free(an_image *img);

/* Scratch space of the resampler, reused between calls (one per thread). Zero-initialise it. */
typedef struct an_resizer {
    float *tmp;          /* the horizontally resampled rows */
    size_t tmp_cap;
    int *idx;            /* per output sample: first source index and count */
    float *wts;          /* per output sample: weights (max taps each) */
    size_t idx_cap, wts_cap;
} an_resizer;
void an_resizer_free(an_resizer *r);

/* The shape the resize-and-crop gives: the scaled size (sw, sh) of a w×h image whose shorter
 * side becomes `size` (the longer side is truncated, as torchvision's Resize does), and the
 * top-left corner (x0, y0) of the central size×size crop in that scaled image. */
void an_fit_geometry(int w, int h, int size, int *sw, int *sh, int *x0, int *y0);

/* dst = the central size×size crop of src rescaled so that its shorter side is `size`.
 * Area averaging: each output pixel is the mean of the source area it covers (weights are the
 * exact overlaps), so downscaling does not alias and upscaling mixes at most two pixels per axis.
 * Only the cropped window is computed. */
an_status an_image_fit(an_resizer *r, const an_image *src, int size, an_image *dst);

#endif
