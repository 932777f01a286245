/* host/data/prepare.c - the prepare pipeline: list, shard, decode/resize/encode on worker threads,
 * then gather the shards' tables into the index, the bad-file list and the statistics. */
#include "data/prepare.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data/image.h"
#include "data/jpeg.h"
#include "data/source.h"
#include "util/try.h"
#include "util/clock.h"
#include "util/mkdir_p.h"
#include "util/read_file.h"

void an_prepare_defaults(an_prepare_opts *o) {
    *o = (an_prepare_opts){0};
    o->size = 256;
    o->encoding = AN_ENC_AUTO;
    o->quality = 90;
    o->label_base = 1;
}

an_encoding an_prepare_auto_encoding(int size) { return size <= 96 ? AN_ENC_RAW : AN_ENC_JPEG; }

void an_prepare_report_free(an_prepare_report *r) {
    for (size_t i = 0; i < r->nbad; i++) {
        free(r->bad[i].path);
        free(r->bad[i].reason);
    }
    free(r->bad);
    *r = (an_prepare_report){0};
}

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* One split being prepared. */
typedef struct split_job {
    const an_prepare_opts *o;
    const char *dir;
    const an_source *src;
    an_shard_info base;      /* settings common to all shards */
    uint32_t nshards;
    uint32_t *todo;          /* shards to build */
    uint32_t ntodo;
    atomic_uint next;        /* next entry of todo */
    atomic_size_t done, bad;
    atomic_int stop;
    pthread_mutex_t mu;
    an_status err;           /* the first worker error */
    char errmsg[1024];
} split_job;

static void shard_info(const split_job *j, uint32_t k, an_shard_info *info) {
    *info = j->base;
    info->shard_no = k;
    info->first = (uint64_t)k * j->base.shard_images;
    uint64_t end = info->first + j->base.shard_images;
    if (end > j->src->n) end = j->src->n;
    info->nsrc = (uint32_t)(end - info->first);
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, &j->base.encoding, sizeof j->base.encoding);
    h = fnv(h, &j->base.size, sizeof j->base.size);
    h = fnv(h, &j->base.quality, sizeof j->base.quality);
    h = fnv(h, &j->base.has_stats, sizeof j->base.has_stats);
    for (uint64_t i = info->first; i < end; i++) {
        const an_source_item *it = &j->src->items[i];
        h = fnv(h, it->path, strlen(it->path) + 1);
        h = fnv(h, &it->label, sizeof it->label);
    }
    info->src_hash = h;
}

typedef struct worker {
    an_jpeg *jpeg;
    an_resizer rs;
    an_image dec, fit;
    uint8_t *file, *enc;
    size_t file_cap, enc_cap;
    an_stat_sums sums;
} worker;

static an_status build_shard(split_job *j, worker *w, uint32_t k) {
    an_shard_info info;
    shard_info(j, k, &info);
    an_shard_writer *sw;
    AN_TRY(an_shard_writer_open(j->dir, &info, &sw));
    if (info.has_stats) an_stat_sums_clear(&w->sums);
    an_status s = AN_OK;
    for (uint32_t i = 0; i < info.nsrc && s == AN_OK; i++) {
        if (atomic_load(&j->stop)) {
            an_shard_writer_abort(sw);
            return AN_ERR_INTERRUPTED;
        }
        const an_source_item *it = &j->src->items[info.first + i];
        size_t len = 0;
        an_status d = an_read_file(it->path, &w->file, &w->file_cap, &len);
        if (d == AN_OK) d = an_jpeg_decode(w->jpeg, w->file, len, (int)info.size, &w->dec);
        if (d == AN_OK) d = an_image_fit(&w->rs, &w->dec, (int)info.size, &w->fit);
        if (d == AN_ERR_NOMEM || d == AN_ERR_INTERNAL) {
            s = d;
            break;
        }
        if (d != AN_OK) {
            s = an_shard_writer_bad(sw, i, it->path, an_last_error());
            atomic_fetch_add(&j->bad, 1);
        } else {
            if (info.has_stats) an_stat_sums_add(&w->sums, w->fit.px);
            if (info.encoding == AN_ENC_JPEG) {
                size_t elen;
                s = an_jpeg_encode(w->jpeg, &w->fit, (int)info.quality, 1, &w->enc, &w->enc_cap, &elen);
                if (s == AN_OK) s = an_shard_writer_add(sw, i, it->label, w->enc, elen);
            } else {
                s = an_shard_writer_add(sw, i, it->label, w->fit.px, (size_t)info.size * info.size * 3);
            }
        }
        atomic_fetch_add(&j->done, 1);
    }
    if (s != AN_OK) {
        an_shard_writer_abort(sw);
        return s;
    }
    return an_shard_writer_commit(sw, info.has_stats ? &w->sums : NULL);
}

static void *worker_main(void *arg) {
    split_job *j = arg;
    worker w = {0};
    an_status s = an_jpeg_create(&w.jpeg);
    if (s == AN_OK && j->base.has_stats) s = an_stat_sums_init(&w.sums, (int)j->base.size);
    while (s == AN_OK && !atomic_load(&j->stop)) {
        unsigned t = atomic_fetch_add(&j->next, 1);
        if (t >= j->ntodo) break;
        s = build_shard(j, &w, j->todo[t]);
    }
    if (s != AN_OK && s != AN_ERR_INTERRUPTED) {
        pthread_mutex_lock(&j->mu);
        if (j->err == AN_OK) {
            j->err = s;
            snprintf(j->errmsg, sizeof j->errmsg, "%s", an_last_error());
        }
        pthread_mutex_unlock(&j->mu);
        atomic_store(&j->stop, 1);
    }
    an_jpeg_destroy(w.jpeg);
    an_resizer_free(&w.rs);
    an_image_free(&w.dec);
    an_image_free(&w.fit);
    free(w.file);
    free(w.enc);
    an_stat_sums_free(&w.sums);
    return NULL;
}

/* Remove leftovers of an interrupted run: temporary files (*.tmp, *.tmp.XXXXXX) and shards past
 * the end. */
static void clean_dir(const char *dir, uint32_t nshards) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        unsigned k;
        char tail[8];
        int stale = (n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0) ||
                    strstr(e->d_name, ".tmp.") != NULL ||
                    (sscanf(e->d_name, "shard-%u.bi%1s", &k, tail) == 2 && k >= nshards);
        if (stale) {
            char *p = an_path_join(dir, e->d_name);
            if (p) remove(p);
            free(p);
        }
    }
    closedir(d);
}

static an_status add_bad(an_prepare_report *r, size_t *cap, const char *path, const char *reason) {
    if (r->nbad == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        an_bad_file *p = realloc(r->bad, nc * sizeof *p);
        if (!p) return an_error(AN_ERR_NOMEM, "out of memory for the bad-file list");
        r->bad = p;
        *cap = nc;
    }
    size_t lp = strlen(path) + 1, lr = strlen(reason) + 1;
    char *a = malloc(lp), *b = malloc(lr);
    if (!a || !b) {
        free(a);
        free(b);
        return an_error(AN_ERR_NOMEM, "out of memory for the bad-file list");
    }
    memcpy(a, path, lp);
    memcpy(b, reason, lr);
    r->bad[r->nbad++] = (an_bad_file){a, b};
    return AN_OK;
}

/* Gather the finished shards into index.bin, bad.txt, classes.txt and (has_stats) stats.*. */
static an_status finish_split(split_job *j, an_prepare_report *r, size_t *badcap) {
    an_index idx = {.encoding = j->base.encoding, .size = j->base.size, .nshards = j->nshards,
                    .nclasses = (uint32_t)j->src->classes.n};
    idx.e = malloc((j->src->n + 1) * sizeof *idx.e);
    if (!idx.e) return an_error(AN_ERR_NOMEM, "out of memory for the index");
    an_stat_sums total = {0};
    an_status s = j->base.has_stats ? an_stat_sums_init(&total, (int)j->base.size) : AN_OK;
    size_t bad0 = r->nbad;
    for (uint32_t k = 0; s == AN_OK && k < j->nshards; k++) {
        char path[4096];
        an_shard_path(path, sizeof path, j->dir, k);
        an_shard_meta m;
        s = an_shard_read_meta(path, (int)j->base.has_stats, &m);
        if (s != AN_OK) break;
        for (uint32_t i = 0; i < m.nrec; i++) {
            idx.e[idx.count++] = (an_index_entry){.shard = k, .len = m.recs[i].len,
                                                  .off = m.recs[i].off, .label = m.recs[i].label};
            r->bytes += m.recs[i].len;
        }
        for (uint32_t i = 0; s == AN_OK && i < m.nbad; i++) s = add_bad(r, badcap, m.bad_path[i], m.bad_reason[i]);
        if (s == AN_OK && j->base.has_stats) an_stat_sums_merge(&total, &m.sums);
        an_shard_meta_free(&m);
    }
    idx.nbad = r->nbad - bad0;
    if (s == AN_OK && idx.count == 0)
        s = an_error(AN_ERR_FORMAT, "%s: no readable images (%zu bad)", j->dir, (size_t)idx.nbad);
    if (s == AN_OK) {
        size_t cap = 64, len = 0;
        char *txt = malloc(cap);
        for (size_t i = bad0; txt && i < r->nbad; i++) {
            size_t need = len + strlen(r->bad[i].path) + strlen(r->bad[i].reason) + 4;
            if (need > cap) {
                cap = need * 2;
                char *p = realloc(txt, cap);
                if (!p) {
                    free(txt);
                    txt = NULL;
                    break;
                }
                txt = p;
            }
            len += (size_t)sprintf(txt + len, "%s\t%s\n", r->bad[i].path, r->bad[i].reason);
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/bad.txt", j->dir);
        s = txt ? an_write_atomic(path, txt, len) : an_error(AN_ERR_NOMEM, "out of memory");
        free(txt);
    }
    if (s == AN_OK) {
        char path[4096];
        snprintf(path, sizeof path, "%s/classes.txt", j->dir);
        s = an_classes_save(path, &j->src->classes);
    }
    if (s == AN_OK && j->base.has_stats) {
        an_data_stats st;
        s = an_data_stats_compute(&total, &st);
        if (s == AN_OK) s = an_data_stats_save(j->dir, &st);
        an_data_stats_free(&st);
    }
    if (s == AN_OK) s = an_index_save(j->dir, &idx);
    r->written += idx.count;
    an_stat_sums_free(&total);
    free(idx.e);
    return s;
}

static an_status prepare_split(const an_prepare_opts *o, const char *stage, const char *dir,
                               const an_source *src, int has_stats, an_prepare_report *r,
                               size_t *badcap) {
    AN_TRY(an_mkdir_p(dir));
    split_job j = {.o = o, .dir = dir, .src = src};
    j.base.encoding = (uint32_t)r->encoding;
    j.base.size = (uint32_t)o->size;
    j.base.quality = r->encoding == AN_ENC_JPEG ? (uint32_t)o->quality : 0;
    j.base.has_stats = (uint32_t)has_stats;
    uint32_t per = (uint32_t)o->shard_images;
    if (per == 0) {
        size_t a = (src->n + 63) / 64;
        per = (uint32_t)(a < 64 ? 64 : a > 2048 ? 2048 : a);
    }
    j.base.shard_images = per;
    j.nshards = (uint32_t)((src->n + per - 1) / per);
    clean_dir(dir, j.nshards);
    j.todo = malloc(j.nshards * sizeof *j.todo);
    if (!j.todo) return an_error(AN_ERR_NOMEM, "out of memory");
    size_t resumed = 0;
    for (uint32_t k = 0; k < j.nshards; k++) {
        char path[4096];
        an_shard_path(path, sizeof path, dir, k);
        an_shard_info want;
        shard_info(&j, k, &want);
        an_shard_meta m;
        int ok = an_shard_read_meta(path, 0, &m) == AN_OK;
        if (ok) {
            ok = m.info.src_hash == want.src_hash && m.info.first == want.first &&
                 m.info.nsrc == want.nsrc && m.info.shard_images == per &&
                 m.info.has_stats == want.has_stats && m.nrec + m.nbad == m.info.nsrc;
            if (ok) {
                resumed += m.info.nsrc;
                atomic_fetch_add(&j.bad, m.nbad);
            }
            an_shard_meta_free(&m);
        }
        if (ok) r->shards_reused++;
        else j.todo[j.ntodo++] = k;
    }
    an_error_clear();
    r->shards += j.nshards;
    atomic_store(&j.done, resumed);
    pthread_mutex_init(&j.mu, NULL);

    int nt = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if ((uint32_t)nt > j.ntodo) nt = (int)j.ntodo;
    pthread_t *th = calloc((size_t)nt + 1, sizeof *th);
    an_status s = th ? AN_OK : an_error(AN_ERR_NOMEM, "out of memory");
    int started = 0;
    for (; s == AN_OK && started < nt; started++)
        if (pthread_create(&th[started], NULL, worker_main, &j) != 0) {
            s = an_error(AN_ERR_INTERNAL, "cannot start a worker thread");
            atomic_store(&j.stop, 1);
            break;
        }
    double t0 = an_now_s();
    an_progress p = {.stage = stage, .resumed = resumed, .total = src->n};
    int stopped = 0;
    for (;;) {
        int finished = atomic_load(&j.done) >= src->n || atomic_load(&j.stop) ||
                       atomic_load(&j.next) >= j.ntodo + (unsigned)started;
        p.done = atomic_load(&j.done);
        p.bad = atomic_load(&j.bad);
        p.elapsed_s = an_now_s() - t0;
        if (o->progress && o->progress(o->progress_ctx, &p)) {
            atomic_store(&j.stop, 1);
            stopped = 1;
        }
        if (finished || stopped) break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    free(th);
    if (s == AN_OK && j.err != AN_OK) s = an_error(j.err, "%s", j.errmsg);
    if (s == AN_OK && (stopped || atomic_load(&j.stop)))
        s = an_error(AN_ERR_INTERRUPTED, "prepare interrupted: run it again to resume");
    if (s == AN_OK && o->progress) {
        p.done = atomic_load(&j.done);
        p.bad = atomic_load(&j.bad);
        p.elapsed_s = an_now_s() - t0;
        o->progress(o->progress_ctx, &p);
    }
    pthread_mutex_destroy(&j.mu);
    free(j.todo);
    if (s == AN_OK) s = finish_split(&j, r, badcap);
    return s;
}

an_status an_prepare(const an_prepare_opts *o, an_prepare_report *r) {
    *r = (an_prepare_report){0};
    if (!o->src || !o->dst) return an_error(AN_ERR_INVALID_ARG, "prepare needs SRC and DST");
    if (o->size < 8 || o->size > 4096) return an_error(AN_ERR_INVALID_ARG, "--size %d (8..4096)", o->size);
    if (o->encoding != AN_ENC_AUTO && o->encoding != AN_ENC_RAW && o->encoding != AN_ENC_JPEG)
        return an_error(AN_ERR_INVALID_ARG, "unknown shard encoding %d", o->encoding);
    if (o->encoding == AN_ENC_JPEG && (o->quality < 1 || o->quality > 100))
        return an_error(AN_ERR_INVALID_ARG, "JPEG quality %d (1..100)", o->quality);
    if (!an_is_dir(o->src)) return an_error(AN_ERR_NOT_FOUND, "%s is not a folder", o->src);
    double t0 = an_now_s();
    r->encoding = o->encoding == AN_ENC_AUTO ? an_prepare_auto_encoding(o->size) : (an_encoding)o->encoding;
    an_prepare_opts oo = *o;
    if (oo.quality == 0) oo.quality = 90;
    AN_TRY(an_mkdir_p(o->dst));

    an_classes fixed = {0};
    if (o->synsets) AN_TRY(an_classes_load(o->synsets, &fixed));
    char *train = an_path_join(o->src, "train"), *val = an_path_join(o->src, "val");
    char *dtrain = an_path_join(o->dst, "train"), *dval = an_path_join(o->dst, "val");
    an_status s = train && val && dtrain && dval ? AN_OK : an_error(AN_ERR_NOMEM, "out of memory");
    size_t badcap = 0;
    an_source src = {0};
    if (s == AN_OK && an_is_dir(train)) {
        s = an_source_scan(train, o->synsets ? &fixed : NULL, NULL, o->label_base, &src);
        if (s == AN_OK) {
            r->images += src.n;
            s = prepare_split(&oo, "train", dtrain, &src, 1, r, &badcap);
        }
        if (s == AN_OK && an_is_dir(val)) {
            an_source vsrc;
            s = an_source_scan(val, &src.classes, o->val_labels, o->label_base, &vsrc);
            if (s == AN_OK) {
                r->images += vsrc.n;
                s = prepare_split(&oo, "val", dval, &vsrc, 0, r, &badcap);
                an_source_free(&vsrc);
            }
        }
    } else if (s == AN_OK) {
        s = an_source_scan(o->src, o->synsets ? &fixed : NULL, o->val_labels, o->label_base, &src);
        if (s == AN_OK) {
            r->images += src.n;
            const char *base = strrchr(o->dst, '/');
            s = prepare_split(&oo, base && base[1] ? base + 1 : o->dst, o->dst, &src, 1, r, &badcap);
        }
    }
    an_source_free(&src);
    an_classes_free(&fixed);
    free(train);
    free(val);
    free(dtrain);
    free(dval);
    r->seconds = an_now_s() - t0;
    return s;
}
