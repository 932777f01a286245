/* host/ops/tune_cache.c - the tuner's choices in memory and on disk.
 *
 * File: <cache dir>/tune-<16 hex digits of the device hash>.txt, text:
 *   # alexnet-cl tune cache v1
 *   # device: <name> | <driver> | <platform version>
 *   v1 dev=<hex> code=<hex> dir=fwd shape=n,c,h,w,k,kh,kw,stride,pad,groups
 *      cands=im2col+own,im2col+clblast,direct,fft choice=im2col+own ms=1.2,failed,wrong,inaccurate
 *      sum=<hex>                                               (one line per entry)
 * dev hashes the device's name, vendor, version, driver, platform name and version; code hashes
 * the kernel sources in use (ALEXNET_KERNEL_DIR's, if set), the host/ops sources this binary was
 * built from (generated/tune_codehash.h), and the CLBlast and alexnet-cl versions; sum hashes the
 * line before " sum=". A file with a wrong first line or any line whose sum does not match is
 * corrupt: ignored as a whole and rewritten by the next store. An entry of another code hash is
 * stale: it never matches. A store keeps the stale entries of the TUNE_KEEP_CODES code hashes
 * written last (a store appends the current code's entries at the end), so that an installed
 * build and a development build sharing one cache do not evict each other, and drops the rest. */
#include "ops/tune_cache.h"

#include <clblast_c.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernels.h"
#include "runtime/progcache.h"
#include "tune_codehash.h"
#include "util/atomic_file.h"
#include "util/mkdir_p.h"
#include "util/read_file.h"

#define TUNE_MAGIC "# alexnet-cl tune cache v1"
#define TUNE_FILE_MAX (4u << 20) /* a longer file is not ours */
#define TUNE_KEEP_CODES 3         /* other builds whose entries a store keeps */
#define AN_STR_(x) #x
#define AN_STR(x) AN_STR_(x)

typedef struct tentry {
    uint64_t dev, code;
    an_tune_dir dir;
    an_conv_shape s;
    an_tune_result r;
} tentry;

typedef struct ttable {
    tentry *e;
    int n, cap;
} ttable;

/* This process's choices and the code hash, behind one lock (the table's file is read and
 * rewritten under it too, so two threads never interleave a read-modify-write). */
static struct {
    pthread_mutex_t lock;
    ttable mem;
    uint64_t code;
    int code_done;
    char code_dir[4096]; /* the code hash is recomputed when ALEXNET_KERNEL_DIR changes */
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t hash_str(an_hash128 *h, const char *s) {
    *h = an_hash_update(*h, s, strlen(s) + 1); /* the terminator separates fields */
    return h->a;
}

static uint64_t dev_hash(const an_dev *d) {
    an_hash128 h = an_hash_init();
    hash_str(&h, d->info.name);
    hash_str(&h, d->info.vendor);
    hash_str(&h, d->info.version);
    hash_str(&h, d->info.driver);
    hash_str(&h, d->info.platform_name);
    return hash_str(&h, d->info.platform_version);
}

/* Called with cache.lock held. */
static uint64_t code_hash(void) {
    const char *dir = getenv("ALEXNET_KERNEL_DIR");
    if (cache.code_done && strcmp(dir ? dir : "", cache.code_dir) == 0) return cache.code;
    an_hash128 h = an_hash_init();
    hash_str(&h, ALEXNET_VERSION);
    hash_str(&h, AN_TUNE_HOST_HASH);
    hash_str(&h, AN_STR(CLBLAST_VERSION_MAJOR) "." AN_STR(CLBLAST_VERSION_MINOR) "." AN_STR(
        CLBLAST_VERSION_PATCH));
    for (const an_kernel_source *k = an_embedded_kernels; k->name; k++) {
        char *src = NULL;
        hash_str(&h, k->name);
        if (an_kernel_source_get(k->name, &src) == AN_OK)
            hash_str(&h, src);
        else
            an_error_clear();
        free(src);
    }
    cache.code = h.a;
    cache.code_done = 1;
    snprintf(cache.code_dir, sizeof cache.code_dir, "%s", dir ? dir : "");
    return cache.code;
}

static int same_shape(const an_conv_shape *a, const an_conv_shape *b) {
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w && a->k == b->k &&
           a->kh == b->kh && a->kw == b->kw && a->stride == b->stride && a->pad == b->pad &&
           a->groups == b->groups;
}

static int same_cands(const an_tune_result *a, const an_tune_result *b) {
    if (a->ncand != b->ncand) return 0;
    for (int i = 0; i < a->ncand; i++)
        if (!an_conv_choice_eq(a->cand[i], b->cand[i])) return 0;
    return 1;
}

static int matches(const tentry *e, uint64_t dev, uint64_t code, const an_conv_shape *s,
                   an_tune_dir dir, const an_tune_result *cands) {
    return e->dev == dev && e->code == code && e->dir == dir && same_shape(&e->s, s) &&
           same_cands(&e->r, cands);
}

static an_status table_put(ttable *t, const tentry *e) {
    for (int i = 0; i < t->n; i++)
        if (matches(&t->e[i], e->dev, e->code, &e->s, e->dir, &e->r)) {
            t->e[i] = *e;
            return AN_OK;
        }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 32;
        tentry *g = realloc(t->e, (size_t)cap * sizeof *g);
        if (!g) return an_error(AN_ERR_NOMEM, "out of host memory for the tune cache");
        t->e = g;
        t->cap = cap;
    }
    t->e[t->n++] = *e;
    return AN_OK;
}

void an_tune_cache_forget(void) {
    pthread_mutex_lock(&cache.lock);
    free(cache.mem.e);
    memset(&cache.mem, 0, sizeof cache.mem);
    pthread_mutex_unlock(&cache.lock);
}

static int file_path(const an_dev *d, char *buf, size_t cap, char *dir, size_t dcap) {
    if (!an_cache_root(dir, dcap)) return 0;
    snprintf(buf, cap, "%s/tune-%016llx.txt", dir, (unsigned long long)dev_hash(d));
    return 1;
}

const char *an_tune_cache_path(const an_dev *d, char *buf, size_t cap) {
    char root[4096];
    return file_path(d, buf, cap, root, sizeof root) ? buf : NULL;
}

/* One entry as a line (with its newline); 0 if it does not fit. */
static int format_entry(const tentry *e, char *buf, size_t cap) {
    const an_conv_shape *s = &e->s;
    size_t n = 0;
    int k = snprintf(buf, cap, "v1 dev=%016llx code=%016llx dir=%s shape=%d,%d,%d,%d,%d,%d,%d,%d,"
                     "%d,%d cands=", (unsigned long long)e->dev, (unsigned long long)e->code,
                     an_tune_dir_name(e->dir), s->n, s->c, s->h, s->w, s->k, s->kh, s->kw,
                     s->stride, s->pad, s->groups);
    if (k < 0 || (size_t)k >= cap) return 0;
    n = (size_t)k;
    char name[64];
    for (int i = 0; i < e->r.ncand; i++) {
        an_conv_choice_name(e->r.cand[i], name, sizeof name);
        k = snprintf(buf + n, cap - n, "%s%s", i ? "," : "", name);
        if (k < 0 || (size_t)k >= cap - n) return 0;
        n += (size_t)k;
    }
    an_conv_choice_name(e->r.choice, name, sizeof name);
    k = snprintf(buf + n, cap - n, " choice=%s ms=", name);
    if (k < 0 || (size_t)k >= cap - n) return 0;
    n += (size_t)k;
    for (int i = 0; i < e->r.ncand; i++) {
        double ms = e->r.ms[i];
        if (ms == AN_TUNE_FAILED)
            k = snprintf(buf + n, cap - n, "%sfailed", i ? "," : "");
        else if (ms == AN_TUNE_WRONG)
            k = snprintf(buf + n, cap - n, "%swrong", i ? "," : "");
        else if (ms == AN_TUNE_INACCURATE)
            k = snprintf(buf + n, cap - n, "%sinaccurate", i ? "," : "");
        else
            k = snprintf(buf + n, cap - n, "%s%.4f", i ? "," : "", ms);
        if (k < 0 || (size_t)k >= cap - n) return 0;
        n += (size_t)k;
    }
    an_hash128 h = an_hash_update(an_hash_init(), buf, n);
    k = snprintf(buf + n, cap - n, " sum=%016llx\n", (unsigned long long)h.a);
    return k > 0 && (size_t)k < cap - n;
}

static const char *field(const char *line, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = line; (p = strstr(p, key)) != NULL; p += kl)
        if (p == line || p[-1] == ' ') return p + kl;
    return NULL;
}

/* The token at p (up to a space or the end) into buf; 0 if too long. */
static int token(const char *p, char *buf, size_t cap) {
    size_t n = strcspn(p, " ");
    if (n >= cap) return 0;
    memcpy(buf, p, n);
    buf[n] = 0;
    return 1;
}

/* Parse the names or times of a comma list; returns how many, or -1. */
static int parse_cands(char *list, an_tune_result *r) {
    int n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == AN_TUNE_MAX_CANDIDATES || !an_conv_choice_parse(t, &r->cand[n])) return -1;
        n++;
    }
    return n;
}

static int parse_times(char *list, an_tune_result *r) {
    int n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == AN_TUNE_MAX_CANDIDATES) return -1;
        char *end;
        if (strcmp(t, "failed") == 0)
            r->ms[n] = AN_TUNE_FAILED;
        else if (strcmp(t, "wrong") == 0)
            r->ms[n] = AN_TUNE_WRONG;
        else if (strcmp(t, "inaccurate") == 0)
            r->ms[n] = AN_TUNE_INACCURATE;
        else if ((r->ms[n] = strtod(t, &end)) < 0 || *end)
            return -1;
        n++;
    }
    return n;
}

/* 1: a valid current entry in *e; 0: valid but stale (another code or device; e->code is its
 * code); -1: corrupt. */
static int parse_entry(const char *line, uint64_t dev, uint64_t code, tentry *e) {
    const char *sum = strstr(line, " sum=");
    if (strncmp(line, "v1 ", 3) != 0 || !sum) return -1;
    an_hash128 h = an_hash_update(an_hash_init(), line, (size_t)(sum - line));
    char buf[2048];
    unsigned long long v, c, sv;
    if (sscanf(sum + 5, "%16llx", &sv) != 1 || sv != h.a || strlen(sum + 5) != 16) return -1;
    const char *pd = field(line, "dev="), *pc = field(line, "code=");
    if (!pd || !pc || sscanf(pd, "%16llx", &v) != 1 || sscanf(pc, "%16llx", &c) != 1) return -1;
    if (v != dev || c != code) {
        e->code = c; /* the stale entry's build, for a store to keep or drop */
        return 0;
    }
    memset(e, 0, sizeof *e);
    e->dev = v;
    e->code = c;
    const char *p;
    an_conv_shape *s = &e->s;
    if (!(p = field(line, "dir=")) || !token(p, buf, sizeof buf)) return -1;
    int dir = -1;
    for (int i = 0; i < AN_TUNE_KEYS; i++)
        if (strcmp(buf, an_tune_dir_name((an_tune_dir)i)) == 0) dir = i;
    if (dir < 0) return -1;
    e->dir = (an_tune_dir)dir;
    if (!(p = field(line, "shape=")) ||
        sscanf(p, "%d,%d,%d,%d,%d,%d,%d,%d,%d,%d", &s->n, &s->c, &s->h, &s->w, &s->k, &s->kh,
               &s->kw, &s->stride, &s->pad, &s->groups) != 10)
        return -1;
    if (!(p = field(line, "cands=")) || !token(p, buf, sizeof buf)) return -1;
    e->r.ncand = parse_cands(buf, &e->r);
    if (!(p = field(line, "ms=")) || !token(p, buf, sizeof buf)) return -1;
    if (e->r.ncand < 1 || parse_times(buf, &e->r) != e->r.ncand) return -1;
    if (!(p = field(line, "choice=")) || !token(p, buf, sizeof buf) ||
        !an_conv_choice_parse(buf, &e->r.choice))
        return -1;
    for (int i = 0; i < e->r.ncand; i++)
        if (an_conv_choice_eq(e->r.cand[i], e->r.choice)) return e->r.ms[i] >= 0 ? 1 : -1;
    return -1; /* the choice is not a candidate */
}

/* The stale lines a store keeps: those of the last TUNE_KEEP_CODES other code hashes in the
 * file, in file order, each with its newline. lines[i] and codes[i] are the n stale lines. */
static char *keep_stale(char **lines, const uint64_t *codes, int n) {
    uint64_t keep[TUNE_KEEP_CODES];
    int nk = 0;
    for (int i = n - 1; i >= 0 && nk < TUNE_KEEP_CODES; i--) {
        int seen = 0;
        for (int j = 0; j < nk; j++) seen |= keep[j] == codes[i];
        if (!seen) keep[nk++] = codes[i];
    }
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(lines[i]) + 1;
    char *text = malloc(len);
    if (!text) return NULL;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        int kept = 0;
        for (int j = 0; j < nk; j++) kept |= keep[j] == codes[i];
        if (!kept) continue;
        size_t l = strlen(lines[i]);
        memcpy(text + at, lines[i], l);
        text[at + l] = '\n';
        at += l + 1;
    }
    text[at] = 0;
    return text;
}

/* The file's current entries into t, and, when stale is not NULL, the stale lines a store keeps
 * into *stale (malloc'ed; NULL when there are none or no memory: they are then dropped).
 * *corrupt = 1 when the file exists but cannot be trusted (then t is left empty). */
static void load_file(const char *path, uint64_t dev, uint64_t code, ttable *t, int *corrupt,
                      char **stale) {
    if (stale) *stale = NULL;
    *corrupt = 0;
    uint8_t *raw = NULL;
    size_t cap = 0, len = 0;
    an_status rs = an_read_file_max(path, TUNE_FILE_MAX, &raw, &cap, &len);
    char *buf = (char *)raw;
    if (rs == AN_ERR_NOT_FOUND) {
        an_error_clear();
        return;
    }
    if (rs != AN_OK || len < strlen(TUNE_MAGIC) + 1 ||
        memcmp(buf, TUNE_MAGIC "\n", strlen(TUNE_MAGIC) + 1) != 0 || memchr(buf, 0, len) ||
        buf[len - 1] != '\n') {
        if (rs != AN_OK) an_error_clear();
        *corrupt = 1;
        free(buf);
        return;
    }
    char *save = NULL, **old = NULL;
    uint64_t *codes = NULL;
    int nold = 0, capold = 0;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        tentry e;
        int r = parse_entry(line, dev, code, &e);
        if (r < 0 || (r == 1 && table_put(t, &e) != AN_OK)) {
            *corrupt = 1;
            break;
        }
        if (r == 0 && stale && e.code != code) {
            if (nold == capold) {
                capold = capold ? 2 * capold : 64;
                char **nl = realloc(old, (size_t)capold * sizeof *old);
                uint64_t *nc = nl ? realloc(codes, (size_t)capold * sizeof *codes) : NULL;
                if (nl) old = nl;
                if (nc) codes = nc;
                if (!nl || !nc) break; /* no memory: the stale lines found so far are kept */
            }
            old[nold] = line;
            codes[nold++] = e.code;
        }
    }
    if (!*corrupt && nold) *stale = keep_stale(old, codes, nold);
    free(old);
    free(codes);
    free(buf);
    if (*corrupt) {
        an_error_clear();
        t->n = 0;
    }
}

static an_status lookup_locked(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                               const an_tune_result *cands, int skip_file, an_tune_result *out,
                               int *found) {
    *found = 0;
    uint64_t dev = dev_hash(d), code = code_hash();
    ttable *mem = &cache.mem;
    for (int i = 0; i < mem->n; i++)
        if (matches(&mem->e[i], dev, code, s, dir, cands)) {
            *out = mem->e[i].r;
            out->source = AN_TUNE_CACHED;
            *found = 1;
            return AN_OK;
        }
    char path[4200], root[4096];
    if (skip_file || !file_path(d, path, sizeof path, root, sizeof root)) return AN_OK;
    ttable t = {0};
    int corrupt;
    load_file(path, dev, code, &t, &corrupt, NULL);
    for (int i = 0; i < t.n && !*found; i++)
        if (matches(&t.e[i], dev, code, s, dir, cands)) {
            *out = t.e[i].r;
            out->source = AN_TUNE_CACHED;
            *found = 1;
        }
    free(t.e);
    if (*found) {
        tentry e = {dev, code, dir, *s, *out};
        return table_put(mem, &e);
    }
    return AN_OK;
}

an_status an_tune_cache_lookup(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                               const an_tune_result *cands, int skip_file, an_tune_result *out,
                               int *found) {
    pthread_mutex_lock(&cache.lock);
    an_status st = lookup_locked(d, s, dir, cands, skip_file, out, found);
    pthread_mutex_unlock(&cache.lock);
    return st;
}

static an_status store_locked(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                              const an_tune_result *r) {
    tentry e = {dev_hash(d), code_hash(), dir, *s, *r};
    AN_TRY(table_put(&cache.mem, &e));
    char path[4200], root[4096];
    if (!file_path(d, path, sizeof path, root, sizeof root)) return AN_OK;
    ttable t = {0};
    int corrupt;
    char *stale = NULL;
    load_file(path, e.dev, e.code, &t, &corrupt, &stale);
    an_status st = table_put(&t, &e);
    size_t cap = (size_t)(t.n + 2) * 2048 + (stale ? strlen(stale) : 0), n = 0;
    char *text = st == AN_OK ? malloc(cap) : NULL;
    if (st == AN_OK && !text) st = an_error(AN_ERR_NOMEM, "out of host memory for %s", path);
    if (text) {
        n = (size_t)snprintf(text, cap, TUNE_MAGIC "\n# device: %s | %s | %s\n%s", d->info.name,
                             d->info.driver, d->info.platform_version, stale ? stale : "");
        for (int i = 0; i < t.n && n < cap; i++)
            if (format_entry(&t.e[i], text + n, cap - n)) n += strlen(text + n);
        if (an_mkdir_p(root) != AN_OK)
            st = an_error_context(AN_ERR_IO, "creating the tune cache directory %s", root);
        else
            st = an_write_atomic(path, text, n);
    }
    free(text);
    free(stale);
    free(t.e);
    if (st != AN_OK) an_error_clear(); /* not fatal: the choice stays in memory */
    return AN_OK;
}

an_status an_tune_cache_store(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                              const an_tune_result *r) {
    pthread_mutex_lock(&cache.lock);
    an_status st = store_locked(d, s, dir, r);
    pthread_mutex_unlock(&cache.lock);
    return st;
}
