/* host/data/view.c - crops, flips, PCA lighting and normalisation into float CHW. */
#include "data/view.h"

#include <math.h>
#include <string.h>

an_view_config an_view_train(int input) {
    return (an_view_config){.input = input, .crop = AN_CROP_TRAIN, .flip = 1, .lighting = 1,
                            .lighting_std = 0.1f, .norm = AN_NORM_MEAN_IMAGE};
}
an_view_config an_view_center(int input) {
    return (an_view_config){.input = input, .crop = AN_CROP_CENTER, .norm = AN_NORM_MEAN_IMAGE};
}
an_view_config an_view_ten(int input) {
    return (an_view_config){.input = input, .crop = AN_CROP_TEN, .norm = AN_NORM_MEAN_IMAGE};
}

an_view_config an_view_flip(int input) {
    return (an_view_config){.input = input, .crop = AN_CROP_FLIP, .norm = AN_NORM_MEAN_IMAGE};
}

int an_view_count(const an_view_config *v) {
    return v->crop == AN_CROP_TEN ? 10 : v->crop == AN_CROP_FLIP ? 2 : 1;
}

uint64_t an_mix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Uniform in [0, 1) with 53 bits. */
static double unit(uint64_t *s) {
    *s = an_mix64(*s);
    return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(uint64_t *s) {
    double u = unit(s), v = unit(s);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Zhong et al.'s rectangle: area a fraction 0.02-0.4 of the view, aspect (h/w) 0.3-1/0.3 drawn
 * uniformly, placed uniformly where it fits; up to 10 tries, then none. */
static void draw_erase(int n, uint64_t *s, an_view_draw *d) {
    for (int i = 0; i < 10; i++) {
        double area = (0.02 + 0.38 * unit(s)) * n * n, r = 0.3 + (1 / 0.3 - 0.3) * unit(s);
        int h = (int)(sqrt(area * r) + 0.5), w = (int)(sqrt(area / r) + 0.5);
        if (h < 1 || w < 1 || h >= n || w >= n) continue;
        d->ey = (int)(unit(s) * (n - h + 1));
        d->ex = (int)(unit(s) * (n - w + 1));
        d->eh = h;
        d->ew = w;
        return;
    }
}

void an_view_random(const an_view_config *v, int size, const an_data_stats *stats, uint64_t seed,
                    uint64_t epoch, uint64_t pos, an_view_draw *d) {
    uint64_t s = an_mix64(an_mix64(an_mix64(seed) ^ epoch) ^ pos);
    int t = v->crop == AN_CROP_TRAIN && v->translate > 0 ? v->translate : 0;
    int range = size - v->input + 1 + 2 * t;
    *d = (an_view_draw){0};
    if (v->crop == AN_CROP_TRAIN) {
        d->x0 = (int)(unit(&s) * range) - t;
        d->y0 = (int)(unit(&s) * range) - t;
        d->flip = v->flip && unit(&s) < 0.5;
        if (v->lighting && stats) {
            double sigma = v->lighting_std > 0 ? v->lighting_std : 0.1;
            double a[3];
            /* λ on the [0,1] scale (λ_pixel/255²), the shift back in pixel units (×255) */
            for (int i = 0; i < 3; i++) a[i] = normal(&s) * sigma * stats->eigval[i] / 255.0;
            for (int c = 0; c < 3; c++)
                d->light[c] = (float)(stats->eigvec[c] * a[0] + stats->eigvec[3 + c] * a[1] +
                                      stats->eigvec[6 + c] * a[2]);
        }
        if (v->erase > 0 && unit(&s) < v->erase) draw_erase(v->input, &s, d);
    } else {
        d->x0 = d->y0 = (size - v->input) / 2;
    }
}

void an_view_ten_corners(int size, int input, int x0[10], int y0[10], int flip[10]) {
    int e = size - input, c = e / 2;
    const int xs[5] = {0, e, 0, e, c}, ys[5] = {0, 0, e, e, c};
    for (int i = 0; i < 10; i++) {
        x0[i] = xs[i % 5];
        y0[i] = ys[i % 5];
        flip[i] = i >= 5;
    }
}

static int clamp(int v, int hi) { return v < 0 ? 0 : v > hi ? hi : v; }

/* A view whose crop reaches past the image's edges: black outside, the mean image (when given)
 * read at the nearest pixel. Only translated training crops come here. */
static void extract_outside(const uint8_t *px, int size, const float *mimg, const float add[3],
                            const float mul[3], const an_view_draw *d, int n, float *out) {
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < n; y++) {
            int sy = d->y0 + y;
            float *dst = out + ((size_t)c * n + y) * n;
            for (int x = 0; x < n; x++) {
                int sx = d->x0 + x;
                int inside = sx >= 0 && sx < size && sy >= 0 && sy < size;
                size_t at = ((size_t)clamp(sy, size - 1) * size + clamp(sx, size - 1)) * 3 + c;
                float p = inside ? (float)px[at] : 0.0f;
                float m = mimg ? mimg[at] : 0.0f;
                dst[d->flip ? n - 1 - x : x] = (p + add[c] - m) * mul[c];
            }
        }
}

static void extract_view(const an_view_config *v, const uint8_t *px, int size,
                         const an_data_stats *stats, const an_view_draw *d, float *out) {
    static const float tv_mean[3] = {0.485f, 0.456f, 0.406f}, tv_std[3] = {0.229f, 0.224f, 0.225f};
    int n = v->input;
    float add[3], mul[3];
    const float *mimg = v->norm == AN_NORM_MEAN_IMAGE && stats ? stats->mean_image : NULL;
    for (int c = 0; c < 3; c++) {
        add[c] = d->light[c];
        mul[c] = 1.0f;
        if (v->norm == AN_NORM_MEAN_CHANNEL && stats) add[c] -= (float)stats->mean[c];
        if (v->norm == AN_NORM_MEAN_STD) {
            float m = v->std[c] > 0 ? v->mean[c] : tv_mean[c];
            float s = v->std[c] > 0 ? v->std[c] : tv_std[c];
            add[c] -= 255.0f * m;
            mul[c] = 1.0f / (255.0f * s);
        }
    }
    if (d->x0 < 0 || d->y0 < 0 || d->x0 + n > size || d->y0 + n > size) {
        extract_outside(px, size, mimg, add, mul, d, n, out);
        return;
    }
    for (int c = 0; c < 3; c++) {
        float *o = out + (size_t)c * n * n;
        for (int y = 0; y < n; y++) {
            size_t row = ((size_t)(d->y0 + y) * size + d->x0) * 3 + c;
            const uint8_t *src = px + row;
            const float *m = mimg ? mimg + row : NULL;
            float *dst = o + (size_t)y * n;
            if (!d->flip) {
                if (m)
                    for (int x = 0; x < n; x++) dst[x] = ((float)src[3 * x] + add[c] - m[3 * x]) * mul[c];
                else
                    for (int x = 0; x < n; x++) dst[x] = ((float)src[3 * x] + add[c]) * mul[c];
            } else {
                if (m)
                    for (int x = 0; x < n; x++)
                        dst[n - 1 - x] = ((float)src[3 * x] + add[c] - m[3 * x]) * mul[c];
                else
                    for (int x = 0; x < n; x++) dst[n - 1 - x] = ((float)src[3 * x] + add[c]) * mul[c];
            }
        }
    }
}

void an_view_extract(const an_view_config *v, const uint8_t *px, int size,
                     const an_data_stats *stats, const an_view_draw *d, float *out) {
    extract_view(v, px, size, stats, d, out);
    int n = v->input;
    for (int c = 0; c < 3 && d->ew > 0; c++)
        for (int y = d->ey; y < d->ey + d->eh; y++)
            memset(out + ((size_t)c * n + y) * n + d->ex, 0, (size_t)d->ew * sizeof(float));
}

void an_view_image(const an_view_config *v, const uint8_t *px, int size, const an_data_stats *stats,
                   uint64_t seed, uint64_t epoch, uint64_t pos, float *out) {
    size_t per = (size_t)3 * v->input * v->input;
    if (v->crop == AN_CROP_TEN) {
        int x0[10], y0[10], fl[10];
        an_view_ten_corners(size, v->input, x0, y0, fl);
        for (int i = 0; i < 10; i++) {
            an_view_draw d = {.x0 = x0[i], .y0 = y0[i], .flip = fl[i]};
            an_view_extract(v, px, size, stats, &d, out + i * per);
        }
        return;
    }
    if (v->crop == AN_CROP_FLIP) {
        int c = (size - v->input) / 2;
        for (int i = 0; i < 2; i++) {
            an_view_draw d = {.x0 = c, .y0 = c, .flip = i};
            an_view_extract(v, px, size, stats, &d, out + i * per);
        }
        return;
    }
    an_view_draw d;
    an_view_random(v, size, stats, seed, epoch, pos, &d);
    an_view_extract(v, px, size, stats, &d, out);
}
