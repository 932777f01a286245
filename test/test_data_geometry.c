/* test/test_data_geometry.c - resize-and-crop and view geometry on synthetic images with known
 * content: the fit's shape, area averaging against a direct 2-D double-precision reference, exact
 * 2×2 block means, constants preserved; the ten crops' corners and mirrors; the normalisations. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/image.h"
#include "data/view.h"

/* Reference: the mean of src over the area that output pixel (ox, oy) covers, weights = exact
 * overlaps of the source pixel squares with the output's footprint (both axes at once). */
static double area_ref(const an_image *src, int sw, int sh, int x0, int y0, int ox, int oy, int c) {
    double sx = (double)src->w / sw, sy = (double)src->h / sh;
    double ax = (ox + x0) * sx, bx = (ox + x0 + 1) * sx, ay = (oy + y0) * sy, by = (oy + y0 + 1) * sy;
    double acc = 0, wsum = 0;
    for (int y = (int)floor(ay); y < (int)ceil(by) && y < src->h; y++)
        for (int x = (int)floor(ax); x < (int)ceil(bx) && x < src->w; x++) {
            double wx = fmin(bx, x + 1) - fmax(ax, x), wy = fmin(by, y + 1) - fmax(ay, y);
            if (wx <= 0 || wy <= 0) continue;
            acc += wx * wy * src->px[((size_t)y * src->w + x) * 3 + c];
            wsum += wx * wy;
        }
    return acc / wsum;
}

static void check_fit(int w, int h, int size, uint64_t seed) {
    an_image src = {0}, dst = {0};
    an_resizer rs = {0};
    CHECK_OK(an_image_reserve(&src, w, h));
    for (size_t i = 0; i < (size_t)w * h * 3; i++) src.px[i] = (uint8_t)(check_rand_u64(&seed) & 255);
    CHECK_OK(an_image_fit(&rs, &src, size, &dst));
    int sw, sh, x0, y0;
    an_fit_geometry(w, h, size, &sw, &sh, &x0, &y0);
    double maxe = 0;
    size_t over = 0;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            for (int c = 0; c < 3; c++) {
                double r = area_ref(&src, sw, sh, x0, y0, x, y, c);
                double e = fabs(dst.px[((size_t)y * size + x) * 3 + c] - r);
                if (e > maxe) maxe = e;
                if (e > 0.5 + 1e-3) over++;
            }
    /* rounding to bytes: within half a level, bar float ties */
    CHECK(maxe <= 0.51 && over == 0, "fit %d×%d -> %d: max error %.4f levels, %zu over 0.5", w, h,
          size, maxe, over);
    printf("  fit %4d×%-4d -> %3d: max |ours - area reference| = %.4f\n", w, h, size, maxe);
    an_image_free(&src);
    an_image_free(&dst);
    an_resizer_free(&rs);
}

int main(void) {
    int sw, sh, x0, y0;
    an_fit_geometry(400, 300, 256, &sw, &sh, &x0, &y0);
    CHECK(sw == 341 && sh == 256 && x0 == 42 && y0 == 0, "landscape: %d×%d at %d,%d", sw, sh, x0, y0);
    an_fit_geometry(300, 400, 256, &sw, &sh, &x0, &y0);
    CHECK(sw == 256 && sh == 341 && x0 == 0 && y0 == 42, "portrait: %d×%d at %d,%d", sw, sh, x0, y0);
    an_fit_geometry(28, 28, 32, &sw, &sh, &x0, &y0);
    CHECK(sw == 32 && sh == 32 && x0 == 0 && y0 == 0, "upscale: %d×%d at %d,%d", sw, sh, x0, y0);

    check_fit(123, 77, 40, 1);    /* non-integer downscale, landscape */
    check_fit(61, 190, 32, 2);    /* portrait, strong downscale */
    check_fit(28, 28, 32, 3);     /* Fashion-MNIST's upscale */
    check_fit(50, 37, 64, 4);     /* upscale, landscape */
    check_fit(512, 384, 256, 5);  /* ImageNet-like */

    /* Exact 2×2 means: 64×32 -> 16 (scaled 32×16, crop from x = 8). */
    {
        an_image src = {0}, dst = {0};
        an_resizer rs = {0};
        uint64_t seed = 9;
        CHECK_OK(an_image_reserve(&src, 64, 32));
        for (size_t i = 0; i < 64 * 32 * 3; i++) src.px[i] = (uint8_t)(4 * (check_rand_u64(&seed) % 64));
        CHECK_OK(an_image_fit(&rs, &src, 16, &dst));
        int bad = 0;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
                for (int c = 0; c < 3; c++) {
                    int sx = 2 * (x + 8), sy = 2 * y, s = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) s += src.px[((sy + dy) * 64 + sx + dx) * 3 + c];
                    bad += dst.px[(y * 16 + x) * 3 + c] != s / 4; /* multiples of 4: exact */
                }
        CHECK(bad == 0, "2×2 block means: %d wrong", bad);
        /* a constant stays constant */
        memset(src.px, 173, 64 * 32 * 3);
        src.w = 57;
        src.h = 31;
        CHECK_OK(an_image_fit(&rs, &src, 45, &dst));
        bad = 0;
        for (int i = 0; i < 45 * 45 * 3; i++) bad += dst.px[i] != 173;
        CHECK(bad == 0, "constant image: %d pixels changed", bad);
        an_image_free(&src);
        an_image_free(&dst);
        an_resizer_free(&rs);
    }

    /* Views on a coordinate-coded image: R = x, G = y, B = 200. */
    {
        const int S = 64, N = 40;
        uint8_t *px = malloc((size_t)S * S * 3);
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                px[(y * S + x) * 3] = (uint8_t)x;
                px[(y * S + x) * 3 + 1] = (uint8_t)y;
                px[(y * S + x) * 3 + 2] = 200;
            }
        an_view_config v = an_view_ten(N);
        v.norm = AN_NORM_NONE;
        float *out = malloc(sizeof(float) * 10 * 3 * N * N);
        check_poison(out, (size_t)10 * 3 * N * N);
        an_view_image(&v, px, S, NULL, 1, 0, 0, out);
        const int ex[5] = {0, 24, 0, 24, 12}, ey[5] = {0, 0, 24, 24, 12};
        int bad = 0;
        for (int i = 0; i < 10; i++) {
            const float *o = out + (size_t)i * 3 * N * N;
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++) {
                    int sx = ex[i % 5] + (i >= 5 ? N - 1 - x : x), sy = ey[i % 5] + y;
                    bad += o[y * N + x] != sx || o[N * N + y * N + x] != sy || o[2 * N * N + y * N + x] != 200;
                }
        }
        CHECK(bad == 0, "ten-crop geometry: %d wrong values", bad);

        /* centre crop */
        v = an_view_center(N);
        v.norm = AN_NORM_NONE;
        an_view_image(&v, px, S, NULL, 1, 0, 0, out);
        CHECK(out[0] == 12 && out[N * N] == 12 && out[N - 1] == 12 + N - 1, "centre crop corner %g,%g",
              out[0], out[N * N]);

        /* MEAN_IMAGE subtracts the mean at the source pixel, also when mirrored */
        an_data_stats st = {.size = S};
        st.mean_image = malloc(sizeof(float) * S * S * 3);
        for (int i = 0; i < S * S * 3; i++) st.mean_image[i] = 0.25f * (float)(i % 97);
        an_view_draw d = {.x0 = 5, .y0 = 7, .flip = 1};
        v.norm = AN_NORM_MEAN_IMAGE;
        an_view_extract(&v, px, S, &st, &d, out);
        bad = 0;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++) {
                    size_t si = ((size_t)(7 + y) * S + 5 + (N - 1 - x)) * 3 + c;
                    float want = (float)px[si] - st.mean_image[si];
                    bad += fabsf(out[(size_t)c * N * N + y * N + x] - want) > 1e-5f;
                }
        CHECK(bad == 0, "mean image subtraction: %d wrong", bad);

        /* MEAN_STD: torchvision's ((p/255) - m) / s */
        v.norm = AN_NORM_MEAN_STD;
        d = (an_view_draw){.x0 = 3, .y0 = 2};
        an_view_extract(&v, px, S, NULL, &d, out);
        float want = ((float)px[(2 * S + 3) * 3 + 1] / 255.0f - 0.456f) / 0.224f;
        CHECK(fabsf(out[N * N] - want) < 1e-5f, "MEAN_STD: %g, want %g", out[N * N], want);
        free(st.mean_image);
        free(out);
        free(px);
    }
    return check_done("test_data_geometry");
}
