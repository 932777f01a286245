/* host/train/checkpoint.c - saving and verifying training checkpoints. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "net/weights.h"
#include "train/checkpoint.h"
#include "util/atomic_file.h"
#include "util/crc32.h"

#define MAGIC "ANCKPT01"

an_status an_ckpt_save(const char *path, const char *kv, const char *net_text, size_t floats,
                       const float *params, const float *momentum) {
    uint32_t hl = (uint32_t)strlen(kv), dl = (uint32_t)strlen(net_text);
    uint64_t w = floats;
    const void *parts[8] = {MAGIC, &hl, kv, &dl, net_text, &w, params, momentum};
    size_t lens[9] = {8, 4, hl, 4, dl, 8, floats * sizeof(float), floats * sizeof(float), 4};
    uint32_t crc = 0;
    for (int i = 0; i < 8; i++) crc = an_crc32(crc, parts[i], lens[i]);
    const void *all[9];
    memcpy(all, parts, sizeof parts);
    all[8] = &crc;
    return an_write_atomic_parts(path, all, lens, 9);
}

void an_ckpt_free(an_ckpt *c) {
    free(c->kv);
    free(c->net_text);
    free(c->params);
    free(c->momentum);
    memset(c, 0, sizeof *c);
}

static an_status corrupt(const char *path, const char *why) {
    return an_error(AN_ERR_FORMAT,
                    "checkpoint %s is corrupt (%s): it was not written completely or was damaged; "
                    "resume from an older checkpoint in the same run directory, or start again",
                    path, why);
}

an_status an_ckpt_load(const char *path, an_ckpt *c) {
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f)
        return an_error(AN_ERR_NOT_FOUND, "cannot open checkpoint %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 8 + 4 + 4 + 8 + 4) {
        fclose(f);
        return corrupt(path, "too short");
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size);
    if (!buf) {
        fclose(f);
        return an_error(AN_ERR_NOMEM, "out of host memory reading %s (%zu bytes)", path, size);
    }
    size_t got = fread(buf, 1, size, f);
    fclose(f);
    an_status s = AN_OK;
    uint32_t hl, dl, crc;
    uint64_t w;
    size_t p = 8;
    if (got != size) s = an_error(AN_ERR_IO, "error reading checkpoint %s", path);
    else if (memcmp(buf, MAGIC, 8) != 0)
        s = corrupt(path, "not an alexnet-cl checkpoint: bad magic");
    if (s == AN_OK) {
        memcpy(&crc, buf + size - 4, 4);
        if (an_crc32(0, buf, size - 4) != crc) s = corrupt(path, "checksum mismatch");
    }
    if (s == AN_OK) {
        memcpy(&hl, buf + p, 4);
        p += 4;
        /* each length leaves room for what follows it: u32 D, u64 W and the u32 CRC */
        if (hl > size - p - (4 + 8 + 4)) s = corrupt(path, "bad header length");
    }
    if (s == AN_OK) {
        c->kv = strndup((const char *)buf + p, hl);
        p += hl;
        memcpy(&dl, buf + p, 4);
        p += 4;
        if (dl > size - p - (8 + 4)) s = corrupt(path, "bad description length");
    }
    if (s == AN_OK) {
        c->net_text = strndup((const char *)buf + p, dl);
        p += dl;
        memcpy(&w, buf + p, 8);
        p += 8;
        if (w > (size - p) / 8 || p + 2 * w * sizeof(float) + 4 != size)
            s = corrupt(path, "parameter count does not match the file size");
    }
    if (s == AN_OK) {
        c->floats = (size_t)w;
        c->params = malloc(c->floats * sizeof(float) + 1);
        c->momentum = malloc(c->floats * sizeof(float) + 1);
        if (!c->kv || !c->net_text || !c->params || !c->momentum)
            s = an_error(AN_ERR_NOMEM, "out of host memory reading %s", path);
    }
    if (s == AN_OK) {
        memcpy(c->params, buf + p, c->floats * sizeof(float));
        memcpy(c->momentum, buf + p + c->floats * sizeof(float), c->floats * sizeof(float));
    }
    free(buf);
    if (s != AN_OK) an_ckpt_free(c);
    return s;
}

int an_kv_get(const char *kv, const char *key, char *buf, size_t n) {
    size_t kl = strlen(key);
    for (const char *line = kv; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > kl && strncmp(line, key, kl) == 0 && line[kl] == '=') {
            size_t vl = len - kl - 1;
            if (vl >= n) vl = n - 1;
            memcpy(buf, line + kl + 1, vl);
            buf[vl] = 0;
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}
