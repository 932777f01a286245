/* host/util/npy.c - the .npy stream writer: magic, version 1.0, a little-endian header length,
 * the header dict padded with spaces to a fixed 128 bytes in all (a multiple of 64, as numpy
 * writes), then the rows. */
#include "util/npy.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define NPY_HEADER 128

static an_status write_header(an_npy_writer *w) {
    char dict[NPY_HEADER];
    char shape[160];
    int n = snprintf(shape, sizeof shape, "(%lld,", w->rows);
    for (int d = 0; d < w->ndim; d++)
        n += snprintf(shape + n, sizeof shape - (size_t)n, " %lld%s", w->dims[d],
                      d + 1 < w->ndim ? "," : "");
    snprintf(shape + n, sizeof shape - (size_t)n, ")");
    int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, "
                       "'shape': %s, }", shape);
    if (len < 0 || len >= NPY_HEADER - 10 - 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: shape %s is too long for the header", w->path,
                        shape);
    uint8_t head[NPY_HEADER];
    memcpy(head, "\x93NUMPY\x01\x00", 8);
    uint16_t hl = NPY_HEADER - 10;
    head[8] = (uint8_t)hl;
    head[9] = (uint8_t)(hl >> 8);
    memset(head + 10, ' ', hl);
    memcpy(head + 10, dict, (size_t)len);
    head[NPY_HEADER - 1] = '\n';
    if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(head, 1, NPY_HEADER, w->f) != NPY_HEADER)
        return an_error(AN_ERR_IO, "cannot write %s: %s", w->path, strerror(errno));
    return AN_OK;
}

an_status an_npy_open(an_npy_writer *w, const char *path, int ndim, const long long *dims) {
    memset(w, 0, sizeof *w);
    if (ndim < 1 || ndim > 3)
        return an_error(AN_ERR_INVALID_ARG, "npy: rows of %d dimensions (1 to 3)", ndim);
    snprintf(w->path, sizeof w->path, "%s", path);
    w->ndim = ndim;
    memcpy(w->dims, dims, (size_t)ndim * sizeof *dims);
    w->f = fopen(path, "wb");
    if (!w->f) return an_error(AN_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    /* Room for the largest row count: the final header is no longer than this one. */
    w->rows = 999999999999LL;
    an_status s = write_header(w);
    w->rows = 0;
    if (s != AN_OK) an_npy_abort(w);
    return s;
}

an_status an_npy_append(an_npy_writer *w, const float *rows, long long n) {
    size_t per = 1;
    for (int d = 0; d < w->ndim; d++) per *= (size_t)w->dims[d];
    size_t count = per * (size_t)n;
    if (fwrite(rows, sizeof(float), count, w->f) != count)
        return an_error(AN_ERR_IO, "cannot write %s: %s", w->path, strerror(errno));
    w->rows += n;
    return AN_OK;
}

an_status an_npy_close(an_npy_writer *w) {
    an_status s = write_header(w);
    if (fclose(w->f) != 0 && s == AN_OK)
        s = an_error(AN_ERR_IO, "cannot write %s: %s", w->path, strerror(errno));
    w->f = NULL;
    if (s != AN_OK) unlink(w->path);
    return s;
}

void an_npy_abort(an_npy_writer *w) {
    if (w->f) fclose(w->f);
    w->f = NULL;
    unlink(w->path);
}
