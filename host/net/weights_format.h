/* host/net/weights_format.h - what the weights writer and reader share: the file's constants
 * and little-endian integer packing (the format itself: docs/WEIGHTS.md). */
#ifndef AN_NET_WEIGHTS_FORMAT_H
#define AN_NET_WEIGHTS_FORMAT_H

#include <stdint.h>

#define MAGIC "ALEXNETW"
#define DATA_ALIGN 64            /* tensor data starts at a multiple of this file offset */
#define MAX_HEAD_BYTES (64u << 20)
#define MAX_NAME_BYTES 255u
#define MAX_NDIM 8u
#define CHUNK (4u << 20)

static inline int host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static inline void put_u32(unsigned char *b, uint32_t v) {
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}
static inline void put_u64(unsigned char *b, uint64_t v) {
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}
static inline uint32_t get_u32(const unsigned char *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t get_u64(const unsigned char *b) {
    return (uint64_t)get_u32(b) | (uint64_t)get_u32(b + 4) << 32;
}

#endif
