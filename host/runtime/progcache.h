/* host/runtime/progcache.h - the per-device cache of built programs and their kernels, and the
 * on-disk cache of program binaries behind it (used by an_kernel in progcache.c). */
#ifndef AN_RUNTIME_PROGCACHE_H
#define AN_RUNTIME_PROGCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"

typedef struct an_progcache an_progcache;

an_progcache *an_progcache_new(void);
void an_progcache_free(an_progcache *c);

/* 128-bit FNV-1a style hash (two 64-bit lanes) of a byte string, continuing from h. */
typedef struct an_hash128 {
    uint64_t a, b;
} an_hash128;
an_hash128 an_hash_init(void);
an_hash128 an_hash_update(an_hash128 h, const void *data, size_t len);

/* The directory of the binary cache, $XDG_CACHE_HOME/alexnet-cl or ~/.cache/alexnet-cl,
 * written into buf (NULL when caching is off or no home is known). */
const char *an_kernel_cache_dir(char *buf, size_t cap);
/* That directory whether the kernel cache is on or not, written into buf (the tune cache,
 * host/ops/tune.h, lives there too); NULL when no home is known. */
const char *an_cache_root(char *buf, size_t cap);

/* Whether a program binary holds every file it should. PoCL 3.1 (binary format 9: a header,
 * the files of the program's cache directory, then per kernel its metadata and cache files)
 * reads those files back from its own cache directory as it serialises a program, and where
 * another process sharing that directory had not yet written one, the binary came out without
 * it: loading it later stopped the process at an assertion inside PoCL (CI, tests in
 * parallel). The cache neither stores nor loads such a binary. Other binaries, and other PoCL
 * formats, are taken as they are. */
int an_program_binary_whole(const unsigned char *bin, size_t len);

/* Read a cached binary for key into *bin (malloc'ed); AN_ERR_NOT_FOUND when absent or not
 * trustworthy (corrupt, truncated, other key). */
an_status an_binary_cache_read(an_hash128 key, unsigned char **bin, size_t *len);
/* Write a binary atomically (temporary file, fsync, rename). Failures are not fatal: the
 * caller ignores the status apart from testing. */
an_status an_binary_cache_write(an_hash128 key, const unsigned char *bin, size_t len);

#endif
