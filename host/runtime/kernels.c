/* host/runtime/kernels.c - find a kernel source: ALEXNET_KERNEL_DIR/<name>.cl, else the copy
 * embedded at build time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernels.h"
#include "util/read_file.h"

static an_status read_file(const char *path, char **out) {
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    an_status s = an_read_file(path, &buf, &cap, &len);
    if (s != AN_OK) {
        free(buf);
        return an_error_context(s, "kernel source");
    }
    *out = (char *)buf;
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
