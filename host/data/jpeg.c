/* host/data/jpeg.c - JPEG decoding to RGB (greyscale, CMYK, YCCK included) through libjpeg's API,
 * with a fresh decompressor per file and libjpeg's warnings sorted into harmless ones and ones that
 * mean pixels are missing; encoding through TurboJPEG. The reasons for rejecting a file are spelled
 * out for the bad-file report. */
#include "data/jpeg.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include <turbojpeg.h>

/* More scans than this is no real JPEG (a progressive file has about ten) but a decoding-time
 * bomb: each scan makes libjpeg walk the whole image. TurboJPEG's TJFLAG_LIMITSCANS uses 500. */
#define AN_JPEG_MAX_SCANS 500

/* How the decode of one file ended. */
enum { DEC_OK, DEC_ERROR, DEC_LOST, DEC_NOMEM, DEC_LIMIT };

typedef struct dec_err {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int how;                      /* DEC_* */
    int warnings;                 /* harmless warnings seen (the decode went on) */
    char msg[JMSG_LENGTH_MAX];    /* the error, or the warning that stopped the decode */
    char warn[JMSG_LENGTH_MAX];   /* the first harmless warning */
} dec_err;

struct an_jpeg {
    /* The decompressor lives here rather than on decode's stack, so that it is well defined after
     * libjpeg's error handler longjmps back; it is created and destroyed around every file. */
    struct jpeg_decompress_struct cinfo;
    dec_err err;
    struct jpeg_progress_mgr progress;
    double max_pixels;
    tjhandle enc;
    uint8_t *cmyk;     /* scratch for CMYK decoding */
    size_t cmyk_cap;
};

an_status an_jpeg_create(an_jpeg **out) {
    an_jpeg *j = calloc(1, sizeof *j);
    if (!j) return an_error(AN_ERR_NOMEM, "out of memory for a JPEG decoder");
    j->max_pixels = AN_JPEG_MAX_PIXELS;
    j->enc = tjInitCompress();
    if (!j->enc) {
        an_jpeg_destroy(j);
        return an_error(AN_ERR_INTERNAL, "TurboJPEG initialisation failed: %s", tjGetErrorStr2(NULL));
    }
    *out = j;
    return AN_OK;
}

void an_jpeg_destroy(an_jpeg *j) {
    if (!j) return;
    if (j->enc) tjDestroy(j->enc);
    free(j->cmyk);
    free(j);
}

void an_jpeg_set_max_pixels(an_jpeg *j, double max_pixels) {
    j->max_pixels = max_pixels > 0 ? max_pixels : AN_JPEG_MAX_PIXELS;
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

/* libjpeg's warnings that lose no pixels: bytes skipped between markers (after a complete scan
 * or between header segments), and metadata libjpeg does not understand. Every other warning
 * (premature end of file or of a scan, a bad Huffman or arithmetic code, a missing restart marker,
 * an inconsistent progression) means part of the image was filled in rather than decoded. */
static int harmless_warning(int code) {
    return code == JWRN_EXTRANEOUS_DATA || code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC ||
           code == JWRN_ADOBE_XFORM;
}

static void on_error(j_common_ptr c) {
    dec_err *e = (dec_err *)c->err;
    e->how = c->err->msg_code == JERR_OUT_OF_MEMORY ? DEC_NOMEM : DEC_ERROR;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

static void on_message(j_common_ptr c, int level) {
    dec_err *e = (dec_err *)c->err;
    if (level >= 0) return; /* trace messages */
    if (harmless_warning(c->err->msg_code)) {
        if (e->warnings++ == 0) c->err->format_message(c, e->warn);
        return;
    }
    e->how = DEC_LOST;
    c->err->format_message(c, e->msg);
    longjmp(e->jump, 1);
}

static void on_output(j_common_ptr c) { (void)c; }

static void on_progress(j_common_ptr c) {
    j_decompress_ptr d = (j_decompress_ptr)c;
    dec_err *e = (dec_err *)c->err;
    if (d->input_scan_number > AN_JPEG_MAX_SCANS) {
        e->how = DEC_LIMIT;
        snprintf(e->msg, sizeof e->msg, "more than %d scans", AN_JPEG_MAX_SCANS);
        longjmp(e->jump, 1);
    }
}

/* Inverted CMYK (255-C etc.) to RGB: R = (255-C)(255-K)/255, rounded. */
static void cmyk_to_rgb(const uint8_t *cmyk, size_t np, int inverted, uint8_t *rgb) {
    for (size_t i = 0; i < np; i++) {
        const uint8_t *q = cmyk + 4 * i;
        unsigned c = q[0], m = q[1], y = q[2], k = q[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        rgb[3 * i + 0] = (uint8_t)((c * k + 127) / 255);
        rgb[3 * i + 1] = (uint8_t)((m * k + 127) / 255);
        rgb[3 * i + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

/* The libjpeg part of the decode: everything that can longjmp back. On return j->err.how says how
 * it ended; the decompressor is destroyed either way, so nothing of this file reaches the next. */
static void run_decode(an_jpeg *j, const uint8_t *data, size_t len, int min_short, an_image *img,
                       an_status *st) {
    j_decompress_ptr c = &j->cinfo;
    dec_err *e = &j->err;
    memset(c, 0, sizeof *c);
    memset(e, 0, sizeof *e);
    c->err = jpeg_std_error(&e->pub);
    e->pub.error_exit = on_error;
    e->pub.emit_message = on_message;
    e->pub.output_message = on_output;
    *st = AN_OK;
    if (setjmp(e->jump)) {
        jpeg_destroy_decompress(c);
        return;
    }
    jpeg_create_decompress(c);
    j->progress.progress_monitor = on_progress;
    c->progress = &j->progress;
    jpeg_mem_src(c, data, (unsigned long)len);
    jpeg_read_header(c, TRUE);
    int w = (int)c->image_width, h = (int)c->image_height;
    if ((double)w * h > j->max_pixels) {
        *st = an_error(AN_ERR_FORMAT, "unreasonable JPEG size %d×%d (more than %.0f pixels)", w, h,
                       j->max_pixels);
        jpeg_destroy_decompress(c);
        return;
    }
    int cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
    c->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    /* The smallest DCT scaling k/8 (k = 1..8) that keeps the shorter side >= min_short. */
    int k = 8;
    if (min_short > 0) {
        for (k = 1; k < 8; k++) {
            long sw = ((long)w * k + 7) / 8, sh = ((long)h * k + 7) / 8;
            if ((sw < sh ? sw : sh) >= min_short) break;
        }
    }
    c->scale_num = (unsigned)k;
    c->scale_denom = 8;
    jpeg_start_decompress(c);
    int ow = (int)c->output_width, oh = (int)c->output_height, nc = c->output_components;
    if (nc != (cmyk ? 4 : 3)) {
        *st = an_error(AN_ERR_FORMAT, "JPEG decodes to %d components, not %d", nc, cmyk ? 4 : 3);
        jpeg_destroy_decompress(c);
        return;
    }
    *st = an_image_reserve(img, ow, oh);
    uint8_t *dst = img->px;
    if (*st == AN_OK && cmyk) {
        size_t need = (size_t)ow * oh * 4;
        if (need > j->cmyk_cap) {
            uint8_t *p = realloc(j->cmyk, need);
            if (!p) *st = an_error(AN_ERR_NOMEM, "out of memory decoding a %d×%d CMYK JPEG", w, h);
            else {
                j->cmyk = p;
                j->cmyk_cap = need;
            }
        }
        dst = j->cmyk;
    }
    if (*st != AN_OK) {
        jpeg_destroy_decompress(c);
        return;
    }
    size_t stride = (size_t)ow * nc;
    while (c->output_scanline < c->output_height) {
        JSAMPROW rows[8];
        int n = 0;
        for (unsigned y = c->output_scanline; y < c->output_height && n < 8; y++)
            rows[n++] = dst + y * stride;
        if (jpeg_read_scanlines(c, rows, (JDIMENSION)n) == 0) {
            *st = an_error(AN_ERR_FORMAT, "JPEG decoding stalled at row %u of %d",
                           c->output_scanline, oh);
            jpeg_destroy_decompress(c);
            return;
        }
    }
    jpeg_finish_decompress(c);
    jpeg_destroy_decompress(c);
    if (cmyk) cmyk_to_rgb(j->cmyk, (size_t)ow * oh, has_adobe_marker(data, len), img->px);
}

an_status an_jpeg_decode(an_jpeg *j, const uint8_t *data, size_t len, int min_short, an_image *img) {
    if (len < 3 || data[0] != 0xff || data[1] != 0xd8) return not_jpeg(data, len);
    if (len > (size_t)0x7fffffff) return an_error(AN_ERR_FORMAT, "JPEG too large (%zu bytes)", len);
    an_status st;
    run_decode(j, data, len, min_short, img, &st);
    switch (j->err.how) {
    case DEC_ERROR: return an_error(AN_ERR_FORMAT, "bad JPEG: %s", j->err.msg);
    case DEC_LOST:
        return an_error(AN_ERR_FORMAT, "incomplete JPEG (pixels missing): %s", j->err.msg);
    case DEC_LIMIT: return an_error(AN_ERR_FORMAT, "unreasonable JPEG: %s", j->err.msg);
    case DEC_NOMEM: return an_error(AN_ERR_NOMEM, "out of memory decoding a JPEG: %s", j->err.msg);
    default: return st;
    }
}

int an_jpeg_warnings(const an_jpeg *j, const char **first) {
    if (first) *first = j->err.warnings ? j->err.warn : NULL;
    return j->err.warnings;
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
                    TJFLAG_NOREALLOC) != 0) {
        an_status st =
            an_error(AN_ERR_INTERNAL, "JPEG encoding failed: %s", tjGetErrorStr2(j->enc));
        /* a fresh compressor for the next image: a failed one keeps its error state */
        tjDestroy(j->enc);
        j->enc = tjInitCompress();
        if (!j->enc)
            return an_error(AN_ERR_INTERNAL, "TurboJPEG initialisation failed: %s",
                            tjGetErrorStr2(NULL));
        return st;
    }
    *len = size;
    return AN_OK;
}
