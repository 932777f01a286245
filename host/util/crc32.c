/* host/util/crc32.c - table-driven CRC-32 (slice-by-8) and CRC-32C; the tables are built once
 * per process through pthread_once and only read afterwards. */
#include <pthread.h>

#include "util/crc32.h"

#define POLY_CRC32 0xEDB88320u  /* reflected 0x04C11DB7 */
#define POLY_CRC32C 0x82F63B78u /* reflected 0x1EDC6F41 */

static struct {
    pthread_once_t once;
    uint32_t ieee[8][256];
    uint32_t castagnoli[256];
} tables = {.once = PTHREAD_ONCE_INIT};

static uint32_t byte_crc(uint32_t poly, uint32_t c) {
    for (int k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >> 1) : c >> 1;
    return c;
}

static void tables_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        tables.ieee[0][i] = byte_crc(POLY_CRC32, i);
        tables.castagnoli[i] = byte_crc(POLY_CRC32C, i);
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            tables.ieee[t][i] =
                (tables.ieee[t - 1][i] >> 8) ^ tables.ieee[0][tables.ieee[t - 1][i] & 0xFF];
}

uint32_t an_crc32(uint32_t crc, const void *data, size_t n) {
    pthread_once(&tables.once, tables_init);
    uint32_t(*tb)[256] = tables.ieee;
    const unsigned char *p = data;
    crc = ~crc;
    while (n >= 8) {
        uint32_t a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                            (uint32_t)p[3] << 24);
        crc = tb[7][a & 0xFF] ^ tb[6][(a >> 8) & 0xFF] ^ tb[5][(a >> 16) & 0xFF] ^ tb[4][a >> 24] ^
              tb[3][p[4]] ^ tb[2][p[5]] ^ tb[1][p[6]] ^ tb[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--) crc = tb[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

uint32_t an_crc32c(uint32_t crc, const void *data, size_t n) {
    pthread_once(&tables.once, tables_init);
    const unsigned char *p = data;
    crc = ~crc;
    while (n--) crc = tables.castagnoli[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}
