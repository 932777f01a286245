/* host/data/view.h - turning a stored size×size RGB image into the net's float input views.
 *
 * Training: a random input×input crop (optionally translated past the image's edges,
 * `translate`), a horizontal flip with probability 0.5, optionally an erased rectangle
 * (`erase`), and "fancy PCA" lighting (add Σ_i p_i·α_i·λ_i to every pixel, α_i ~ N(0, σ) per
 * image and use, σ = 0.1), then normalisation. The paper's formula is not scale-free: as in
 * the common implementations (fb.resnet.torch), p_i, λ_i are those of the covariance of pixels
 * on [0,1], so that in pixel units the shift is Σ_i p_i·α_i·λ_i/255 with λ_i the stored
 * (0..255)² eigenvalues: a few levels for ImageNet (λ_1 ≈ 0.2 on [0,1]). Evaluation: the
 * centre crop, or ten crops in torchvision's TenCrop order: top-left, top-right, bottom-left,
 * bottom-right, centre, then the same five mirrored.
 * Output is float CHW, RGB. Normalisation, with pixels p in 0..255 and lighting l:
 *   NONE          p + l
 *   MEAN_IMAGE    p + l - mean_image[y][x]   (the paper's: the mean at the source pixel)
 *   MEAN_CHANNEL  p + l - mean[c]            (per-channel training-set mean, pixel units)
 *   MEAN_STD      ((p + l)/255 - mean[c]) / std[c]  (torchvision's, mean/std on [0,1]) */
#ifndef AN_DATA_VIEW_H
#define AN_DATA_VIEW_H

#include <stdint.h>

#include "data/shard.h"

/* AN_CROP_FLIP: the centre crop and its mirror (2 views). */
typedef enum { AN_CROP_TRAIN = 0, AN_CROP_CENTER = 1, AN_CROP_TEN = 2, AN_CROP_FLIP = 3 } an_crop_mode;
typedef enum {
    AN_NORM_NONE = 0,
    AN_NORM_MEAN_IMAGE = 1,
    AN_NORM_MEAN_CHANNEL = 2,
    AN_NORM_MEAN_STD = 3
} an_norm_mode;

typedef struct an_view_config {
    int input;            /* crop side: 227 for alexnet, 224 for torchvision's, 28 for small nets */
    an_crop_mode crop;
    int flip;             /* AN_CROP_TRAIN: mirror with probability 0.5 */
    int lighting;         /* AN_CROP_TRAIN: PCA lighting (needs statistics) */
    float lighting_std;   /* σ of α (0 means the paper's 0.1) */
    int translate;        /* AN_CROP_TRAIN: the crop's corner may also lie up to this many pixels
                             beyond the stored image's edges (a random translation); the view
                             reads black (0) outside the image, and the mean image, when that is
                             the normalisation, at its nearest pixel (0: crops stay inside) */
    float erase;          /* AN_CROP_TRAIN: with this probability set a random rectangle of the
                             view to 0 after normalisation ("random erasing", Zhong et al. 2017:
                             area 2-40 % of the view, aspect 0.3-3.3; 0: never) */
    an_norm_mode norm;
    float mean[3], std[3];/* AN_NORM_MEAN_STD: per channel on [0,1] (0s mean torchvision's) */
} an_view_config;

/* The paper's training view (227, random crop, flip, lighting, mean image) and evaluation views. */
an_view_config an_view_train(int input);
an_view_config an_view_center(int input);
an_view_config an_view_ten(int input);
an_view_config an_view_flip(int input);

/* Views per image: 10 for AN_CROP_TEN, 2 for AN_CROP_FLIP, else 1. */
int an_view_count(const an_view_config *v);

/* The random choices for one image: crop corner, flip, lighting per channel (pixel units). */
typedef struct an_view_draw {
    int x0, y0, flip;
    float light[3];
    int ex, ey, ew, eh;  /* the erased rectangle in view coordinates (ew 0: none) */
} an_view_draw;

/* The draw for position `pos` of epoch `epoch` of a stream with this seed: a pure function, so a
 * stream is reproducible and resumable and does not depend on thread timing. stats may be NULL
 * when lighting is off. */
void an_view_random(const an_view_config *v, int size, const an_data_stats *stats, uint64_t seed,
                    uint64_t epoch, uint64_t pos, an_view_draw *d);

/* The crop corners of the ten views (or the centre) of a size×size image. */
void an_view_ten_corners(int size, int input, int x0[10], int y0[10], int flip[10]);

/* Write one view (3×input×input floats) of the size×size RGB image px. mean_image may be NULL
 * unless norm is MEAN_IMAGE; stats may be NULL unless norm is MEAN_IMAGE or MEAN_CHANNEL. */
void an_view_extract(const an_view_config *v, const uint8_t *px, int size,
                     const an_data_stats *stats, const an_view_draw *d, float *out);

/* All views of one image (an_view_count × 3×input×input floats). */
void an_view_image(const an_view_config *v, const uint8_t *px, int size, const an_data_stats *stats,
                   uint64_t seed, uint64_t epoch, uint64_t pos, float *out);

/* splitmix64 and helpers shared by the loader's shuffling. */
uint64_t an_mix64(uint64_t x);

#endif
