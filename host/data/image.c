/* host/data/image.c - growable RGB images and the area-averaging resize-and-centre-crop. */
#include "data/image.h"

#include <math.h>
#include <stdlib.h>

#include "util/try.h"

an_status an_image_reserve(an_image *img, int w, int h) {
    if (w <= 0 || h <= 0) return an_error(AN_ERR_INVALID_ARG, "image size %d×%d", w, h);
    size_t need = (size_t)w * h * 3;
    if (need > img->cap) {
        uint8_t *p = realloc(img->px, need);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory for a %d×%d image", w, h);
        img->px = p;
        img->cap = need;
    }
    img->w = w;
    img->h = h;
    return AN_OK;
}

void an_image_free(an_image *img) {
    free(img->px);
    img->px = NULL;
    img->cap = 0;
    img->w = img->h = 0;
}

void an_resizer_free(an_resizer *r) {
    free(r->tmp);
    free(r->idx);
    free(r->wts);
    *r = (an_resizer){0};
}

void an_fit_geometry(int w, int h, int size, int *sw, int *sh, int *x0, int *y0) {
    if (w <= h) {
        *sw = size;
        *sh = (int)((long long)size * h / w);
    } else {
        *sh = size;
        *sw = (int)((long long)size * w / h);
    }
    if (*sw < size) *sw = size;
    if (*sh < size) *sh = size;
    *x0 = (*sw - size) / 2;
    *y0 = (*sh - size) / 2;
}

/* Area-averaging taps for outputs o0..o0+n-1 of an axis scaled from `in` to `out` samples:
 * output o covers source [o*s, (o+1)*s) with s = in/out; each source sample weighs its overlap.
 * idx[2k] = first source index, idx[2k+1] = tap count; weights at wts[k*taps ...]. */
static int axis_taps(int in, int out, int o0, int n, int *idx, float *wts, int taps) {
    double s = (double)in / out;
    for (int k = 0; k < n; k++) {
        double a = (o0 + k) * s, b = (o0 + k + 1) * s;
        int i0 = (int)floor(a), i1 = (int)ceil(b);
        if (i1 > in) i1 = in;
        if (i0 > i1 - 1) i0 = i1 - 1;
        if (i1 - i0 > taps) return -1;
        double total = 0;
        for (int i = i0; i < i1; i++) {
            double lo = a > i ? a : i, hi = b < i + 1 ? b : i + 1;
            double wgt = hi > lo ? hi - lo : 0;
            wts[k * taps + (i - i0)] = (float)wgt;
            total += wgt;
        }
        for (int i = i0; i < i1; i++) wts[k * taps + (i - i0)] = (float)(wts[k * taps + (i - i0)] / total);
        idx[2 * k] = i0;
        idx[2 * k + 1] = i1 - i0;
    }
    return 0;
}

an_status an_image_fit(an_resizer *r, const an_image *src, int size, an_image *dst) {
    if (size <= 0) return an_error(AN_ERR_INVALID_ARG, "resize target %d", size);
    int sw, sh, x0, y0;
    an_fit_geometry(src->w, src->h, size, &sw, &sh, &x0, &y0);
    AN_TRY(an_image_reserve(dst, size, size));
    int tx = (int)ceil((double)src->w / sw) + 2, ty = (int)ceil((double)src->h / sh) + 2;
    size_t nidx = 4 * (size_t)size, nw = (size_t)size * (size_t)(tx + ty);
    if (nidx > r->idx_cap) {
        int *p = realloc(r->idx, nidx * sizeof *p);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory in resize");
        r->idx = p;
        r->idx_cap = nidx;
    }
    if (nw > r->wts_cap) {
        float *p = realloc(r->wts, nw * sizeof *p);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory in resize");
        r->wts = p;
        r->wts_cap = nw;
    }
    int *ix = r->idx, *iy = r->idx + 2 * size;
    float *wx = r->wts, *wy = r->wts + (size_t)size * tx;
    if (axis_taps(src->w, sw, x0, size, ix, wx, tx) || axis_taps(src->h, sh, y0, size, iy, wy, ty))
        return an_error(AN_ERR_INTERNAL, "resize taps overflow");

    /* Source rows the crop needs: iy[0] .. last. Horizontal pass into tmp (rows × size × 3). */
    int r0 = iy[0], r1 = iy[2 * (size - 1)] + iy[2 * (size - 1) + 1];
    size_t ntmp = (size_t)(r1 - r0 + 1) * size * 3; /* the rows, and one accumulator row */
    if (ntmp > r->tmp_cap) {
        float *p = realloc(r->tmp, ntmp * sizeof *p);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory in resize");
        r->tmp = p;
        r->tmp_cap = ntmp;
    }
    for (int y = r0; y < r1; y++) {
        const uint8_t *row = src->px + (size_t)y * src->w * 3;
        float *t = r->tmp + (size_t)(y - r0) * size * 3;
        for (int k = 0; k < size; k++) {
            const uint8_t *p = row + 3 * ix[2 * k];
            const float *wk = wx + (size_t)k * tx;
            float a = 0, b = 0, c = 0;
            for (int i = 0; i < ix[2 * k + 1]; i++) {
                a += wk[i] * p[3 * i];
                b += wk[i] * p[3 * i + 1];
                c += wk[i] * p[3 * i + 2];
            }
            t[3 * k] = a;
            t[3 * k + 1] = b;
            t[3 * k + 2] = c;
        }
    }
    /* Vertical pass, rounding to bytes. */
    float *acc = r->tmp + (size_t)(r1 - r0) * size * 3;
    for (int k = 0; k < size; k++) {
        uint8_t *out = dst->px + (size_t)k * size * 3;
        const float *wk = wy + (size_t)k * ty;
        int first = iy[2 * k] - r0, taps = iy[2 * k + 1];
        for (int x = 0; x < size * 3; x++) acc[x] = 0;
        for (int i = 0; i < taps; i++) {
            const float *t = r->tmp + (size_t)(first + i) * size * 3;
            float wi = wk[i];
            for (int x = 0; x < size * 3; x++) acc[x] += wi * t[x];
        }
        for (int x = 0; x < size * 3; x++) {
            int v = (int)(acc[x] + 0.5f);
            out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
    return AN_OK;
}
