/* host/util/png.c - PNG files written by hand (ISO/IEC 15948 and RFC 1950/1951): signature,
 * IHDR, one IDAT holding a zlib stream of stored deflate blocks (each scanline prefixed by
 * filter type 0), IEND. */
#include "util/png.h"

#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"
#include "util/crc32.h"

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A chunk at p: length, type, data (already at p + 8), CRC of type and data. Returns its size. */
static size_t chunk(uint8_t *p, const char *type, size_t len) {
    put32(p, (uint32_t)len);
    memcpy(p + 4, type, 4);
    put32(p + 8 + len, an_crc32(0, p + 4, len + 4));
    return len + 12;
}

an_status an_png_encode(int width, int height, int channels, const uint8_t *pixels,
                        uint8_t **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (width < 1 || height < 1 || width > (1 << 24) || height > (1 << 24) ||
        (channels != 1 && channels != 3))
        return an_error(AN_ERR_INVALID_ARG, "png: a %d×%d image of %d channels (1 or 3)", width,
                        height, channels);
    size_t row = (size_t)width * (size_t)channels + 1; /* filter byte + pixels */
    size_t raw = row * (size_t)height;
    size_t blocks = raw / 65535 + 1;
    size_t zlen = 2 + raw + 5 * blocks + 4;
    if (zlen > 0x7FFFFFFFu)
        return an_error(AN_ERR_INVALID_ARG, "png: a %d×%d image is too large", width, height);
    size_t total = 8 + 25 + (12 + zlen) + 12;
    uint8_t *f = malloc(total);
    if (!f) return an_error(AN_ERR_NOMEM, "png: out of memory for %zu bytes", total);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    memcpy(f, sig, 8);
    size_t at = 8;
    uint8_t *h = f + at + 8;
    put32(h, (uint32_t)width);
    put32(h + 4, (uint32_t)height);
    h[8] = 8;                        /* bit depth */
    h[9] = channels == 3 ? 2 : 0;    /* colour type: truecolour or greyscale */
    h[10] = h[11] = h[12] = 0;       /* deflate, adaptive filtering, no interlace */
    at += chunk(f + at, "IHDR", 13);

    uint8_t *z = f + at + 8, *q = z;
    *q++ = 0x78; /* CM 8 (deflate), 32 K window */
    *q++ = 0x01; /* no dictionary, fastest; (0x78·256 + 0x01) % 31 == 0 */
    uint32_t a = 1, b = 0;           /* Adler-32 of the uncompressed data */
    size_t left = raw, y = 0, x = 0; /* position in the scanlines */
    while (left > 0) {
        size_t n = left < 65535 ? left : 65535;
        *q++ = left == n ? 1 : 0;    /* BFINAL, BTYPE 00 (stored) */
        *q++ = (uint8_t)n;
        *q++ = (uint8_t)(n >> 8);
        *q++ = (uint8_t)~n;
        *q++ = (uint8_t)(~n >> 8);
        for (size_t i = 0; i < n; i++) {
            uint8_t v = x == 0 ? 0 : pixels[y * (row - 1) + x - 1];
            if (++x == row) {
                x = 0;
                y++;
            }
            *q++ = v;
            a = (a + v) % 65521u;
            b = (b + a) % 65521u;
        }
        left -= n;
    }
    put32(q, (b << 16) | a);
    q += 4;
    at += chunk(f + at, "IDAT", (size_t)(q - z));
    at += chunk(f + at, "IEND", 0);
    *out = f;
    *len = at;
    return AN_OK;
}

an_status an_png_write(const char *path, int width, int height, int channels,
                       const uint8_t *pixels) {
    uint8_t *f;
    size_t n;
    an_status s = an_png_encode(width, height, channels, pixels, &f, &n);
    if (s != AN_OK) return s;
    s = an_write_atomic(path, f, n);
    free(f);
    return s;
}
