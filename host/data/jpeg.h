/* host/data/jpeg.h - JPEG decoding (libjpeg-turbo's libjpeg API) and encoding (its TurboJPEG API).
 *
 * Decoding always yields RGB: greyscale JPEGs are expanded, CMYK and YCCK JPEGs are converted
 * (inverted Adobe CMYK is recognised by its APP14 marker, as PIL does). A file that does not decode
 * to a complete image fails with AN_ERR_FORMAT and the reason in an_last_error(): an empty file,
 * another format (a PNG named .JPEG is named as such), a fatal libjpeg error (a corrupt header or
 * table, a missing scan, bogus dimensions), or a libjpeg warning that means pixels are missing
 * ("Premature end of JPEG file", a corrupt entropy-coded segment: a half-grey image is worse than a
 * skipped one). Warnings that lose no pixels (extraneous bytes between markers, unknown metadata)
 * are counted and the image kept: it is then the same image PIL gives. docs/DATA.md has the list.
 *
 * Every decode uses a fresh libjpeg decompressor, so that nothing of one file (an error state, its
 * quantisation or Huffman tables) reaches the next. One an_jpeg per thread. */
#ifndef AN_DATA_JPEG_H
#define AN_DATA_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "data/image.h"
#include "util/try.h"

typedef struct an_jpeg an_jpeg;

an_status an_jpeg_create(an_jpeg **out);
void an_jpeg_destroy(an_jpeg *j);

/* The largest image (width × height) decode accepts; larger ones fail as unreasonable. */
#define AN_JPEG_MAX_PIXELS 400e6
void an_jpeg_set_max_pixels(an_jpeg *j, double max_pixels); /* <= 0: the default */

/* Decode data[0..len) into img (RGB). When min_short > 0, libjpeg-turbo's DCT scaling (1/8 to
 * 7/8) shrinks the image while decoding as far as its shorter side stays >= min_short: the same
 * result for the resize that follows, several times faster on large photos. */
an_status an_jpeg_decode(an_jpeg *j, const uint8_t *data, size_t len, int min_short, an_image *img);

/* The harmless warnings of the last decode (and the first one's text in *first, else NULL). */
int an_jpeg_warnings(const an_jpeg *j, const char **first);

/* Encode img as a baseline JPEG of the given quality (1..100); 4:4:4 chroma when full_chroma,
 * else 4:2:0. *out is reallocated as needed (capacity in *cap) and *len set. */
an_status an_jpeg_encode(an_jpeg *j, const an_image *img, int quality, int full_chroma,
                         uint8_t **out, size_t *cap, size_t *len);

#endif
