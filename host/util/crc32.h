/* host/util/crc32.h - the two CRCs the file formats need: CRC-32 (IEEE 802.3, as zlib's crc32;
 * weights files, checkpoints, PNG chunks) and CRC-32C (Castagnoli; TensorBoard's TFRecords). */
#ifndef AN_UTIL_CRC32_H
#define AN_UTIL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc = an_crc32(crc, data, n), starting from 0; feeding a buffer in pieces gives the same. */
uint32_t an_crc32(uint32_t crc, const void *data, size_t n);

/* The same with the Castagnoli polynomial. */
uint32_t an_crc32c(uint32_t crc, const void *data, size_t n);

#endif
