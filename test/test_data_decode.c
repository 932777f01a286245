/* test/test_data_decode.c - our JPEG decoding against PIL's (fixtures made by
 * tools/make_image_fixtures.py at test time): RGB 4:2:0 and 4:4:4, greyscale and CMYK within two
 * levels per channel; and each kind of bad file rejected with a reason that names it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/jpeg.h"
#include "util/read_file.h"

/* Decode OUT/ref/name.jpg and compare with PIL's name.rgb: max abs difference per channel. */
static void compare_ref(an_jpeg *j, const char *dir, const char *name, int w, int h) {
    char path[4096];
    uint8_t *buf = NULL, *ref = NULL;
    size_t cap = 0, len = 0, rcap = 0, rlen = 0;
    snprintf(path, sizeof path, "%s/ref/%s.jpg", dir, name);
    CHECK_OK(an_read_file(path, &buf, &cap, &len));
    snprintf(path, sizeof path, "%s/ref/%s.rgb", dir, name);
    CHECK_OK(an_read_file(path, &ref, &rcap, &rlen));
    an_image img = {0};
    an_status s = an_jpeg_decode(j, buf, len, 0, &img);
    CHECK(s == AN_OK, "%s: %s", name, an_last_error());
    if (s == AN_OK) {
        CHECK(img.w == w && img.h == h, "%s: %d×%d, want %d×%d", name, img.w, img.h, w, h);
        CHECK(rlen == (size_t)w * h * 3, "%s: reference has %zu bytes", name, rlen);
        if (img.w == w && img.h == h && rlen == (size_t)w * h * 3) {
            int maxd = 0;
            double sum = 0;
            for (size_t i = 0; i < rlen; i++) {
                int d = abs((int)img.px[i] - (int)ref[i]);
                if (d > maxd) maxd = d;
                sum += d;
            }
            printf("  %-7s %3d×%-3d max |ours - PIL| = %d, mean %.4f\n", name, w, h, maxd, sum / (double)rlen);
            CHECK(maxd <= 2, "%s: max difference %d levels (tolerance 2)", name, maxd);
        }
    }
    /* Scaled decoding: the shorter side stays >= the request. */
    s = an_jpeg_decode(j, buf, len, 20, &img);
    CHECK(s == AN_OK && (img.w < img.h ? img.w : img.h) >= 20 && img.w <= w,
          "%s: scaled decode gave %d×%d", name, img.w, img.h);
    an_image_free(&img);
    free(buf);
    free(ref);
}

static void expect_bad(an_jpeg *j, const char *dir, const char *rel, const char *want) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tree/%s", dir, rel);
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    CHECK_OK(an_read_file(path, &buf, &cap, &len));
    an_image img = {0};
    an_status s = an_jpeg_decode(j, buf, len, 0, &img);
    CHECK(s == AN_ERR_FORMAT, "%s decoded (status %d)", rel, s);
    CHECK(strstr(an_last_error(), want) != NULL, "%s: reason '%s' lacks '%s'", rel, an_last_error(), want);
    printf("  %-30s -> %s\n", rel, an_last_error());
    an_image_free(&img);
    free(buf);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "fixtures-decode";
    if (!check_fixtures("make_image_fixtures", dir, 0)) return 1;
    an_jpeg *j;
    CHECK_OK(an_jpeg_create(&j));
    compare_ref(j, dir, "rgb420", 97, 61);
    compare_ref(j, dir, "rgb444", 64, 80);
    compare_ref(j, dir, "grey", 75, 50);
    compare_ref(j, dir, "cmyk", 66, 70);

    expect_bad(j, dir, "n001_apple/bad_truncated.JPEG", "Premature end");
    expect_bad(j, dir, "n002_boat/bad_header.JPEG", "JPEG");
    expect_bad(j, dir, "n003_cat/bad_empty.JPEG", "empty file");
    expect_bad(j, dir, "n003_cat/bad_png.JPEG", "PNG");

    /* Encoding round trip: 4:4:4 at quality 95 stays within a few levels on a smooth image. */
    an_image img = {0}, back = {0};
    CHECK_OK(an_image_reserve(&img, 48, 40));
    for (int y = 0; y < 40; y++)
        for (int x = 0; x < 48; x++) {
            img.px[(y * 48 + x) * 3] = (uint8_t)(60 + 3 * x);
            img.px[(y * 48 + x) * 3 + 1] = (uint8_t)(30 + 4 * y);
            img.px[(y * 48 + x) * 3 + 2] = (uint8_t)(200 - 2 * x - y);
        }
    uint8_t *enc = NULL;
    size_t ecap = 0, elen = 0;
    CHECK_OK(an_jpeg_encode(j, &img, 95, 1, &enc, &ecap, &elen));
    CHECK_OK(an_jpeg_decode(j, enc, elen, 0, &back));
    int maxd = 0;
    for (size_t i = 0; i < (size_t)48 * 40 * 3; i++) {
        int d = abs((int)img.px[i] - (int)back.px[i]);
        if (d > maxd) maxd = d;
    }
    CHECK(back.w == 48 && back.h == 40 && maxd <= 4, "JPEG round trip: %d×%d, max error %d", back.w,
          back.h, maxd);
    free(enc);
    an_image_free(&img);
    an_image_free(&back);
    an_jpeg_destroy(j);
    return check_done("test_data_decode");
}
