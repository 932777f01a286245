/* host/util/read_file.c - whole-file reads into a growing buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/read_file.h"

an_status an_read_file_max(const char *path, size_t max, uint8_t **buf, size_t *cap, size_t *len) {
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return an_error(errno == ENOENT ? AN_ERR_NOT_FOUND : AN_ERR_IO, "cannot open %s: %s",
                        path, strerror(errno));
    size_t n = 0;
    for (;;) {
        if (n + 1 >= *cap) { /* room for at least one more byte and the NUL */
            size_t nc = *cap ? *cap * 2 : 1 << 16;
            uint8_t *p = realloc(*buf, nc);
            if (!p) {
                fclose(f);
                return an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
            }
            *buf = p;
            *cap = nc;
        }
        size_t got = fread(*buf + n, 1, *cap - 1 - n, f);
        n += got;
        if (max && n > max) {
            fclose(f);
            return an_error(AN_ERR_INVALID_ARG, "%s is larger than %zu bytes: not a file this "
                            "reads (check the path)", path, max);
        }
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) return an_error(AN_ERR_IO, "cannot read %s", path);
    (*buf)[n] = 0;
    *len = n;
    return AN_OK;
}

an_status an_read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len) {
    return an_read_file_max(path, 0, buf, cap, len);
}
