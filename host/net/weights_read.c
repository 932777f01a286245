/* host/net/weights_read.c - read and check weights files (docs/WEIGHTS.md): every record's
 * CRC-32, the structure against the net, and the net a file describes. The writer is
 * weights_write.c. */
#include "net/weights.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/layout.h"
#include "net/weights_format.h"
#include "util/try.h"
#include "util/atomic_file.h"
#include "util/crc32.h"

/* ---- reading ----------------------------------------------------------------------------- */

typedef struct reader {
    FILE *f;
    const char *path;
    uint64_t pos, size;
    uint32_t crc;
    const char *what; /* the record being read, for messages */
    uint64_t rec_start;
} reader;

static an_status truncated(const reader *r, uint64_t need_end) {
    return an_error(AN_ERR_FORMAT,
                    "%s is truncated: it ends at byte %llu, inside %s (record at byte %llu needs "
                    "bytes up to %llu). Copy the file again or save it again.",
                    r->path, (unsigned long long)r->size, r->what,
                    (unsigned long long)r->rec_start, (unsigned long long)need_end);
}

static an_status corrupt(const reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static an_status corrupt(const reader *r, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_error(AN_ERR_FORMAT,
                    "%s is corrupt: %s, in %s (record at byte %llu). Copy the file again or save "
                    "it again.",
                    r->path, msg, r->what, (unsigned long long)r->rec_start);
}

static an_status r_bytes(reader *r, void *p, size_t n) {
    if (r->pos + n > r->size) return truncated(r, r->pos + n);
    if (n && fread(p, 1, n, r->f) != n)
        return an_error(AN_ERR_IO, "reading %s at byte %llu failed: %s", r->path,
                        (unsigned long long)r->pos, strerror(errno));
    r->crc = an_crc32(r->crc, p, n);
    r->pos += n;
    return AN_OK;
}

static an_status r_u32(reader *r, uint32_t *v) {
    unsigned char b[4];
    AN_TRY(r_bytes(r, b, 4));
    *v = get_u32(b);
    return AN_OK;
}

/* Read n bytes of data into dst (or, with dst NULL, only through the CRC). */
static an_status r_data(reader *r, void *dst, uint64_t n) {
    if (r->pos + n > r->size) return truncated(r, r->pos + n);
    unsigned char *scratch = NULL;
    if (!dst && !(scratch = malloc(CHUNK))) return an_error(AN_ERR_NOMEM, "out of memory");
    an_status s = AN_OK;
    for (uint64_t done = 0; done < n && s == AN_OK;) {
        size_t k = (size_t)(n - done < CHUNK ? n - done : CHUNK);
        s = r_bytes(r, dst ? (unsigned char *)dst + done : scratch, k);
        done += k;
    }
    free(scratch);
    return s;
}

/* A record: tag and length; the body is read by the caller, then r_record_end checks the CRC. */
static an_status r_record_start(reader *r, char tag[5], uint64_t *len, const char *what) {
    unsigned char b[12];
    r->what = what;
    r->rec_start = r->pos;
    r->crc = 0;
    AN_TRY(r_bytes(r, b, sizeof b));
    memcpy(tag, b, 4);
    tag[4] = 0;
    *len = get_u64(b + 4);
    if (strcmp(tag, "HEAD") && strcmp(tag, "TENS") && strcmp(tag, "END "))
        return corrupt(r, "unknown record tag");
    return AN_OK; /* a length past the end shows as truncation once the body is read */
}

static an_status r_record_end(reader *r) {
    uint32_t want = r->crc, got;
    AN_TRY(r_u32(r, &got));
    if (got != want) return corrupt(r, "checksum mismatch (CRC-32 %08x stored, %08x computed)",
                                    got, want);
    return AN_OK;
}

void an_weights_meta_free(an_weights_meta *m) {
    free(m->net_text);
    for (int i = 0; i < m->nclass_names; i++) free(m->class_names[i]);
    free(m->class_names);
    memset(m, 0, sizeof *m);
}

/* Look a key up in a HEAD body (already CRC-checked). Returns a malloc'ed string or NULL. */
static char *head_get(const unsigned char *b, size_t n, const char *key) {
    if (n < 4) return NULL;
    uint32_t count = get_u32(b);
    size_t p = 4;
    for (uint32_t i = 0; i < count; i++) {
        if (p + 4 > n) return NULL;
        uint32_t kl = get_u32(b + p);
        if (kl > n - p - 4) return NULL;
        const unsigned char *k = b + p + 4;
        p += 4 + kl;
        if (p + 4 > n) return NULL;
        uint32_t vl = get_u32(b + p);
        if (vl > n - p - 4) return NULL;
        if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
            char *v = malloc(vl + 1);
            if (v) {
                memcpy(v, b + p + 4, vl);
                v[vl] = 0;
            }
            return v;
        }
        p += 4 + vl;
    }
    return NULL;
}

static int parse_list(const char *s, double *v, int max) {
    int n = 0;
    while (*s && n < max) {
        char *end;
        v[n++] = strtod(s, &end);
        if (end == s) return -1;
        s = end;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return *s ? -1 : n;
}

static an_status parse_head(reader *r, const unsigned char *b, size_t n, an_weights_meta *m) {
    const char *const keys[] = {"net_name", "net", "lrn", "input", "range", "mean",
                                "std", "order", "num_classes", "classes", "tensors"};
    char *v[11] = {0};
    an_status s = AN_OK;
    for (int i = 0; i < 11 && s == AN_OK; i++)
        if (!(v[i] = head_get(b, n, keys[i])))
            s = an_error(AN_ERR_FORMAT, "%s: the header has no '%s' field (not written by "
                                        "alexnet-cl or tools/anweights.py?)", r->path, keys[i]);
    if (s == AN_OK) {
        char *creator = head_get(b, n, "creator");
        snprintf(m->creator, sizeof m->creator, "%s", creator ? creator : "");
        free(creator);
        snprintf(m->net_name, sizeof m->net_name, "%s", v[0]);
        m->net_text = v[1];
        v[1] = NULL;
        m->lrn = strcmp(v[2], "caffe") == 0 ? AN_LRN_CAFFE : AN_LRN_PAPER;
        m->pre.range = strtod(v[4], NULL);
        m->pre.nmean = parse_list(v[5], m->pre.mean, AN_MAX_INPUT_CHANNELS);
        m->pre.nstd = parse_list(v[6], m->pre.std, AN_MAX_INPUT_CHANNELS);
        snprintf(m->pre.order, sizeof m->pre.order, "%s", v[7]);
        m->classes = atoi(v[8]);
        m->ntensors = atoi(v[10]);
        if (sscanf(v[3], "%d %d %d", &m->input.c, &m->input.h, &m->input.w) != 3 ||
            m->pre.nmean < 1 || m->pre.nstd < 1 ||
            (strcmp(v[2], "paper") && strcmp(v[2], "caffe")))
            s = an_error(AN_ERR_FORMAT, "%s: bad header field (input '%s', mean '%s', std '%s', "
                                        "lrn '%s')", r->path, v[3], v[5], v[6], v[2]);
    }
    if (s == AN_OK && v[9][0]) {
        int count = 1;
        for (const char *p = v[9]; *p; p++) count += *p == '\n';
        m->class_names = calloc((size_t)count, sizeof *m->class_names);
        if (!m->class_names) s = an_error(AN_ERR_NOMEM, "out of memory");
        char *save = NULL;
        for (char *t = s == AN_OK ? strtok_r(v[9], "\n", &save) : NULL; t;
             t = strtok_r(NULL, "\n", &save)) {
            if (!(m->class_names[m->nclass_names] = malloc(strlen(t) + 1))) {
                s = an_error(AN_ERR_NOMEM, "out of memory");
                break;
            }
            strcpy(m->class_names[m->nclass_names++], t);
        }
    }
    for (int i = 0; i < 11; i++) free(v[i]);
    return s;
}

/* Open the file, check the preamble, read and check HEAD. */
static an_status open_and_read_head(const char *path, reader *r, an_weights_meta *m) {
    memset(m, 0, sizeof *m);
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = fopen(path, "rb");
    if (!r->f) return an_error(errno == ENOENT ? AN_ERR_NOT_FOUND : AN_ERR_IO,
                               "cannot open weights file %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(r->f), &st) != 0 || !S_ISREG(st.st_mode))
        return an_error(AN_ERR_IO, "%s is not a regular file", path);
    r->size = (uint64_t)st.st_size;
    r->what = "the preamble";
    unsigned char pre[16];
    if (r->size < 8 || fread(pre, 1, r->size < 16 ? (size_t)r->size : 16, r->f) < 8 ||
        memcmp(pre, MAGIC, 8) != 0)
        return an_error(AN_ERR_FORMAT, "%s is not an alexnet-cl weights file (it does not start "
                                       "with \"%s\")", path, MAGIC);
    if (r->size < 16) return truncated(r, 16);
    r->pos = 16;
    m->version = get_u32(pre + 8);
    if (m->version != AN_WEIGHTS_VERSION)
        return an_error(AN_ERR_FORMAT, "%s is a weights file of version %u; this build reads "
                                       "version %d", path, m->version, AN_WEIGHTS_VERSION);
    char tag[5];
    uint64_t len;
    AN_TRY(r_record_start(r, tag, &len, "the header (HEAD record)"));
    if (strcmp(tag, "HEAD") != 0) return corrupt(r, "expected the HEAD record first");
    if (len > MAX_HEAD_BYTES) return corrupt(r, "header length %llu", (unsigned long long)len);
    unsigned char *body = malloc(len ? (size_t)len : 1);
    if (!body) return an_error(AN_ERR_NOMEM, "out of memory");
    an_status s = r_bytes(r, body, (size_t)len);
    if (s == AN_OK) s = r_record_end(r);
    if (s == AN_OK) s = parse_head(r, body, (size_t)len, m);
    free(body);
    return s;
}

an_status an_weights_read_meta(const char *path, an_weights_meta *meta) {
    reader r;
    an_status s = open_and_read_head(path, &r, meta);
    if (r.f) fclose(r.f);
    if (s != AN_OK) an_weights_meta_free(meta);
    return s;
}

static void dims_str(char *buf, size_t n, const uint32_t *d, int nd) {
    size_t len = 0;
    buf[len++] = '[';
    buf[len] = 0;
    for (int i = 0; i < nd && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%u", i ? "," : "", d[i]);
    if (len < n - 1) strcat(buf, "]");
}

static void tensor_str(char *buf, size_t n, const an_tensor *t) {
    uint32_t d[4];
    for (int i = 0; i < t->ndim; i++) d[i] = (uint32_t)t->dims[i];
    char s[64];
    dims_str(s, sizeof s, d, t->ndim);
    snprintf(buf, n, "%s %s", t->name, s);
}

/* After the tensors: the layers' order and the LRN convention must also agree. */
static an_status check_structure(const char *path, const an_net *net, const an_weights_meta *m) {
    an_net *fnet;
    an_status s = an_net_parse(m->net_text, path, &fnet);
    if (s != AN_OK) return an_error_context(s, "the net description inside %s: ", path);
    for (int i = 0; i < net->nlayers || i < fnet->nlayers; i++) {
        const an_layer *a = i < fnet->nlayers ? &fnet->layers[i] : NULL;
        const an_layer *b = i < net->nlayers ? &net->layers[i] : NULL;
        if (!a || !b || a->kind != b->kind) {
            s = an_error(AN_ERR_FORMAT,
                         "%s does not match net %s: layer %d is %s%s%s in the file's net %s but "
                         "%s%s%s in %s",
                         path, net->name, i + 1, a ? an_layer_kind_name(a->kind) : "(none)",
                         a ? " " : "", a ? a->name : "", m->net_name,
                         b ? an_layer_kind_name(b->kind) : "(none)", b ? " " : "",
                         b ? b->name : "", net->name);
            break;
        }
        if (a->kind == AN_LAYER_LRN && fnet->lrn != net->lrn) {
            s = an_error(AN_ERR_FORMAT, "%s uses the %s LRN convention, net %s the %s one", path,
                         an_lrn_convention_name(fnet->lrn), net->name,
                         an_lrn_convention_name(net->lrn));
            break;
        }
    }
    an_net_free(fnet);
    return s;
}

static an_status read_tensors(reader *r, const an_net *net, const an_layout *lay, float *whole,
                              const an_weights_meta *m) {
    char what[320], exp[400], got[400];
    for (int k = 0;; k++) {
        char tag[5];
        uint64_t len;
        snprintf(what, sizeof what, "record %d (after %d tensors)", k + 2, k);
        AN_TRY(r_record_start(r, tag, &len, what));
        if (strcmp(tag, "END ") == 0) {
            unsigned char b[12];
            if (len != sizeof b) return corrupt(r, "END record of %llu bytes",
                                                (unsigned long long)len);
            AN_TRY(r_bytes(r, b, sizeof b));
            AN_TRY(r_record_end(r));
            if (get_u32(b) != (uint32_t)k || get_u64(b + 4) != r->size)
                return corrupt(r, "END says %u tensors and %llu bytes, the file has %d and %llu",
                               get_u32(b), (unsigned long long)get_u64(b + 4), k,
                               (unsigned long long)r->size);
            if (k < net->ntensors) {
                tensor_str(exp, sizeof exp, &net->tensors[k]);
                return an_error(AN_ERR_FORMAT,
                                "%s does not match net %s: the file (net %s) holds %d tensors, "
                                "the net has %d; the first missing is %s",
                                r->path, net->name, m->net_name, k, net->ntensors, exp);
            }
            return AN_OK;
        }
        if (strcmp(tag, "TENS") != 0) return corrupt(r, "a second HEAD record");
        /* name, ndim, dims, padding */
        uint32_t nl, nd, dims[MAX_NDIM];
        char name[MAX_NAME_BYTES + 1];
        uint64_t body_start = r->pos;
        AN_TRY(r_u32(r, &nl));
        if (nl == 0 || nl > MAX_NAME_BYTES || nl > len) return corrupt(r, "bad tensor name length");
        AN_TRY(r_bytes(r, name, nl));
        name[nl] = 0;
        snprintf(what, sizeof what, "tensor %d (%s)", k + 1, name);
        r->what = what;
        AN_TRY(r_u32(r, &nd));
        if (nd == 0 || nd > MAX_NDIM) return corrupt(r, "%u dimensions", nd);
        uint64_t count = 1;
        for (uint32_t d = 0; d < nd; d++) {
            AN_TRY(r_u32(r, &dims[d]));
            count *= dims[d];
        }
        uint64_t pad = (DATA_ALIGN - r->pos % DATA_ALIGN) % DATA_ALIGN;
        if (r->pos - body_start + pad + count * 4 != len)
            return corrupt(r, "record length %llu does not fit its shape",
                           (unsigned long long)len);
        unsigned char zeros[DATA_ALIGN];
        AN_TRY(r_bytes(r, zeros, (size_t)pad));
        int bad_pad = 0; /* reported after the CRC, which tells corruption from a bad writer */
        for (uint64_t i = 0; i < pad; i++) bad_pad |= zeros[i];

        const an_tensor *t = k < net->ntensors ? &net->tensors[k] : NULL;
        int match = t && strcmp(t->name, name) == 0 && (int)nd == t->ndim;
        for (int d = 0; match && d < t->ndim; d++) match = dims[d] == (uint32_t)t->dims[d];
        if (!match) {
            /* Tell corruption (of the name or shape) from a file for another net. */
            AN_TRY(r_data(r, NULL, count * 4));
            AN_TRY(r_record_end(r));
            char ds[128];
            dims_str(ds, sizeof ds, dims, (int)nd);
            snprintf(got, sizeof got, "%s %s", name, ds);
            if (t) tensor_str(exp, sizeof exp, t);
            else snprintf(exp, sizeof exp, "no tensor %d (it has %d)", k + 1, net->ntensors);
            return an_error(AN_ERR_FORMAT,
                            "%s does not match net %s: the file (saved for net %s) has %s as "
                            "tensor %d, the net expects %s",
                            r->path, net->name, m->net_name, got, k + 1, exp);
        }
        AN_TRY(r_data(r, whole + lay->e[k].whole_offset, count * 4));
        AN_TRY(r_record_end(r));
        if (bad_pad) return corrupt(r, "nonzero padding before the data");
    }
}

an_status an_weights_load(const char *path, const an_net *net, float *whole,
                          an_weights_meta *meta) {
    if (!host_is_little_endian())
        return an_error(AN_ERR_UNSUPPORTED, "weights files are little-endian; this host is not");
    an_layout lay;
    AN_TRY(an_layout_whole(net, &lay));
    reader r;
    an_weights_meta m;
    an_status s = open_and_read_head(path, &r, &m);
    if (s == AN_OK) {
        memset(whole, 0, lay.total * sizeof *whole);
        s = read_tensors(&r, net, &lay, whole, &m);
    }
    if (r.f) fclose(r.f);
    if (s == AN_OK) s = check_structure(path, net, &m);
    an_layout_free(&lay);
    if (s == AN_OK && meta)
        *meta = m;
    else
        an_weights_meta_free(&m);
    return s;
}

an_status an_net_from_weights(const char *path, an_net **out) {
    *out = NULL;
    an_weights_meta m;
    AN_TRY(an_weights_read_meta(path, &m));
    char src[300];
    snprintf(src, sizeof src, "the net inside %s", path);
    an_net *net = NULL;
    an_status s = an_net_parse(m.net_text, src, &net);
    if (s == AN_OK && (m.input.c != net->input.c || m.input.h != net->input.h ||
                       m.input.w != net->input.w))
        s = an_error(AN_ERR_FORMAT, "%s: the header's input %d×%d×%d differs from its net's",
                     path, m.input.c, m.input.h, m.input.w);
    if (s == AN_OK && ((m.pre.nmean != 1 && m.pre.nmean != net->input.c) ||
                       (m.pre.nstd != 1 && m.pre.nstd != net->input.c)))
        s = an_error(AN_ERR_FORMAT, "%s: the header gives %d mean and %d std values for %d "
                                    "input channels", path, m.pre.nmean, m.pre.nstd,
                     net->input.c);
    if (s == AN_OK && m.nclass_names)
        s = an_net_set_class_names(net, m.nclass_names, (const char *const *)m.class_names);
    if (s == AN_OK) {
        net->pre = m.pre;
        *out = net;
    } else {
        an_net_free(net);
    }
    an_weights_meta_free(&m);
    return s;
}
