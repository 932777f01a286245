/* host/train/tensorboard.c - TFRecord framing and hand-encoded Event protobufs (tensorboard.h). */
#include "train/tensorboard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/crc32.h"

#define FILE_VERSION "brain.Event:2"

uint32_t an_tb_mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

/* ---- encoding ---------------------------------------------------------------------------- */

typedef struct pbuf {
    uint8_t b[512];
    size_t n;
} pbuf;

static void pb_byte(pbuf *p, uint8_t v) {
    if (p->n < sizeof p->b) p->b[p->n] = v;
    p->n++;
}

static void pb_varint(pbuf *p, uint64_t v) {
    while (v >= 0x80) {
        pb_byte(p, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    pb_byte(p, (uint8_t)v);
}

static void pb_fixed(pbuf *p, const void *v, int n) { /* little-endian host */
    for (int i = 0; i < n; i++) pb_byte(p, ((const uint8_t *)v)[i]);
}

static void pb_bytes(pbuf *p, int field, const void *data, size_t n) {
    pb_varint(p, (uint64_t)field << 3 | 2);
    pb_varint(p, n);
    for (size_t i = 0; i < n; i++) pb_byte(p, ((const uint8_t *)data)[i]);
}

static an_status write_record(an_tb_writer *w, const pbuf *data) {
    if (data->n > sizeof data->b)
        return an_error(AN_ERR_INVALID_ARG, "tensorboard: an event of %zu bytes is too long",
                        data->n);
    uint8_t head[12];
    uint64_t len = data->n;
    memcpy(head, &len, 8);
    uint32_t c = an_tb_mask_crc(an_crc32c(0, head, 8));
    memcpy(head + 8, &c, 4);
    uint32_t dc = an_tb_mask_crc(an_crc32c(0, data->b, data->n));
    if (fwrite(head, 1, 12, w->f) != 12 || fwrite(data->b, 1, data->n, w->f) != data->n ||
        fwrite(&dc, 1, 4, w->f) != 4 || fflush(w->f) != 0)
        return an_error(AN_ERR_IO, "cannot write %s: %s", w->path, strerror(errno));
    return AN_OK;
}

static void event_head(pbuf *p, double wall_time, int64_t step) {
    pb_varint(p, 1 << 3 | 1);
    pb_fixed(p, &wall_time, 8);
    pb_varint(p, 2 << 3 | 0);
    pb_varint(p, (uint64_t)step);
}

an_status an_tb_open(an_tb_writer *w, const char *dir) {
    memset(w, 0, sizeof *w);
    char host[128] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(w->path, sizeof w->path, "%s/events.out.tfevents.%010lld.%s.%d.alexnet-cl", dir,
             (long long)ts.tv_sec, host, (int)getpid());
    w->f = fopen(w->path, "wb");
    if (!w->f) return an_error(AN_ERR_IO, "cannot create %s: %s", w->path, strerror(errno));
    pbuf p = {.n = 0};
    event_head(&p, (double)ts.tv_sec + ts.tv_nsec * 1e-9, 0);
    pb_bytes(&p, 3, FILE_VERSION, strlen(FILE_VERSION));
    an_status s = write_record(w, &p);
    if (s != AN_OK) an_tb_close(w);
    return s;
}

an_status an_tb_scalar(an_tb_writer *w, const char *tag, int64_t step, float value,
                       double wall_time) {
    if (!w->f) return AN_OK;
    pbuf v = {.n = 0}, sum = {.n = 0}, ev = {.n = 0};
    size_t tl = strlen(tag);
    if (tl > 200) return an_error(AN_ERR_INVALID_ARG, "tensorboard: tag '%.40s...' too long", tag);
    pb_bytes(&v, 1, tag, tl);
    pb_varint(&v, 2 << 3 | 5);
    pb_fixed(&v, &value, 4);
    pb_bytes(&sum, 1, v.b, v.n);
    event_head(&ev, wall_time, step);
    pb_bytes(&ev, 5, sum.b, sum.n);
    return write_record(w, &ev);
}

double an_tb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void an_tb_close(an_tb_writer *w) {
    if (w->f) fclose(w->f);
    w->f = NULL;
}

/* ---- decoding ---------------------------------------------------------------------------- */

typedef struct pin {
    const uint8_t *p, *end;
    int bad;
} pin;

static uint64_t rd_varint(pin *in) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (in->p >= in->end) break;
        uint8_t b = *in->p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    in->bad = 1;
    return 0;
}

static const uint8_t *rd_take(pin *in, size_t n) {
    if ((size_t)(in->end - in->p) < n) {
        in->bad = 1;
        return NULL;
    }
    const uint8_t *q = in->p;
    in->p += n;
    return q;
}

/* Skip a field of wire type wt. */
static void rd_skip(pin *in, int wt) {
    if (wt == 0) rd_varint(in);
    else if (wt == 1) rd_take(in, 8);
    else if (wt == 5) rd_take(in, 4);
    else if (wt == 2) rd_take(in, rd_varint(in));
    else in->bad = 1;
}

typedef struct scalar {
    char tag[256];
    float value;
    int has_value;
} scalar;

static void rd_value(pin in, scalar *s) {
    while (!in.bad && in.p < in.end) {
        uint64_t key = rd_varint(&in);
        int field = (int)(key >> 3), wt = (int)(key & 7);
        if (field == 1 && wt == 2) {
            size_t n = rd_varint(&in);
            const uint8_t *q = rd_take(&in, n);
            if (q) snprintf(s->tag, sizeof s->tag, "%.*s", (int)n, (const char *)q);
        } else if (field == 2 && wt == 5) {
            const uint8_t *q = rd_take(&in, 4);
            if (q) {
                memcpy(&s->value, q, 4);
                s->has_value = 1;
            }
        } else {
            rd_skip(&in, wt);
        }
    }
}

static an_status corrupt(const char *path, long long at, const char *what) {
    return an_error(AN_ERR_FORMAT, "%s: %s in the record at byte %lld", path, what, at);
}

/* One Event: its scalars to fn. */
static an_status rd_event(const char *path, long long at, const uint8_t *d, size_t n,
                          an_tb_scalar_fn fn, void *ctx, char *version, int *stop) {
    pin in = {d, d + n, 0};
    double wall = 0;
    int64_t step = 0;
    const uint8_t *summary = NULL;
    size_t slen = 0;
    while (!in.bad && in.p < in.end) {
        uint64_t key = rd_varint(&in);
        int field = (int)(key >> 3), wt = (int)(key & 7);
        if (field == 1 && wt == 1) {
            const uint8_t *q = rd_take(&in, 8);
            if (q) memcpy(&wall, q, 8);
        } else if (field == 2 && wt == 0) {
            step = (int64_t)rd_varint(&in);
        } else if (field == 3 && wt == 2) {
            size_t len = rd_varint(&in);
            const uint8_t *q = rd_take(&in, len);
            if (q && version) snprintf(version, 64, "%.*s", (int)len, (const char *)q);
        } else if (field == 5 && wt == 2) {
            slen = rd_varint(&in);
            summary = rd_take(&in, slen);
        } else {
            rd_skip(&in, wt);
        }
    }
    if (in.bad) return corrupt(path, at, "a malformed Event");
    if (!summary) return AN_OK;
    pin sin = {summary, summary + slen, 0};
    while (!sin.bad && sin.p < sin.end && !*stop) {
        uint64_t key = rd_varint(&sin);
        if (key == (1 << 3 | 2)) {
            size_t len = rd_varint(&sin);
            const uint8_t *q = rd_take(&sin, len);
            if (!q) break;
            scalar s = {.has_value = 0};
            s.tag[0] = 0;
            rd_value((pin){q, q + len, 0}, &s);
            if (s.has_value) *stop = fn(ctx, s.tag, step, s.value, wall);
        } else {
            rd_skip(&sin, (int)(key & 7));
        }
    }
    return sin.bad ? corrupt(path, at, "a malformed Summary") : AN_OK;
}

an_status an_tb_read(const char *path, an_tb_scalar_fn fn, void *ctx, char *file_version) {
    FILE *f = fopen(path, "rb");
    if (!f) return an_error(AN_ERR_NOT_FOUND, "cannot open %s: %s", path, strerror(errno));
    if (file_version) file_version[0] = 0;
    an_status s = AN_OK;
    long long at = 0;
    uint8_t *data = NULL;
    int stop = 0;
    while (s == AN_OK && !stop) {
        uint8_t head[12];
        size_t got = fread(head, 1, 12, f);
        if (got == 0) break;
        if (got < 12) {
            s = corrupt(path, at, "a truncated length");
            break;
        }
        uint64_t len;
        uint32_t c, dc;
        memcpy(&len, head, 8);
        memcpy(&c, head + 8, 4);
        if (an_tb_mask_crc(an_crc32c(0, head, 8)) != c) {
            s = corrupt(path, at, "a bad length CRC");
            break;
        }
        if (len > (1u << 26)) {
            s = corrupt(path, at, "an implausible length");
            break;
        }
        free(data);
        data = malloc(len + 1);
        if (!data) {
            s = an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        if (fread(data, 1, len, f) != len || fread(&dc, 1, 4, f) != 4) {
            s = corrupt(path, at, "truncated data");
            break;
        }
        if (an_tb_mask_crc(an_crc32c(0, data, len)) != dc) {
            s = corrupt(path, at, "a bad data CRC");
            break;
        }
        s = rd_event(path, at, data, len, fn, ctx, at == 0 ? file_version : NULL, &stop);
        at += 16 + (long long)len;
    }
    free(data);
    fclose(f);
    return s;
}
