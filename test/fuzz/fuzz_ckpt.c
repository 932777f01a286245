/* test/fuzz/fuzz_ckpt.c - checkpoints (host/train/checkpoint.h), as `train --resume` reads them:
 * the file, its key=value lines, and the net description inside.
 *
 * The first input byte is a switch, the rest the file. With its low bit set the harness first
 * writes the right CRC-32 over the file into its last four bytes, so that mutations reach the
 * parsing behind the checksum as well as the check itself. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/netdesc.h"
#include "net/weights.h"
#include "train/checkpoint.h"
#include "util/crc32.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    if (n < 1) return 0;
    size_t len = n - 1;
    uint8_t *file = malloc(n);
    if (!file) return 0;
    memcpy(file, data + 1, len);
    if ((data[0] & 1) && len >= 4) {
        uint32_t crc = an_crc32(0, file, len - 4);
        memcpy(file + len - 4, &crc, 4);
    }
    const char *path = fuzz_write("c.ckpt", file, len);
    free(file);
    an_ckpt c;
    if (an_ckpt_load(path, &c) != AN_OK) return 0;
    char v[256];
    an_kv_get(c.kv, "iteration", v, sizeof v);
    an_kv_get(c.kv, "net", v, sizeof v);
    an_net *net = NULL;
    if (an_net_parse(c.net_text, "checkpoint", &net) == AN_OK) an_net_free(net);
    if (c.floats > 0) {
        volatile float sum = c.params[0] + c.params[c.floats - 1] + c.momentum[0] +
                             c.momentum[c.floats - 1];
        (void)sum;
    }
    an_ckpt_free(&c);
    return 0;
}
