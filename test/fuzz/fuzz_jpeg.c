/* test/fuzz/fuzz_jpeg.c - JPEG decode, resize and centre crop: the path of `prepare` and of the
 * raw-folder loader (and, with no DCT scaling, of JPEG shard records).
 *
 * The input is a file's bytes; its length picks the stored side (8..64) and whether DCT scaling
 * is asked for, so that any JPEG is a seed. Properties: a decode that succeeds gives an image whose
 * shorter side is at least the request (or the whole image), the crop is size×size; and after a
 * file fails, a known good JPEG decodes on the same decoder exactly as before (no trace). Images
 * over 1 Mpixel are refused (an_jpeg_set_max_pixels) so that an execution stays short. */
#include <stdlib.h>
#include <string.h>

#include "data/image.h"
#include "data/jpeg.h"
#include "fuzz.h"

static an_jpeg *dec;
static an_resizer rs;
static an_image img, fit, ref, again;
static uint8_t *good;
static size_t good_len;

/* A small JPEG of our own and its decoding, for the no-trace check. */
static void setup(void) {
    if (an_jpeg_create(&dec) != AN_OK) fuzz_fail("an_jpeg_create: %s", an_last_error());
    an_jpeg_set_max_pixels(dec, 1 << 20);
    an_image src = {0};
    if (an_image_reserve(&src, 24, 16) != AN_OK) fuzz_fail("out of memory");
    for (int i = 0; i < 24 * 16 * 3; i++) src.px[i] = (uint8_t)(i * 7 + (i / 72) * 13);
    size_t cap = 0;
    if (an_jpeg_encode(dec, &src, 90, 0, &good, &cap, &good_len) != AN_OK ||
        an_jpeg_decode(dec, good, good_len, 0, &ref) != AN_OK)
        fuzz_fail("encoding the reference JPEG: %s", an_last_error());
    an_image_free(&src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    if (!dec) setup();
    int size = 8 + (int)(n % 57);
    int min_short = (n / 57) % 2 ? size : 0;
    an_status s = an_jpeg_decode(dec, data, n, min_short, &img);
    if (s == AN_OK) {
        int shorter = img.w < img.h ? img.w : img.h;
        if (img.w <= 0 || img.h <= 0 || (double)img.w * img.h > (1 << 20))
            fuzz_fail("decoded a %d×%d image", img.w, img.h);
        if (min_short > 0 && shorter < min_short) {
            /* only an image already smaller than the request may come out smaller */
            int w = img.w, h = img.h;
            if (an_jpeg_decode(dec, data, n, 0, &img) != AN_OK || img.w != w || img.h != h)
                fuzz_fail("scaled decode to %d×%d for a shorter side of at least %d (unscaled "
                          "%d×%d)", w, h, min_short, img.w, img.h);
        }
        s = an_image_fit(&rs, &img, size, &fit);
        if (s != AN_OK && s != AN_ERR_NOMEM) fuzz_fail("fit failed: %s", an_last_error());
        if (s == AN_OK && (fit.w != size || fit.h != size))
            fuzz_fail("fit gave %d×%d, not %d×%d", fit.w, fit.h, size, size);
    } else {
        if (s != AN_ERR_FORMAT && s != AN_ERR_NOMEM)
            fuzz_fail("decode failed with status %d: %s", s, an_last_error());
        if (an_jpeg_decode(dec, good, good_len, 0, &again) != AN_OK || again.w != ref.w ||
            again.h != ref.h || memcmp(again.px, ref.px, (size_t)ref.w * ref.h * 3) != 0)
            fuzz_fail("a good JPEG decodes differently after a failed one");
    }
    return 0;
}
