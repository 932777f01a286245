/* host/runtime/progcache.c - the one kernel loader: build cl/common.cl + cl/<file>.cl with options,
 * keep programs and kernels per device, and reuse program binaries from the disk cache. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernels.h"
#include "runtime/progcache.h"
#include "runtime/runtime.h"

typedef struct an_kentry {
    char *name;
    cl_kernel k;
} an_kentry;

typedef struct an_pentry {
    char *file, *opts;
    cl_program prog;
    an_kentry *kernels;
    int nk;
} an_pentry;

/* Programs loaded from the disk cache and built from source, for tests and `selfcheck`. */
static struct {
    _Atomic unsigned long hits, builds;
} counts;

void an_kernel_cache_counts(unsigned long *hits, unsigned long *builds) {
    *hits = counts.hits;
    *builds = counts.builds;
}

struct an_progcache {
    an_pentry *p;
    int n, cap;
};

an_progcache *an_progcache_new(void) { return calloc(1, sizeof(an_progcache)); }

void an_progcache_free(an_progcache *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        for (int j = 0; j < c->p[i].nk; j++) {
            clReleaseKernel(c->p[i].kernels[j].k);
            free(c->p[i].kernels[j].name);
        }
        free(c->p[i].kernels);
        clReleaseProgram(c->p[i].prog);
        free(c->p[i].file);
        free(c->p[i].opts);
    }
    free(c->p);
    free(c);
}

static an_status build_log_error(an_dev *d, cl_program prog, const char *file, const char *opts,
                                 cl_int err) {
    size_t len = 0;
    clGetProgramBuildInfo(prog, d->info.id, CL_PROGRAM_BUILD_LOG, 0, NULL, &len);
    char *log = malloc(len + 1);
    if (log) {
        log[0] = 0;
        clGetProgramBuildInfo(prog, d->info.id, CL_PROGRAM_BUILD_LOG, len, log, NULL);
        log[len] = 0;
    }
    an_status s = an_error(AN_ERR_BUILD,
                           "building kernel file cl/%s.cl (options \"%s\") for %s failed: %s\n"
                           "build log:\n%s",
                           file, opts, d->info.name, an_cl_error_name(err), log ? log : "(none)");
    free(log);
    return s;
}

static uint64_t le_bytes(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Whether b[*at, end) is a run of serialised files, each a path and a content with uint32
 * lengths before them, none empty; *at moves past them. */
static int pocl_files_whole(const unsigned char *b, size_t *at, size_t end) {
    while (*at < end)
        for (int part = 0; part < 2; part++) {
            if (end - *at < 4) return 0;
            uint64_t n = le_bytes(b + *at, 4);
            if (n == 0 || n > end - *at - 4) return 0;
            *at += 4 + (size_t)n;
        }
    return 1;
}

#define POCL_BIN_V9_HEADER 77 /* id 8, device 8, version 4, kernels 4, flags 8, entries 4, hash 41 */

int an_program_binary_whole(const unsigned char *b, size_t len) {
    if (len < POCL_BIN_V9_HEADER || memcmp(b, "poclbin", 8) != 0 || le_bytes(b + 16, 4) != 9 ||
        b[POCL_BIN_V9_HEADER - 1] != 0)
        return 1;
    uint64_t kernels = le_bytes(b + 20, 4), entries = le_bytes(b + 32, 4);
    size_t at = POCL_BIN_V9_HEADER;
    for (uint64_t e = 0; e < entries; e++) { /* files of the program's cache directory */
        if (len - at < 8) return 0;
        uint64_t bytes = le_bytes(b + at, 8);
        at += 8;
        if (bytes == 0 || bytes > len - at) return 0;
        size_t end = at + (size_t)bytes;
        if (!pocl_files_whole(b, &at, end) || at != end) return 0;
    }
    for (uint64_t k = 0; k < kernels; k++) { /* metadata, then the kernel's cache files */
        if (len - at < 16) return 0;
        uint64_t size = le_bytes(b + at, 8), files = le_bytes(b + at + 8, 8);
        if (size > len - at || files > size) return 0;
        size_t f = at + (size_t)(size - files), end = at + (size_t)size;
        if (!pocl_files_whole(b, &f, end) || f != end) return 0;
        at = end;
    }
    return at == len;
}

/* Try the disk cache; on any doubt return NULL and let the caller build from source. */
static cl_program load_cached(an_dev *d, an_hash128 key, const char *opts) {
    unsigned char *bin = NULL;
    size_t len = 0;
    if (an_binary_cache_read(key, &bin, &len) != AN_OK) {
        an_error_clear();
        return NULL;
    }
    if (!an_program_binary_whole(bin, len)) { /* rebuilt, and the entry rewritten */
        free(bin);
        return NULL;
    }
    cl_int bstatus = CL_SUCCESS, err;
    const unsigned char *bins[1] = {bin};
    cl_program prog =
        clCreateProgramWithBinary(d->ctx, 1, &d->info.id, &len, bins, &bstatus, &err);
    free(bin);
    if (err != CL_SUCCESS || bstatus != CL_SUCCESS) {
        if (prog) clReleaseProgram(prog);
        return NULL;
    }
    if (clBuildProgram(prog, 1, &d->info.id, opts, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(prog);
        return NULL;
    }
    return prog;
}

static void store_cached(an_dev *d, cl_program prog, an_hash128 key) {
    size_t len = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS ||
        len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin) return;
    unsigned char *bins[1] = {bin};
    (void)d;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS &&
        an_program_binary_whole(bin, len))
        an_binary_cache_write(key, bin, len);
    an_error_clear();
    free(bin);
}

/* Every kernel is OpenCL C 1.2, what NVIDIA's driver compiles, unless a variant's options name
 * another -cl-std (and then says why). */
#define AN_CL_STD "-cl-std=CL1.2"

static an_status build_with(an_dev *d, const char *file, const char *opts, cl_program *out);

static an_status build_program(an_dev *d, const char *file, const char *user_opts,
                               cl_program *out) {
    int has_std = strstr(user_opts, "-cl-std=") != NULL;
    char *opts = malloc(strlen(AN_CL_STD) + strlen(user_opts) + 2);
    if (!opts) return an_error(AN_ERR_NOMEM, "out of host memory");
    sprintf(opts, "%s%s%s", has_std ? "" : AN_CL_STD, has_std || !*user_opts ? "" : " ",
            user_opts);
    an_status s = build_with(d, file, opts, out);
    free(opts);
    return s;
}

static an_status build_with(an_dev *d, const char *file, const char *opts, cl_program *out) {
    char *common = NULL, *body = NULL;
    AN_TRY(an_kernel_source_get("common", &common));
    int is_common = strcmp(file, "common") == 0;
    if (!is_common) {
        an_status s = an_kernel_source_get(file, &body);
        if (s != AN_OK) {
            free(common);
            return s;
        }
    }
    size_t lc = strlen(common), lb = body ? strlen(body) : 0;
    char *src = malloc(lc + lb + 64);
    if (!src) {
        free(common);
        free(body);
        return an_error(AN_ERR_NOMEM, "out of host memory");
    }
    /* #line restarts the numbering so that build logs point into the op's own file. */
    int w = sprintf(src, "%s\n#line 1\n", common);
    if (body) memcpy(src + w, body, lb + 1);
    free(common);
    free(body);

    an_hash128 key = an_hash_init();
    key = an_hash_update(key, src, strlen(src) + 1);
    key = an_hash_update(key, opts, strlen(opts) + 1);
    const char *ids[] = {d->info.name, d->info.vendor, d->info.driver, d->info.version,
                         d->info.platform_name, d->info.platform_version};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        key = an_hash_update(key, ids[i], strlen(ids[i]) + 1);

    cl_program prog = load_cached(d, key, opts);
    if (prog) {
        counts.hits++;
        free(src);
        *out = prog;
        return AN_OK;
    }
    cl_int err;
    const char *srcs[1] = {src};
    prog = clCreateProgramWithSource(d->ctx, 1, srcs, NULL, &err);
    free(src);
    CL_CHECK(err);
    err = clBuildProgram(prog, 1, &d->info.id, opts, NULL, NULL);
    if (err != CL_SUCCESS) {
        an_status s = build_log_error(d, prog, file, opts, err);
        clReleaseProgram(prog);
        return s;
    }
    counts.builds++;
    store_cached(d, prog, key);
    *out = prog;
    return AN_OK;
}

an_status an_kernel(an_dev *d, const char *file, const char *opts, const char *name,
                    cl_kernel *k) {
    an_progcache *c = d->progs;
    if (!opts) opts = "";
    an_pentry *pe = NULL;
    for (int i = 0; i < c->n && !pe; i++)
        if (strcmp(c->p[i].file, file) == 0 && strcmp(c->p[i].opts, opts) == 0) pe = &c->p[i];
    if (!pe) {
        if (c->n == c->cap) {
            int cap = c->cap ? c->cap * 2 : 16;
            an_pentry *g = realloc(c->p, (size_t)cap * sizeof *g);
            if (!g) return an_error(AN_ERR_NOMEM, "out of host memory");
            c->p = g;
            c->cap = cap;
        }
        cl_program prog = NULL;
        AN_TRY(build_program(d, file, opts, &prog));
        pe = &c->p[c->n];
        memset(pe, 0, sizeof *pe);
        pe->file = strdup(file);
        pe->opts = strdup(opts);
        pe->prog = prog;
        if (!pe->file || !pe->opts) {
            free(pe->file);
            free(pe->opts);
            clReleaseProgram(prog);
            return an_error(AN_ERR_NOMEM, "out of host memory");
        }
        c->n++;
    }
    for (int j = 0; j < pe->nk; j++)
        if (strcmp(pe->kernels[j].name, name) == 0) {
            *k = pe->kernels[j].k;
            return AN_OK;
        }
    cl_int err;
    cl_kernel kern = clCreateKernel(pe->prog, name, &err);
    if (err != CL_SUCCESS)
        return an_error(err, "kernel %s not found in cl/%s.cl (options \"%s\"): %s", name, file,
                        opts, an_cl_error_name(err));
    an_kentry *g = realloc(pe->kernels, (size_t)(pe->nk + 1) * sizeof *g);
    char *nm = strdup(name);
    if (!g || !nm) {
        free(nm);
        if (g) pe->kernels = g;
        clReleaseKernel(kern);
        return an_error(AN_ERR_NOMEM, "out of host memory");
    }
    pe->kernels = g;
    pe->kernels[pe->nk].name = nm;
    pe->kernels[pe->nk].k = kern;
    pe->nk++;
    *k = kern;
    return AN_OK;
}
