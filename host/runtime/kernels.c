/* host/runtime/kernels.c - find a kernel source: ALEXNET_KERNEL_DIR/<name>.cl, else the copy
 * embedded at build time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernels.h"

static an_status read_file(const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return an_error(AN_ERR_NOT_FOUND, "cannot open kernel file %s: %s", path,
                        strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *g = realloc(buf, cap);
            if (!g) {
                free(buf);
                fclose(f);
                return an_error(AN_ERR_NOMEM, "out of host memory reading %s", path);
            }
            buf = g;
        }
        size_t r = fread(buf + len, 1, 4096, f);
        len += r;
        if (r < 4096) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return an_error(AN_ERR_IO, "error reading kernel file %s", path);
    }
    buf[len] = 0;
    *out = buf;
    return AN_OK;
}

an_status an_kernel_source_get(const char *name, char **src) {
    *src = NULL;
    const char *dir = getenv("ALEXNET_KERNEL_DIR");
    if (dir && *dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.cl", dir, name);
        return read_file(path, src);
    }
    for (const an_kernel_source *k = an_embedded_kernels; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            *src = strdup(k->source);
            return *src ? AN_OK : an_error(AN_ERR_NOMEM, "out of host memory");
        }
    }
    return an_error(AN_ERR_NOT_FOUND,
                    "no kernel file cl/%s.cl is built into this binary (rebuild after adding it, "
                    "or set ALEXNET_KERNEL_DIR to the cl/ directory)", name);
}
