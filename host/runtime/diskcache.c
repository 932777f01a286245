/* host/runtime/diskcache.c - program binaries on disk, keyed on a hash of source, options, device,
 * driver and platform. An entry is trusted only if its magic, key, length and checksum all match;
 * anything else is ignored (and rebuilt). Entries are written atomically (util/atomic_file.h),
 * so a crash never leaves a half-written entry under a real name. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/progcache.h"
#include "runtime/runtime.h"
#include "util/atomic_file.h"
#include "util/mkdir_p.h"

#define CACHE_MAGIC "ANKCACH1"

/* The cache switch: -1 until decided (ALEXNET_KERNEL_CACHE read on first use), then 0 or 1. */
static _Atomic int cache_on = -1;

void an_kernel_cache_enable(int on) { cache_on = on ? 1 : 0; }

an_hash128 an_hash_init(void) {
    an_hash128 h = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
    return h;
}

an_hash128 an_hash_update(an_hash128 h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h.a = (h.a ^ p[i]) * 0x100000001b3ull;
        h.b = (h.b ^ p[i] ^ (h.a >> 29)) * 0x100000001b3ull;
    }
    return h;
}

const char *an_kernel_cache_dir(char *buf, size_t cap) {
    int on = cache_on;
    if (on < 0) {
        const char *e = getenv("ALEXNET_KERNEL_CACHE");
        on = !(e && (strcmp(e, "off") == 0 || strcmp(e, "0") == 0));
        int undecided = -1; /* an_kernel_cache_enable may have decided meanwhile */
        if (!atomic_compare_exchange_strong(&cache_on, &undecided, on)) on = undecided;
    }
    if (!on) return NULL;
    return an_cache_root(buf, cap);
}

const char *an_cache_root(char *buf, size_t cap) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(buf, cap, "%s/alexnet-cl", xdg);
    else if (home && *home)
        snprintf(buf, cap, "%s/.cache/alexnet-cl", home);
    else
        return NULL;
    return buf;
}

static void entry_path(char *buf, size_t cap, const char *dir, an_hash128 key) {
    snprintf(buf, cap, "%s/%016llx%016llx.bin", dir, (unsigned long long)key.a,
             (unsigned long long)key.b);
}

/* Header: magic[8], key.a, key.b, payload length, payload hash (all uint64, native order). */
typedef struct entry_header {
    char magic[8];
    uint64_t ka, kb, len, sum;
} entry_header;

an_status an_binary_cache_read(an_hash128 key, unsigned char **bin, size_t *len) {
    *bin = NULL;
    *len = 0;
    char root[4096];
    const char *dir = an_kernel_cache_dir(root, sizeof root);
    if (!dir) return an_error(AN_ERR_NOT_FOUND, "kernel cache off");
    char path[4200];
    entry_path(path, sizeof path, dir, key);
    FILE *f = fopen(path, "rb");
    if (!f) return an_error(AN_ERR_NOT_FOUND, "no cache entry %s", path);
    entry_header h;
    an_status s = AN_ERR_FORMAT;
    unsigned char *buf = NULL;
    if (fread(&h, sizeof h, 1, f) == 1 && memcmp(h.magic, CACHE_MAGIC, 8) == 0 &&
        h.ka == key.a && h.kb == key.b && h.len > 0 && h.len < ((uint64_t)1 << 32)) {
        buf = malloc(h.len);
        if (buf && fread(buf, 1, h.len, f) == h.len && fgetc(f) == EOF) {
            an_hash128 sum = an_hash_update(an_hash_init(), buf, h.len);
            if (sum.a == h.sum) s = AN_OK;
        }
    }
    fclose(f);
    if (s != AN_OK) {
        free(buf);
        return an_error(AN_ERR_FORMAT, "kernel cache entry %s is corrupt or stale; rebuilding",
                        path);
    }
    *bin = buf;
    *len = h.len;
    return AN_OK;
}

an_status an_binary_cache_write(an_hash128 key, const unsigned char *bin, size_t len) {
    char root[4096];
    const char *dir = an_kernel_cache_dir(root, sizeof root);
    if (!dir) return AN_OK;
    if (an_mkdir_p(dir) != AN_OK)
        return an_error_context(AN_ERR_IO, "creating the kernel cache %s", dir);
    char path[4200];
    entry_path(path, sizeof path, dir, key);
    entry_header h;
    memcpy(h.magic, CACHE_MAGIC, 8);
    h.ka = key.a;
    h.kb = key.b;
    h.len = len;
    h.sum = an_hash_update(an_hash_init(), bin, len).a;
    const void *parts[2] = {&h, bin};
    size_t lens[2] = {sizeof h, len};
    return an_write_atomic_parts(path, parts, lens, 2);
}
