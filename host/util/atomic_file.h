/* host/util/atomic_file.h - write a whole file so that a crash leaves the old file or the new
 * one, never half of one: a temporary file beside it, fsync, rename, fsync of the directory. */
#ifndef AN_UTIL_ATOMIC_FILE_H
#define AN_UTIL_ATOMIC_FILE_H

#include <stddef.h>

#include "alexnet/status.h"

/* Write buf[0..len) to path atomically. */
an_status an_write_atomic(const char *path, const void *buf, size_t len);

/* The same for the concatenation of nparts pieces (large tensors need no joined copy). */
an_status an_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens,
                                int nparts);

#endif
