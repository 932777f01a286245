/* host/util/npy.h - NumPy .npy files (format 1.0) of float32, written as a stream: the header
 * is written first with room for any row count and rewritten with the real count at the end,
 * so rows need not be known (or held) in advance. numpy.load reads the result. */
#ifndef AN_UTIL_NPY_H
#define AN_UTIL_NPY_H

#include <stdio.h>

#include "alexnet/status.h"

typedef struct an_npy_writer {
    FILE *f;
    char path[4096];
    int ndim;            /* dims of one row (1..3), after the leading row count */
    long long dims[3];
    long long rows;
} an_npy_writer;

/* Create path for rows of shape dims[0..ndim) ('<f4', C order). */
an_status an_npy_open(an_npy_writer *w, const char *path, int ndim, const long long *dims);
/* Append n rows (n × prod(dims) floats). */
an_status an_npy_append(an_npy_writer *w, const float *rows, long long n);
/* Write the final header and close; on failure the file is removed. */
an_status an_npy_close(an_npy_writer *w);
/* Close and remove an unfinished file. */
void an_npy_abort(an_npy_writer *w);

#endif
