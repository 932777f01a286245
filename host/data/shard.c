/* host/data/shard.c - shard, index and statistics files: writing atomically, reading with checks;
 * the statistics' integer sums and the 3×3 eigen-decomposition for PCA lighting. */
#include "data/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/try.h"
#include "util/read_file.h"

#define SHARD_MAGIC "ANSHARD1"
#define INDEX_MAGIC "ANINDEX1"
#define STATS_MAGIC "ANSTATS1"
#define FORMAT_VERSION 1u

typedef struct shard_header {
    char magic[8];
    uint32_t version, encoding, size, quality, shard_images, shard_no, nsrc, has_stats, nrec, nbad;
    uint64_t first, src_hash, table_off, bad_off, stats_off, file_size;
} shard_header;

typedef struct index_header {
    char magic[8];
    uint32_t version, encoding, size, nshards, nclasses, pad;
    uint64_t count, nbad;
} index_header;

typedef struct stats_header {
    char magic[8];
    uint32_t version, size;
    uint64_t count;
    double v[27]; /* mean[3], std[3], cov[9], eigval[3], eigvec[9] */
} stats_header;

/* ---- statistics ---- */

an_status an_stat_sums_init(an_stat_sums *s, int size) {
    *s = (an_stat_sums){0};
    s->size = size;
    s->pix = calloc((size_t)size * size * 3, sizeof *s->pix);
    if (!s->pix) return an_error(AN_ERR_NOMEM, "out of memory for %d×%d statistics", size, size);
    return AN_OK;
}

void an_stat_sums_clear(an_stat_sums *s) {
    memset(s->pix, 0, (size_t)s->size * s->size * 3 * sizeof *s->pix);
    memset(s->ch, 0, sizeof s->ch);
    memset(s->prod, 0, sizeof s->prod);
    s->npix = s->nimg = 0;
}

void an_stat_sums_add(an_stat_sums *s, const uint8_t *px) {
    size_t n = (size_t)s->size * s->size;
    uint64_t r = 0, g = 0, b = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t R = px[3 * i], G = px[3 * i + 1], B = px[3 * i + 2];
        s->pix[3 * i] += R;
        s->pix[3 * i + 1] += G;
        s->pix[3 * i + 2] += B;
        r += R;
        g += G;
        b += B;
        rr += R * R;
        rg += R * G;
        rb += R * B;
        gg += G * G;
        gb += G * B;
        bb += B * B;
    }
    s->ch[0] += r;
    s->ch[1] += g;
    s->ch[2] += b;
    s->prod[0] += rr;
    s->prod[1] += rg;
    s->prod[2] += rb;
    s->prod[3] += gg;
    s->prod[4] += gb;
    s->prod[5] += bb;
    s->npix += n;
    s->nimg++;
}

void an_stat_sums_merge(an_stat_sums *dst, const an_stat_sums *src) {
    size_t n = (size_t)dst->size * dst->size * 3;
    for (size_t i = 0; i < n; i++) dst->pix[i] += src->pix[i];
    for (int c = 0; c < 3; c++) dst->ch[c] += src->ch[c];
    for (int c = 0; c < 6; c++) dst->prod[c] += src->prod[c];
    dst->npix += src->npix;
    dst->nimg += src->nimg;
}

void an_stat_sums_free(an_stat_sums *s) {
    free(s->pix);
    *s = (an_stat_sums){0};
}

void an_sym3_eigen(const double a[9], double val[3], double vec[9]) {
    double m[3][3], v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) m[i][j] = 0.5 * (a[3 * i + j] + a[3 * j + i]);
    for (int sweep = 0; sweep < 50; sweep++) {
        double off = fabs(m[0][1]) + fabs(m[0][2]) + fabs(m[1][2]);
        if (off < 1e-15 * (fabs(m[0][0]) + fabs(m[1][1]) + fabs(m[2][2])) || off == 0) break;
        for (int p = 0; p < 2; p++)
            for (int q = p + 1; q < 3; q++) {
                if (m[p][q] == 0) continue;
                double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < 3; k++) { /* m = J^T m J */
                    double mkp = m[k][p], mkq = m[k][q];
                    m[k][p] = c * mkp - s * mkq;
                    m[k][q] = s * mkp + c * mkq;
                }
                for (int k = 0; k < 3; k++) {
                    double mpk = m[p][k], mqk = m[q][k];
                    m[p][k] = c * mpk - s * mqk;
                    m[q][k] = s * mpk + c * mqk;
                }
                for (int k = 0; k < 3; k++) {
                    double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
    }
    int order[3] = {0, 1, 2};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (m[order[j]][order[j]] > m[order[i]][order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    for (int i = 0; i < 3; i++) {
        int k = order[i];
        val[i] = m[k][k];
        int big = 0;
        for (int c = 1; c < 3; c++)
            if (fabs(v[c][k]) > fabs(v[big][k])) big = c;
        double sign = v[big][k] < 0 ? -1 : 1;
        for (int c = 0; c < 3; c++) vec[3 * i + c] = sign * v[c][k];
    }
}

an_status an_data_stats_compute(const an_stat_sums *s, an_data_stats *out) {
    *out = (an_data_stats){0};
    if (s->nimg == 0) return an_error(AN_ERR_INVALID_ARG, "statistics of an empty set");
    size_t n = (size_t)s->size * s->size * 3;
    out->size = s->size;
    out->count = s->nimg;
    out->mean_image = malloc(n * sizeof *out->mean_image);
    if (!out->mean_image) return an_error(AN_ERR_NOMEM, "out of memory for the mean image");
    for (size_t i = 0; i < n; i++) out->mean_image[i] = (float)((double)s->pix[i] / (double)s->nimg);
    double np = (double)s->npix;
    for (int c = 0; c < 3; c++) out->mean[c] = (double)s->ch[c] / np;
    static const int pi[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}};
    for (int k = 0; k < 6; k++) {
        int a = pi[k][0], b = pi[k][1];
        double cv = (double)s->prod[k] / np - out->mean[a] * out->mean[b];
        out->cov[3 * a + b] = out->cov[3 * b + a] = cv;
    }
    for (int c = 0; c < 3; c++) out->std[c] = sqrt(out->cov[4 * c] > 0 ? out->cov[4 * c] : 0);
    an_sym3_eigen(out->cov, out->eigval, out->eigvec);
    return AN_OK;
}

void an_data_stats_free(an_data_stats *st) {
    free(st->mean_image);
    *st = (an_data_stats){0};
}

an_status an_data_stats_save(const char *dir, const an_data_stats *st) {
    size_t n = (size_t)st->size * st->size * 3;
    size_t bytes = sizeof(stats_header) + n * sizeof(float);
    uint8_t *buf = malloc(bytes);
    if (!buf) return an_error(AN_ERR_NOMEM, "out of memory writing statistics");
    stats_header h = {.version = FORMAT_VERSION, .size = (uint32_t)st->size, .count = st->count};
    memcpy(h.magic, STATS_MAGIC, 8);
    memcpy(h.v, st->mean, 3 * sizeof(double));
    memcpy(h.v + 3, st->std, 3 * sizeof(double));
    memcpy(h.v + 6, st->cov, 9 * sizeof(double));
    memcpy(h.v + 15, st->eigval, 3 * sizeof(double));
    memcpy(h.v + 18, st->eigvec, 9 * sizeof(double));
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, st->mean_image, n * sizeof(float));
    char path[4096];
    snprintf(path, sizeof path, "%s/stats.bin", dir);
    an_status s = an_write_atomic(path, buf, bytes);
    free(buf);
    if (s != AN_OK) return s;

    char text[2048];
    int len = snprintf(text, sizeof text,
                       "# training-set statistics, pixel values 0..255, RGB\n"
                       "images %llu\nsize %d\n"
                       "mean %.6f %.6f %.6f\nstd %.6f %.6f %.6f\n"
                       "cov %.6f %.6f %.6f\ncov %.6f %.6f %.6f\ncov %.6f %.6f %.6f\n"
                       "eigval %.6f %.6f %.6f\n"
                       "eigvec0 %.6f %.6f %.6f\neigvec1 %.6f %.6f %.6f\neigvec2 %.6f %.6f %.6f\n",
                       (unsigned long long)st->count, st->size, st->mean[0], st->mean[1],
                       st->mean[2], st->std[0], st->std[1], st->std[2], st->cov[0], st->cov[1],
                       st->cov[2], st->cov[3], st->cov[4], st->cov[5], st->cov[6], st->cov[7],
                       st->cov[8], st->eigval[0], st->eigval[1], st->eigval[2], st->eigvec[0],
                       st->eigvec[1], st->eigvec[2], st->eigvec[3], st->eigvec[4], st->eigvec[5],
                       st->eigvec[6], st->eigvec[7], st->eigvec[8]);
    snprintf(path, sizeof path, "%s/stats.txt", dir);
    return an_write_atomic(path, text, (size_t)len);
}

/* Read a whole small file. */
static an_status slurp(const char *path, uint8_t **buf, size_t *len) {
    size_t cap = 0;
    *buf = NULL;
    an_status s = an_read_file(path, buf, &cap, len);
    if (s != AN_OK) {
        free(*buf);
        *buf = NULL;
    }
    return s;
}

an_status an_data_stats_load(const char *path, an_data_stats *out) {
    *out = (an_data_stats){0};
    uint8_t *buf;
    size_t len;
    AN_TRY(slurp(path, &buf, &len));
    stats_header h;
    if (len < sizeof h) {
        free(buf);
        return an_error(AN_ERR_FORMAT, "%s: truncated statistics file", path);
    }
    memcpy(&h, buf, sizeof h);
    size_t n = (size_t)h.size * h.size * 3;
    if (memcmp(h.magic, STATS_MAGIC, 8) != 0 || h.version != FORMAT_VERSION ||
        h.size < AN_SHARD_MIN_SIZE || h.size > AN_SHARD_MAX_SIZE ||
        len != sizeof h + n * sizeof(float)) {
        free(buf);
        return an_error(AN_ERR_FORMAT, "%s: not a statistics file of this version", path);
    }
    out->size = (int)h.size;
    out->count = h.count;
    memcpy(out->mean, h.v, 3 * sizeof(double));
    memcpy(out->std, h.v + 3, 3 * sizeof(double));
    memcpy(out->cov, h.v + 6, 9 * sizeof(double));
    memcpy(out->eigval, h.v + 15, 3 * sizeof(double));
    memcpy(out->eigvec, h.v + 18, 9 * sizeof(double));
    out->mean_image = malloc(n * sizeof(float));
    if (!out->mean_image) {
        free(buf);
        return an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
    }
    memcpy(out->mean_image, buf + sizeof h, n * sizeof(float));
    free(buf);
    return AN_OK;
}

/* ---- shards ---- */

struct an_shard_writer {
    FILE *f;
    an_atomic_file af;
    an_shard_info info;
    uint64_t pos;
    an_shard_rec *recs;
    uint32_t nrec, rec_cap;
    uint8_t *bad;          /* serialised bad entries */
    size_t bad_len, bad_cap;
    uint32_t nbad;
};

void an_shard_path(char *buf, size_t cap, const char *dir, uint32_t shard_no) {
    snprintf(buf, cap, "%s/shard-%05u.bin", dir, shard_no);
}

an_status an_shard_writer_open(const char *dir, const an_shard_info *info, an_shard_writer **out) {
    an_shard_writer *w = calloc(1, sizeof *w);
    if (!w) return an_error(AN_ERR_NOMEM, "out of memory for a shard writer");
    w->info = *info;
    char path[4096];
    an_shard_path(path, sizeof path, dir, info->shard_no);
    an_status s = an_atomic_open(&w->af, path);
    if (s != AN_OK) {
        free(w);
        return s;
    }
    w->f = w->af.f;
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    shard_header h;
    memset(&h, 0, sizeof h);
    if (fwrite(&h, sizeof h, 1, w->f) != 1) {
        an_shard_writer_abort(w);
        return an_error(AN_ERR_IO, "cannot write %s", path);
    }
    w->pos = sizeof h;
    *out = w;
    return AN_OK;
}

an_status an_shard_writer_add(an_shard_writer *w, uint32_t src, int32_t label, const uint8_t *data,
                              size_t len) {
    if (w->nrec == w->rec_cap) {
        uint32_t nc = w->rec_cap ? w->rec_cap * 2 : 256;
        an_shard_rec *p = realloc(w->recs, nc * sizeof *p);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory for a shard table");
        w->recs = p;
        w->rec_cap = nc;
    }
    if (fwrite(data, 1, len, w->f) != len)
        return an_error(AN_ERR_IO, "cannot write %s: %s", w->af.path, strerror(errno));
    w->recs[w->nrec++] = (an_shard_rec){.off = w->pos, .len = (uint32_t)len, .label = label, .src = src};
    w->pos += len;
    return AN_OK;
}

an_status an_shard_writer_bad(an_shard_writer *w, uint32_t src, const char *path, const char *reason) {
    uint32_t pl = (uint32_t)strlen(path), rl = (uint32_t)strlen(reason);
    size_t need = w->bad_len + 12 + pl + rl;
    if (need > w->bad_cap) {
        size_t nc = need * 2;
        uint8_t *p = realloc(w->bad, nc);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory for the bad-file list");
        w->bad = p;
        w->bad_cap = nc;
    }
    uint32_t hdr[3] = {src, pl, rl};
    memcpy(w->bad + w->bad_len, hdr, 12);
    memcpy(w->bad + w->bad_len + 12, path, pl);
    memcpy(w->bad + w->bad_len + 12 + pl, reason, rl);
    w->bad_len = need;
    w->nbad++;
    return AN_OK;
}

static void writer_free(an_shard_writer *w) {
    free(w->recs);
    free(w->bad);
    free(w);
}

void an_shard_writer_abort(an_shard_writer *w) {
    if (!w) return;
    an_atomic_abort(&w->af);
    writer_free(w);
}

an_status an_shard_writer_commit(an_shard_writer *w, const an_stat_sums *sums) {
    shard_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, SHARD_MAGIC, 8);
    h.version = FORMAT_VERSION;
    h.encoding = w->info.encoding;
    h.size = w->info.size;
    h.quality = w->info.quality;
    h.shard_images = w->info.shard_images;
    h.shard_no = w->info.shard_no;
    h.nsrc = w->info.nsrc;
    h.has_stats = sums ? 1 : 0;
    h.nrec = w->nrec;
    h.nbad = w->nbad;
    h.first = w->info.first;
    h.src_hash = w->info.src_hash;
    h.table_off = w->pos;
    h.bad_off = h.table_off + (uint64_t)w->nrec * sizeof(an_shard_rec);
    h.stats_off = h.bad_off + w->bad_len;
    size_t npix = sums ? (size_t)sums->size * sums->size * 3 : 0;
    h.file_size = h.stats_off + (sums ? (npix + 11) * sizeof(uint64_t) : 0);
    int ok = (w->nrec == 0 || fwrite(w->recs, sizeof(an_shard_rec), w->nrec, w->f) == w->nrec) &&
             (w->bad_len == 0 || fwrite(w->bad, 1, w->bad_len, w->f) == w->bad_len);
    if (ok && sums) {
        uint64_t tail[11];
        memcpy(tail, sums->ch, 3 * 8);
        memcpy(tail + 3, sums->prod, 6 * 8);
        tail[9] = sums->npix;
        tail[10] = sums->nimg;
        ok = fwrite(sums->pix, sizeof(uint64_t), npix, w->f) == npix && fwrite(tail, 8, 11, w->f) == 11;
    }
    ok = ok && fseek(w->f, 0, SEEK_SET) == 0 && fwrite(&h, sizeof h, 1, w->f) == 1;
    if (!ok) {
        an_status s = an_error(AN_ERR_IO, "cannot write %s: %s", w->af.path, strerror(errno));
        an_shard_writer_abort(w);
        return s;
    }
    an_status s = an_atomic_commit(&w->af);
    if (s != AN_OK) {
        writer_free(w);
        return s;
    }
    writer_free(w);
    return AN_OK;
}

void an_shard_meta_free(an_shard_meta *m) {
    for (uint32_t i = 0; i < m->nbad; i++) {
        if (m->bad_path) free(m->bad_path[i]);
        if (m->bad_reason) free(m->bad_reason[i]);
    }
    free(m->bad_path);
    free(m->bad_reason);
    free(m->bad_src);
    free(m->recs);
    an_stat_sums_free(&m->sums);
    *m = (an_shard_meta){0};
}

static an_status read_at(FILE *f, const char *path, uint64_t off, void *dst, size_t len) {
    if (fseek(f, (long)off, SEEK_SET) != 0 || fread(dst, 1, len, f) != len)
        return an_error(AN_ERR_FORMAT, "%s: truncated shard", path);
    return AN_OK;
}

an_status an_shard_read_meta(const char *path, int want_sums, an_shard_meta *out) {
    *out = (an_shard_meta){0};
    FILE *f = fopen(path, "rb");
    if (!f) return an_error(errno == ENOENT ? AN_ERR_NOT_FOUND : AN_ERR_IO, "cannot open %s: %s",
                            path, strerror(errno));
    an_status s = AN_OK;
    shard_header h;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < (long)sizeof h || read_at(f, path, 0, &h, sizeof h) != AN_OK ||
        memcmp(h.magic, SHARD_MAGIC, 8) != 0 || h.version != FORMAT_VERSION ||
        h.file_size != (uint64_t)size || h.table_off < sizeof h || h.table_off > h.file_size ||
        h.bad_off != h.table_off + (uint64_t)h.nrec * sizeof(an_shard_rec) ||
        h.stats_off < h.bad_off || h.stats_off > h.file_size || h.nrec > h.nsrc ||
        h.nbad > (h.stats_off - h.bad_off) / 12 || h.size < AN_SHARD_MIN_SIZE ||
        h.size > AN_SHARD_MAX_SIZE) {
        /* (each bad entry takes at least 12 bytes: a huge count is refused before allocating) */
        fclose(f);
        return an_error(AN_ERR_FORMAT, "%s: not a complete shard of this version", path);
    }
    out->info = (an_shard_info){.encoding = h.encoding, .size = h.size, .quality = h.quality,
                                .shard_images = h.shard_images, .shard_no = h.shard_no,
                                .nsrc = h.nsrc, .has_stats = h.has_stats, .first = h.first,
                                .src_hash = h.src_hash};
    out->nrec = h.nrec;
    out->nbad = h.nbad;
    out->file_size = h.file_size;
    out->recs = malloc((h.nrec + 1) * sizeof *out->recs);
    out->bad_src = calloc(h.nbad + 1, sizeof *out->bad_src);
    out->bad_path = calloc(h.nbad + 1, sizeof *out->bad_path);
    out->bad_reason = calloc(h.nbad + 1, sizeof *out->bad_reason);
    if (!out->recs || !out->bad_src || !out->bad_path || !out->bad_reason)
        s = an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
    if (s == AN_OK) s = read_at(f, path, h.table_off, out->recs, h.nrec * sizeof(an_shard_rec));
    for (uint32_t i = 0; s == AN_OK && i < h.nrec; i++)
        if (out->recs[i].off < sizeof h || out->recs[i].off > h.table_off ||
            out->recs[i].len > h.table_off - out->recs[i].off ||
            out->recs[i].src >= h.nsrc)
            s = an_error(AN_ERR_FORMAT, "%s: record %u out of bounds", path, i);
    uint64_t p = h.bad_off;
    for (uint32_t i = 0; s == AN_OK && i < h.nbad; i++) {
        uint32_t bh[3];
        s = read_at(f, path, p, bh, 12);
        if (s != AN_OK) break;
        if (p + 12 + bh[1] + bh[2] > h.stats_off) {
            s = an_error(AN_ERR_FORMAT, "%s: bad-file list out of bounds", path);
            break;
        }
        out->bad_src[i] = bh[0];
        out->bad_path[i] = calloc(bh[1] + 1, 1);
        out->bad_reason[i] = calloc(bh[2] + 1, 1);
        if (!out->bad_path[i] || !out->bad_reason[i]) {
            s = an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        s = read_at(f, path, p + 12, out->bad_path[i], bh[1]);
        if (s == AN_OK) s = read_at(f, path, p + 12 + bh[1], out->bad_reason[i], bh[2]);
        p += 12 + bh[1] + bh[2];
    }
    if (s == AN_OK && want_sums && h.has_stats) {
        size_t npix = (size_t)h.size * h.size * 3;
        if (h.file_size != h.stats_off + (npix + 11) * 8)
            s = an_error(AN_ERR_FORMAT, "%s: statistics block has the wrong size", path);
        if (s == AN_OK) s = an_stat_sums_init(&out->sums, (int)h.size);
        uint64_t tail[11];
        if (s == AN_OK) s = read_at(f, path, h.stats_off, out->sums.pix, npix * 8);
        if (s == AN_OK) s = read_at(f, path, h.stats_off + npix * 8, tail, sizeof tail);
        if (s == AN_OK) {
            memcpy(out->sums.ch, tail, 3 * 8);
            memcpy(out->sums.prod, tail + 3, 6 * 8);
            out->sums.npix = tail[9];
            out->sums.nimg = tail[10];
        }
    }
    fclose(f);
    if (s != AN_OK) an_shard_meta_free(out);
    return s;
}

/* ---- index ---- */

an_status an_index_save(const char *dir, const an_index *idx) {
    size_t bytes = sizeof(index_header) + idx->count * sizeof(an_index_entry);
    uint8_t *buf = malloc(bytes);
    if (!buf) return an_error(AN_ERR_NOMEM, "out of memory writing the index");
    index_header h = {.version = FORMAT_VERSION, .encoding = idx->encoding, .size = idx->size,
                      .nshards = idx->nshards, .nclasses = idx->nclasses, .count = idx->count,
                      .nbad = idx->nbad};
    memcpy(h.magic, INDEX_MAGIC, 8);
    memcpy(buf, &h, sizeof h);
    if (idx->count) memcpy(buf + sizeof h, idx->e, idx->count * sizeof(an_index_entry));
    char path[4096];
    snprintf(path, sizeof path, "%s/index.bin", dir);
    an_status s = an_write_atomic(path, buf, bytes);
    free(buf);
    return s;
}

an_status an_index_load(const char *dir, an_index *out) {
    *out = (an_index){0};
    char path[4096];
    snprintf(path, sizeof path, "%s/index.bin", dir);
    uint8_t *buf;
    size_t len;
    AN_TRY(slurp(path, &buf, &len));
    index_header h;
    if (len < sizeof h || (memcpy(&h, buf, sizeof h), memcmp(h.magic, INDEX_MAGIC, 8) != 0) ||
        h.version != FORMAT_VERSION || h.count > (len - sizeof h) / sizeof(an_index_entry) ||
        h.encoding > AN_ENC_JPEG || h.size < AN_SHARD_MIN_SIZE || h.size > AN_SHARD_MAX_SIZE ||
        len != sizeof h + h.count * sizeof(an_index_entry)) {
        free(buf);
        return an_error(AN_ERR_FORMAT, "%s: not an index of this version (prepare again)", path);
    }
    out->encoding = h.encoding;
    out->size = h.size;
    out->nshards = h.nshards;
    out->nclasses = h.nclasses;
    out->count = h.count;
    out->nbad = h.nbad;
    out->e = malloc((h.count + 1) * sizeof *out->e);
    if (!out->e) {
        free(buf);
        return an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
    }
    memcpy(out->e, buf + sizeof h, h.count * sizeof(an_index_entry));
    free(buf);
    for (uint64_t i = 0; i < h.count; i++)
        if (out->e[i].shard >= h.nshards || out->e[i].label < 0 ||
            (uint32_t)out->e[i].label >= h.nclasses) {
            an_index_free(out);
            return an_error(AN_ERR_FORMAT, "%s: entry %llu out of range", path, (unsigned long long)i);
        }
    return AN_OK;
}

void an_index_free(an_index *idx) {
    free(idx->e);
    *idx = (an_index){0};
}
