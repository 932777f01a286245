/* test/fuzz/fuzz_weights.c - weights files (.anw, docs/WEIGHTS.md): the header alone, the net a
 * file describes, and the whole load into that net.
 *
 * The first input byte is a switch, the rest the file. With its low bit set the harness first
 * writes the right CRC-32 into every record it can frame, so that mutations reach the parsing
 * behind the checksums as well as the checksum checks themselves. Nets over 16 M parameters are
 * not loaded (an execution stays short). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/layout.h"
#include "net/netdesc.h"
#include "net/weights.h"
#include "util/crc32.h"

static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Records after the 16-byte preamble: tag, u64 length, body, u32 CRC of tag+length+body. */
static void fix_crcs(uint8_t *d, size_t n) {
    size_t p = 16;
    while (p + 16 <= n) {
        uint64_t len = get_u64(d + p + 4);
        if (len > n - p - 16) break;
        uint32_t crc = an_crc32(0, d + p, 12 + (size_t)len);
        for (int i = 0; i < 4; i++) d[p + 12 + len + (size_t)i] = (uint8_t)(crc >> (8 * i));
        p += 16 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    if (n < 1) return 0;
    uint8_t *file = malloc(n);
    if (!file) return 0;
    memcpy(file, data + 1, n - 1);
    if (data[0] & 1) fix_crcs(file, n - 1);
    const char *path = fuzz_write("w.anw", file, n - 1);
    free(file);

    an_weights_meta meta;
    if (an_weights_read_meta(path, &meta) == AN_OK) an_weights_meta_free(&meta);
    an_net *net = NULL;
    if (an_net_from_weights(path, &net) != AN_OK) return 0;
    an_layout lay;
    if (an_layout_whole(net, &lay) == AN_OK) {
        if (lay.whole_total <= ((size_t)16 << 20)) {
            float *whole = malloc((lay.whole_total + 1) * sizeof *whole);
            if (whole && an_weights_load(path, net, whole, &meta) == AN_OK)
                an_weights_meta_free(&meta);
            free(whole);
        }
        an_layout_free(&lay);
    }
    an_net_free(net);
    return 0;
}
