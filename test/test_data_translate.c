/* test/test_data_translate.c - translated training views (an_view_config.translate): the crop
 * corners are uniform over -P..size-input+P on each axis, translate 0 draws what it always drew,
 * and every pixel of a view, inside the image or past its edges (black there, the mean image at
 * its nearest pixel), equals a double-precision reference for each normalisation, mirrored or
 * not, on random images. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "data/view.h"

/* The view's value at output (c, y, x) computed from its definition. */
static double ref_pixel(const an_view_config *v, const uint8_t *px, int size, const float *mimg,
                        const float mean[3], const an_view_draw *d, int c, int y, int x) {
    int n = v->input, sx = d->x0 + (d->flip ? n - 1 - x : x), sy = d->y0 + y;
    int cx = sx < 0 ? 0 : sx >= size ? size - 1 : sx, cy = sy < 0 ? 0 : sy >= size ? size - 1 : sy;
    int inside = sx == cx && sy == cy;
    double p = inside ? px[((size_t)sy * size + sx) * 3 + c] : 0.0;
    p += d->light[c];
    switch (v->norm) {
    case AN_NORM_MEAN_IMAGE: return p - mimg[((size_t)cy * size + cx) * 3 + c];
    case AN_NORM_MEAN_CHANNEL: return p - mean[c];
    case AN_NORM_MEAN_STD: return (p / 255.0 - v->mean[c]) / v->std[c];
    default: return p;
    }
}

/* Corners: uniform over the 2P + size - input + 1 positions of each axis. */
static void check_corners(int size, int input, int translate) {
    an_view_config v = an_view_train(input);
    v.lighting = 0;
    v.translate = translate;
    int lo = -translate, r = size - input + 1 + 2 * translate, draws = 20000;
    int *h = calloc((size_t)2 * r, sizeof(int));
    int bad = 0;
    for (int k = 0; k < draws; k++) {
        an_view_draw d;
        an_view_random(&v, size, NULL, 5, 2, (uint64_t)k, &d);
        if (d.x0 < lo || d.x0 >= lo + r || d.y0 < lo || d.y0 >= lo + r) {
            bad++;
            continue;
        }
        h[d.x0 - lo]++;
        h[r + d.y0 - lo]++;
    }
    CHECK(bad == 0, "size %d input %d translate %d: %d corners outside %d..%d", size, input,
          translate, bad, lo, lo + r - 1);
    int mn = draws, mx = 0;
    for (int i = 0; i < 2 * r; i++) {
        mn = h[i] < mn ? h[i] : mn;
        mx = h[i] > mx ? h[i] : mx;
    }
    double expect = (double)draws / r;
    printf("  size %d, input %d, translate %d: corners %d..%d, counts %d..%d (expected %.0f)\n",
           size, input, translate, lo, lo + r - 1, mn, mx, expect);
    CHECK(mn > 0.9 * expect && mx < 1.1 * expect, "corners not uniform: %d..%d", mn, mx);
    free(h);
}

/* Every pixel of many views of a random image against ref_pixel. */
static void check_pixels(int size, int input, int translate, an_norm_mode norm, uint64_t seed) {
    an_view_config v = an_view_train(input);
    v.translate = translate;
    v.lighting = 0;
    v.norm = norm;
    for (int c = 0; c < 3; c++) {
        v.mean[c] = 0.2f + 0.1f * c;
        v.std[c] = 0.3f + 0.05f * c;
    }
    size_t np = (size_t)size * size * 3, nv = (size_t)3 * input * input;
    uint8_t *px = malloc(np);
    float *mimg = malloc(np * sizeof(float)), *out = malloc(nv * sizeof(float));
    an_data_stats st = {.size = size, .mean_image = mimg, .mean = {91.5, 120.25, 33.0}};
    for (size_t i = 0; i < np; i++) {
        px[i] = (uint8_t)(1 + check_rand_u64(&seed) % 255); /* no 0s: black is the padding */
        mimg[i] = check_rand_uniform(&seed, 0, 255);
    }
    float mean[3] = {91.5f, 120.25f, 33.0f};
    double worst = 0;
    int outside = 0, inside = 0, flipped = 0;
    for (int k = 0; k < 200; k++) {
        an_view_draw d;
        an_view_random(&v, size, &st, seed, 1, (uint64_t)k, &d);
        d.light[0] = k % 3 ? 0.0f : 3.25f; /* a lighting shift too, without its statistics */
        d.light[2] = k % 3 ? 0.0f : -1.5f;
        int out_of = d.x0 < 0 || d.y0 < 0 || d.x0 + input > size || d.y0 + input > size;
        outside += out_of;
        inside += !out_of;
        flipped += d.flip;
        check_poison(out, nv);
        an_view_extract(&v, px, size, &st, &d, out);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < input; y++)
                for (int x = 0; x < input; x++) {
                    double r = ref_pixel(&v, px, size, mimg, mean, &d, c, y, x);
                    double g = out[((size_t)c * input + y) * input + x];
                    double e = g == g ? fabs(g - r) / (1.0 + fabs(r)) : 1e30;
                    worst = e > worst ? e : worst;
                }
    }
    printf("  size %d, input %d, translate %d, norm %d: %d views past the edges, %d inside, %d "
           "mirrored, worst relative error %.2g\n", size, input, translate, (int)norm, outside,
           inside, flipped, worst);
    CHECK(worst < 1e-5, "norm %d: a view differs from the reference by %.3g", (int)norm, worst);
    CHECK(translate == 0 ? outside == 0 : outside > 0, "translate %d: %d views past the edges",
          translate, outside);
    CHECK(flipped > 0 && flipped < 200, "%d of 200 views mirrored", flipped);
    free(px);
    free(mimg);
    free(out);
}

int main(void) {
    check_corners(28, 28, 2);
    check_corners(32, 28, 3);
    check_corners(32, 28, 0);

    /* translate 0 is the old view: the same draws as a config without the field set */
    an_view_config a = an_view_train(28), b = an_view_train(28);
    b.translate = 0;
    a.lighting = b.lighting = 0;
    int same = 1;
    for (int k = 0; k < 1000; k++) {
        an_view_draw da, db;
        an_view_random(&a, 36, NULL, 9, 4, (uint64_t)k, &da);
        an_view_random(&b, 36, NULL, 9, 4, (uint64_t)k, &db);
        same &= da.x0 == db.x0 && da.y0 == db.y0 && da.flip == db.flip && da.x0 >= 0 && da.x0 <= 8;
    }
    CHECK(same, "translate 0 changed the draws or left the image");
    /* evaluation views ignore translate */
    an_view_config e = an_view_center(28);
    e.translate = 2;
    an_view_draw de;
    an_view_random(&e, 28, NULL, 9, 4, 17, &de);
    CHECK(de.x0 == 0 && de.y0 == 0 && !de.flip, "the centre view moved: %d,%d", de.x0, de.y0);

    const an_norm_mode norms[4] = {AN_NORM_NONE, AN_NORM_MEAN_IMAGE, AN_NORM_MEAN_CHANNEL,
                                   AN_NORM_MEAN_STD};
    for (int i = 0; i < 4; i++) {
        check_pixels(28, 28, 2, norms[i], 100 + (uint64_t)i);
        check_pixels(32, 28, 3, norms[i], 200 + (uint64_t)i);
    }
    check_pixels(32, 28, 0, AN_NORM_MEAN_STD, 300);
    return check_done("test_data_translate");
}
