/* host/data/jpeg.c - TurboJPEG decoding to RGB (greyscale, CMYK, YCCK included) and encoding,
 * with the reasons for rejecting a file spelled out for the bad-file report. */
#include "data/jpeg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

struct an_jpeg {
    tjhandle dec, enc;
    uint8_t *cmyk;     /* scratch for CMYK decoding */
    size_t cmyk_cap;
};

an_status an_jpeg_create(an_jpeg **out) {
    an_jpeg *j = calloc(1, sizeof *j);
    if (!j) return an_error(AN_ERR_NOMEM, "out of memory for a JPEG decoder");
    j->dec = tjInitDecompress();
    j->enc = tjInitCompress();
    if (!j->dec || !j->enc) {
        an_jpeg_destroy(j);
        return an_error(AN_ERR_INTERNAL, "TurboJPEG initialisation failed: %s", tjGetErrorStr2(NULL));
    }
    *out = j;
    return AN_OK;
}

void an_jpeg_destroy(an_jpeg *j) {
    if (!j) return;
    if (j->dec) tjDestroy(j->dec);
    if (j->enc) tjDestroy(j->enc);
    free(j->cmyk);
    free(j);
}

/* Name what the bytes are when they are not a JPEG. */
static an_status not_jpeg(const uint8_t *d, size_t len) {
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len == 0) return an_error(AN_ERR_FORMAT, "empty file (0 bytes)");
    if (len >= 8 && memcmp(d, png, 8) == 0) return an_error(AN_ERR_FORMAT, "not a JPEG: PNG data");
    if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return an_error(AN_ERR_FORMAT, "not a JPEG: GIF data");
    if (len >= 2 && d[0] == 'B' && d[1] == 'M') return an_error(AN_ERR_FORMAT, "not a JPEG: BMP data");
    if (len < 2) return an_error(AN_ERR_FORMAT, "not a JPEG: %zu byte(s)", len);
    return an_error(AN_ERR_FORMAT, "not a JPEG: starts with 0x%02x 0x%02x (want 0xff 0xd8)", d[0],
                    d[1]);
}

/* 1 when the JPEG carries an Adobe APP14 marker (its CMYK values are stored inverted). */
static int has_adobe_marker(const uint8_t *d, size_t len) {
    size_t p = 2;
    while (p + 4 <= len) {
        if (d[p] != 0xff) return 0;
        uint8_t m = d[p + 1];
        if (m == 0xff) { p++; continue; }
        if (m == 0xda || m == 0xd9) return 0; /* start of scan, end of image */
        size_t seg = (size_t)d[p + 2] << 8 | d[p + 3];
        if (m == 0xee && seg >= 7 && p + 4 + 5 <= len && memcmp(d + p + 4, "Adobe", 5) == 0) return 1;
        p += 2 + seg;
    }
    return 0;
}

static an_status tj_fail(tjhandle h, const char *what) {
    const char *msg = tjGetErrorStr2(h);
    if (tjGetErrorCode(h) == TJERR_WARNING)
        return an_error(AN_ERR_FORMAT, "corrupt JPEG (%s): %s", what, msg);
    return an_error(AN_ERR_FORMAT, "%s failed: %s", what, msg);
}

an_status an_jpeg_decode(an_jpeg *j, const uint8_t *data, size_t len, int min_short, an_image *img) {
    if (len < 3 || data[0] != 0xff || data[1] != 0xd8) return not_jpeg(data, len);
    if (len > (size_t)0x7fffffff) return an_error(AN_ERR_FORMAT, "JPEG too large (%zu bytes)", len);
    int w, h, subsamp, cs;
    if (tjDecompressHeader3(j->dec, data, (unsigned long)len, &w, &h, &subsamp, &cs) != 0)
        return tj_fail(j->dec, "reading the JPEG header");
    if (w <= 0 || h <= 0 || (double)w * h > 400e6)
        return an_error(AN_ERR_FORMAT, "unreasonable JPEG size %d×%d", w, h);

    /* The smallest DCT scaling (<= 1) that keeps the shorter side >= min_short. */
    int n = 0, sw = w, sh = h;
    tjscalingfactor *sf = tjGetScalingFactors(&n);
    if (min_short > 0 && sf) {
        for (int i = 0; i < n; i++) {
            if (sf[i].num > sf[i].denom) continue;
            int tw = TJSCALED(w, sf[i]), th = TJSCALED(h, sf[i]);
            int s = tw < th ? tw : th;
            if (s >= min_short && (long)tw * th < (long)sw * sh) {
                sw = tw;
                sh = th;
            }
        }
    }
    AN_TRY(an_image_reserve(img, sw, sh));
    int flags = TJFLAG_STOPONWARNING;
    if (cs == TJCS_CMYK || cs == TJCS_YCCK) {
        size_t need = (size_t)sw * sh * 4;
        if (need > j->cmyk_cap) {
            uint8_t *p = realloc(j->cmyk, need);
            if (!p) return an_error(AN_ERR_NOMEM, "out of memory decoding a %d×%d CMYK JPEG", w, h);
            j->cmyk = p;
            j->cmyk_cap = need;
        }
        if (tjDecompress2(j->dec, data, (unsigned long)len, j->cmyk, sw, 0, sh, TJPF_CMYK, flags) != 0)
            return tj_fail(j->dec, "decoding");
        /* Photoshop's (Adobe) CMYK is stored inverted: there the bytes already are 255-C etc. */
        int inverted = has_adobe_marker(data, len);
        size_t np = (size_t)sw * sh;
        for (size_t i = 0; i < np; i++) {
            const uint8_t *q = j->cmyk + 4 * i;
            unsigned c = q[0], m = q[1], y = q[2], k = q[3];
            if (!inverted) {
                c = 255 - c;
                m = 255 - m;
                y = 255 - y;
                k = 255 - k;
            }
            /* now c = 255-C etc.: R = (255-C)(255-K)/255, rounded */
            img->px[3 * i + 0] = (uint8_t)((c * k + 127) / 255);
            img->px[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
            img->px[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
        }
        return AN_OK;
    }
    if (tjDecompress2(j->dec, data, (unsigned long)len, img->px, sw, 0, sh, TJPF_RGB, flags) != 0)
        return tj_fail(j->dec, "decoding");
    return AN_OK;
}

an_status an_jpeg_encode(an_jpeg *j, const an_image *img, int quality, int full_chroma,
                         uint8_t **out, size_t *cap, size_t *len) {
    if (quality < 1 || quality > 100) return an_error(AN_ERR_INVALID_ARG, "JPEG quality %d", quality);
    int ss = full_chroma ? TJSAMP_444 : TJSAMP_420;
    unsigned long bound = tjBufSize(img->w, img->h, ss);
    if (bound > *cap) {
        uint8_t *p = realloc(*out, bound);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory encoding a JPEG");
        *out = p;
        *cap = bound;
    }
    unsigned long size = (unsigned long)*cap;
    unsigned char *dst = *out;
    if (tjCompress2(j->enc, img->px, img->w, 0, img->h, TJPF_RGB, &dst, &size, ss, quality,
                    TJFLAG_NOREALLOC) != 0)
        return an_error(AN_ERR_INTERNAL, "JPEG encoding failed: %s", tjGetErrorStr2(j->enc));
    *len = size;
    return AN_OK;
}

an_status an_read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return an_error(AN_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t n = 0;
    for (;;) {
        if (n == *cap) {
            size_t nc = *cap ? *cap * 2 : 1 << 16;
            uint8_t *p = realloc(*buf, nc);
            if (!p) {
                fclose(f);
                return an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
            }
            *buf = p;
            *cap = nc;
        }
        size_t got = fread(*buf + n, 1, *cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) return an_error(AN_ERR_IO, "cannot read %s", path);
    *len = n;
    return AN_OK;
}
