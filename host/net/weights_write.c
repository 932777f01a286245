/* host/net/weights_write.c - write weights files (docs/WEIGHTS.md): a 16-byte preamble, then
 * records (tag, length, body, CRC-32): HEAD (key/value strings), one TENS per tensor, END. The
 * reader is weights_read.c. */
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

/* ---- the header's key/value strings ------------------------------------------------------ */

typedef struct head {
    unsigned char *p;
    size_t n, cap;
    uint32_t count;
    int oom;
} head;

static void head_put(head *h, const char *key, const char *val) {
    size_t kl = strlen(key), vl = strlen(val), need = h->n + 8 + kl + vl;
    if (h->oom) return;
    if (need > h->cap) {
        size_t cap = need * 2;
        unsigned char *g = realloc(h->p, cap);
        if (!g) {
            h->oom = 1;
            return;
        }
        h->p = g;
        h->cap = cap;
    }
    put_u32(h->p + h->n, (uint32_t)kl);
    memcpy(h->p + h->n + 4, key, kl);
    put_u32(h->p + h->n + 4 + kl, (uint32_t)vl);
    memcpy(h->p + h->n + 8 + kl, val, vl);
    h->n = need;
    h->count++;
}

/* Numbers as the shortest of %.15g / %.17g that reads back exactly, comma-separated. */
static void num_list(char *buf, size_t n, const double *v, int count) {
    buf[0] = 0;
    for (int i = 0; i < count; i++) {
        char t[32];
        snprintf(t, sizeof t, "%.15g", v[i]);
        if (strtod(t, NULL) != v[i]) snprintf(t, sizeof t, "%.17g", v[i]);
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? "," : "", t);
    }
}

/* The HEAD body: u32 count, then count × (u32 key length, key, u32 value length, value). */
static an_status build_head(const an_net *net, head *h) {
    char *text;
    AN_TRY(an_net_to_text(net, &text));
    char buf[1024];
    memset(h, 0, sizeof *h);
    h->n = 4;
    h->cap = 4096 + strlen(text);
    h->p = malloc(h->cap);
    if (!h->p) {
        free(text);
        return an_error(AN_ERR_NOMEM, "out of memory");
    }
    head_put(h, "creator", "alexnet-cl");
    head_put(h, "net_name", net->name);
    head_put(h, "net", text);
    free(text);
    head_put(h, "lrn", an_lrn_convention_name(net->lrn));
    snprintf(buf, sizeof buf, "%d %d %d", net->input.c, net->input.h, net->input.w);
    head_put(h, "input", buf);
    num_list(buf, sizeof buf, &net->pre.range, 1);
    head_put(h, "range", buf);
    num_list(buf, sizeof buf, net->pre.mean, net->pre.nmean);
    head_put(h, "mean", buf);
    num_list(buf, sizeof buf, net->pre.std, net->pre.nstd);
    head_put(h, "std", buf);
    head_put(h, "order", net->pre.order);
    snprintf(buf, sizeof buf, "%d", net->classes);
    head_put(h, "num_classes", buf);
    size_t len = 1;
    for (int i = 0; i < net->nclass_names; i++) len += strlen(net->class_names[i]) + 1;
    char *names = malloc(len);
    if (!names) h->oom = 1;
    else {
        names[0] = 0;
        for (int i = 0; i < net->nclass_names; i++) {
            if (i) strcat(names, "\n");
            strcat(names, net->class_names[i]);
        }
        head_put(h, "classes", names);
        free(names);
    }
    snprintf(buf, sizeof buf, "%d", net->ntensors);
    head_put(h, "tensors", buf);
    if (h->oom) {
        free(h->p);
        return an_error(AN_ERR_NOMEM, "out of memory");
    }
    put_u32(h->p, h->count);
    return AN_OK;
}

/* ---- writing ----------------------------------------------------------------------------- */

typedef struct writer {
    FILE *f;
    uint64_t pos;
    uint32_t crc;
    int err;
} writer;

static void w_bytes(writer *w, const void *p, size_t n) {
    if (w->err || n == 0) return;
    if (fwrite(p, 1, n, w->f) != n) w->err = errno ? errno : EIO;
    w->crc = an_crc32(w->crc, p, n);
    w->pos += n;
}

/* A record's tag and length start its CRC. */
static void w_record_start(writer *w, const char *tag, uint64_t len) {
    unsigned char b[12];
    memcpy(b, tag, 4);
    put_u64(b + 4, len);
    w->crc = 0;
    w_bytes(w, b, sizeof b);
}

static void w_record_end(writer *w) {
    unsigned char b[4];
    put_u32(b, w->crc);
    if (!w->err && fwrite(b, 1, 4, w->f) != 4) w->err = errno ? errno : EIO;
    w->pos += 4;
}

static void write_all(writer *w, const an_net *net, const an_layout *whole, const head *h,
                      const float *params) {
    unsigned char pre[16];
    memcpy(pre, MAGIC, 8);
    put_u32(pre + 8, AN_WEIGHTS_VERSION);
    put_u32(pre + 12, 0);
    w_bytes(w, pre, sizeof pre);

    w_record_start(w, "HEAD", h->n);
    w_bytes(w, h->p, h->n);
    w_record_end(w);

    static const unsigned char zeros[DATA_ALIGN];
    for (int i = 0; i < net->ntensors; i++) {
        const an_tensor *t = &net->tensors[i];
        unsigned char meta[4 + AN_TENSOR_NAME_MAX + 4 + 4 * 4];
        size_t nl = strlen(t->name), m = 0;
        put_u32(meta, (uint32_t)nl);
        memcpy(meta + 4, t->name, nl);
        m = 4 + nl;
        put_u32(meta + m, (uint32_t)t->ndim);
        m += 4;
        for (int d = 0; d < t->ndim; d++, m += 4) put_u32(meta + m, (uint32_t)t->dims[d]);
        uint64_t data_at = w->pos + 12 + m;
        size_t pad = (size_t)((DATA_ALIGN - data_at % DATA_ALIGN) % DATA_ALIGN);
        w_record_start(w, "TENS", m + pad + t->count * 4);
        w_bytes(w, meta, m);
        w_bytes(w, zeros, pad);
        w_bytes(w, params + whole->e[i].whole_offset, t->count * 4);
        w_record_end(w);
    }
    unsigned char end[12];
    put_u32(end, (uint32_t)net->ntensors);
    put_u64(end + 4, w->pos + 12 + sizeof end + 4);
    w_record_start(w, "END ", sizeof end);
    w_bytes(w, end, sizeof end);
    w_record_end(w);
}

an_status an_weights_save(const char *path, const an_net *net, const float *whole) {
    if (!host_is_little_endian())
        return an_error(AN_ERR_UNSUPPORTED, "weights files are little-endian; this host is not");
    an_layout lay;
    AN_TRY(an_layout_whole(net, &lay));
    head h;
    an_status s = build_head(net, &h);
    if (s != AN_OK) {
        an_layout_free(&lay);
        return s;
    }
    an_atomic_file af;
    s = an_atomic_open(&af, path);
    if (s != AN_OK) goto out;
    writer w = {af.f, 0, 0, 0};
    errno = 0;
    write_all(&w, net, &lay, &h, whole);
    if (w.err) {
        an_atomic_abort(&af);
        s = an_error(AN_ERR_IO, "writing weights file %s failed: %s (nothing was replaced)", path,
                     strerror(w.err));
        goto out;
    }
    s = an_atomic_commit(&af);
out:
    free(h.p);
    an_layout_free(&lay);
    return s;
}
