/* host/data/jpeg.h - JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API.
 *
 * Decoding always yields RGB: greyscale JPEGs are expanded, CMYK and YCCK JPEGs are converted
 * (inverted Adobe CMYK is recognised by its APP14 marker, as PIL does). Anything that is not a
 * clean JPEG fails with AN_ERR_FORMAT and the reason in an_last_error(): an empty file, another
 * format (a PNG named .JPEG is named as such), a corrupt header, a truncated or corrupt scan
 * (libjpeg's warnings, such as "Premature end of JPEG file", count as failures: a half-grey image
 * is worse than a skipped one). One an_jpeg per thread. */
#ifndef AN_DATA_JPEG_H
#define AN_DATA_JPEG_H

#include <stddef.h>
#include <stdint.h>

#include "data/image.h"
#include "runtime/clcheck.h"

typedef struct an_jpeg an_jpeg;

an_status an_jpeg_create(an_jpeg **out);
void an_jpeg_destroy(an_jpeg *j);

/* Decode data[0..len) into img (RGB). When min_short > 0, libjpeg-turbo's DCT scaling (1/8 to
 * 7/8) shrinks the image while decoding as far as its shorter side stays >= min_short: the same
 * result for the resize that follows, several times faster on large photos. */
an_status an_jpeg_decode(an_jpeg *j, const uint8_t *data, size_t len, int min_short, an_image *img);

/* Encode img as a baseline JPEG of the given quality (1..100); 4:4:4 chroma when full_chroma,
 * else 4:2:0. *out is reallocated as needed (capacity in *cap) and *len set. */
an_status an_jpeg_encode(an_jpeg *j, const an_image *img, int quality, int full_chroma,
                         uint8_t **out, size_t *cap, size_t *len);

/* Read a whole file into *buf (reallocated as needed; capacity *cap), its size into *len. */
an_status an_read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len);

#endif
