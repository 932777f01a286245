/* host/util/atomic_file.h - write a whole file so that a crash leaves the old file or the new
 * one, never half of one: a temporary file beside it, fsync, rename, fsync of the directory. */
#ifndef AN_UTIL_ATOMIC_FILE_H
#define AN_UTIL_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "alexnet/status.h"

/* A file being written: write to f (any stdio call, seeks included), then commit or abort. */
typedef struct an_atomic_file {
    FILE *f;
    char path[4096];
    char tmp[4112]; /* path.tmp.XXXXXX, unique per writer */
} an_atomic_file;

/* Create a temporary file beside path (mode 0644) and open it for writing as a->f. */
an_status an_atomic_open(an_atomic_file *a, const char *path);

/* Flush, fsync and close a->f, rename the temporary file over path, fsync the directory. On any
 * failure (including an earlier write error on a->f) the temporary file is removed, path is
 * left as it was and the error names path. */
an_status an_atomic_commit(an_atomic_file *a);

/* Close and remove the temporary file; path is left as it was. Safe on a zeroed struct. */
void an_atomic_abort(an_atomic_file *a);

/* Write buf[0..len) to path atomically. */
an_status an_write_atomic(const char *path, const void *buf, size_t len);

/* The same for the concatenation of nparts pieces (large tensors need no joined copy). */
an_status an_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens,
                                int nparts);

#endif
