/* test/test_data_erase.c - random erasing of training views (an_view_config.erase): the share of
 * views erased equals the probability, each rectangle lies inside the view with an area of
 * 2-40 % and an aspect of 0.3-3.3, its corners spread over the view, the other draws (crop,
 * mirror, lighting) are those of a run without erasing, and a view is 0 exactly inside its
 * rectangle and elsewhere equal to the same view unerased, on random images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/view.h"

static void check_draws(int n, float p) {
    an_view_config v = an_view_train(n), plain = an_view_train(n);
    an_data_stats st = {.size = n + 4, .eigval = {900, 100, 10},
                        .eigvec = {1, 0, 0, 0, 1, 0, 0, 0, 1}};
    v.erase = p;
    v.translate = plain.translate = 1;
    const int draws = 20000;
    int erased = 0, bad_shape = 0, changed = 0, left = 0, top = 0;
    double area = 0;
    for (int k = 0; k < draws; k++) {
        an_view_draw d, q;
        an_view_random(&v, n + 4, &st, 3, 1, (uint64_t)k, &d);
        an_view_random(&plain, n + 4, &st, 3, 1, (uint64_t)k, &q);
        changed += d.x0 != q.x0 || d.y0 != q.y0 || d.flip != q.flip || d.light[0] != q.light[0] ||
                   d.light[2] != q.light[2] || q.ew != 0;
        if (d.ew == 0) continue;
        erased++;
        double a = (double)d.ew * d.eh / ((double)n * n), h = d.eh, w = d.ew, nn = (double)n * n;
        /* each side was rounded to whole pixels: the drawn sides lie within 0.5 of them */
        bad_shape += d.ex < 0 || d.ey < 0 || d.ex + d.ew > n || d.ey + d.eh > n ||
                     (h + 0.5) * (w + 0.5) < 0.02 * nn || (h - 0.5) * (w - 0.5) > 0.4 * nn ||
                     (h + 0.5) / (w - 0.5) < 0.3 || (h - 0.5) / (w + 0.5) > 1 / 0.3;
        area += a;
        left += d.ex == 0;
        top += d.ey == 0;
    }
    double rate = (double)erased / draws, sd = sqrt(p * (1 - p) / draws);
    printf("  view %d, P %.2f: %.4f erased, mean area %.3f of the view, %d at the left edge, %d at "
           "the top\n", n, p, rate, erased ? area / erased : 0, left, top);
    CHECK(fabs(rate - p) <= 4 * sd + 1e-9, "P %.2f: %.4f of the views erased", p, rate);
    CHECK(bad_shape == 0, "%d rectangles outside the view or the area/aspect bounds", bad_shape);
    CHECK(changed == 0, "erasing changed %d of the other draws", changed);
    if (p > 0) {
        /* area uniform on [0.02, 0.4] n^2 but big ones misfit more often: the mean is below 0.21 */
        CHECK(area / erased > 0.12 && area / erased < 0.22, "mean erased area %.3f",
              area / erased);
        CHECK(left > 0 && top > 0, "no rectangle at the view's edges");
    }
}

static void check_pixels(int size, int n, uint64_t seed) {
    an_view_config v = an_view_train(n);
    v.lighting = 0;
    v.erase = 1.0f;
    v.translate = 2;
    v.norm = AN_NORM_MEAN_STD;
    for (int c = 0; c < 3; c++) {
        v.mean[c] = 0.25f;
        v.std[c] = 0.5f;
    }
    size_t np = (size_t)size * size * 3, nv = (size_t)3 * n * n;
    uint8_t *px = malloc(np);
    float *a = malloc(nv * sizeof(float)), *b = malloc(nv * sizeof(float));
    for (size_t i = 0; i < np; i++) px[i] = (uint8_t)(check_rand_u64(&seed) % 256);
    int wrong = 0, zeros_outside = 0, views = 0;
    for (int k = 0; k < 100; k++) {
        an_view_draw d;
        an_view_random(&v, size, NULL, seed, 2, (uint64_t)k, &d);
        if (d.ew == 0) continue;
        views++;
        an_view_draw q = d;
        q.ew = q.eh = 0;
        check_poison(a, nv);
        check_poison(b, nv);
        an_view_extract(&v, px, size, NULL, &d, a);
        an_view_extract(&v, px, size, NULL, &q, b);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++) {
                    size_t i = ((size_t)c * n + y) * n + x;
                    int in = x >= d.ex && x < d.ex + d.ew && y >= d.ey && y < d.ey + d.eh;
                    wrong += in ? a[i] != 0.0f : !(a[i] == b[i]);
                    zeros_outside += !in && b[i] == 0.0f;
                }
    }
    printf("  image %d, view %d: %d erased views, %d wrong pixels\n", size, n, views, wrong);
    CHECK(views > 80 && wrong == 0, "%d erased views, %d pixels wrong", views, wrong);
    CHECK(zeros_outside < 3 * n * n, "%d unerased pixels are 0: the comparison proves little",
          zeros_outside);
    free(px);
    free(a);
    free(b);
}

int main(void) {
    check_draws(28, 0.5f);
    check_draws(28, 0.0f);
    check_draws(227, 0.25f);
    check_draws(8, 1.0f);
    check_pixels(28, 28, 11);
    check_pixels(32, 28, 12);
    /* evaluation views are never erased */
    an_view_config e = an_view_flip(28);
    e.erase = 1.0f;
    an_view_draw d;
    an_view_random(&e, 28, NULL, 1, 1, 5, &d);
    CHECK(d.ew == 0, "an evaluation view drew an erasure");
    return check_done("test_data_erase");
}
