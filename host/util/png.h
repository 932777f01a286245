/* host/util/png.h - a minimal PNG writer: 8-bit greyscale or RGB, no filtering, the image data
 * in zlib "stored" (uncompressed) deflate blocks, with the chunks' CRC-32 and zlib's Adler-32.
 * Every PNG reader accepts it; files are about the size of the raw pixels. */
#ifndef AN_UTIL_PNG_H
#define AN_UTIL_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"

/* Write a width × height image of `channels` (1: grey, 3: RGB) bytes per pixel, rows top to
 * bottom, to path (atomically). */
an_status an_png_write(const char *path, int width, int height, int channels,
                       const uint8_t *pixels);

/* The PNG file in memory (*out malloc'ed, *len bytes): what an_png_write writes. */
an_status an_png_encode(int width, int height, int channels, const uint8_t *pixels,
                        uint8_t **out, size_t *len);

#endif
