/* host/data/loader.c - the batch pipeline: a ring of batch buffers filled image by image by worker
 * threads, each image's view a pure function of (seed, epoch, position). */
#include "data/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/image.h"
#include "data/jpeg.h"
#include "util/try.h"
#include "util/read_file.h"

#define MAX_BUFFERS 3

typedef struct slot {
    float *images;
    int *labels;
    uint32_t *items;     /* dataset item of each position */
    uint8_t *ok;
    int expected, done;
    uint64_t seq, epoch, start, end_epoch, end_index;
} slot;

typedef struct worker {
    an_loader *l;
    pthread_t th;
    int started;
    an_jpeg *jpeg;
    an_resizer rs;
    an_image dec, fit;
    uint8_t *file;
    size_t file_cap;
} worker;

struct an_loader {
    an_loader_config cfg;
    int size, views;
    size_t per_image;   /* floats per image (all views) */
    uint64_t n;
    /* shards */
    an_index idx;
    uint8_t **maps;
    size_t *map_len;
    /* raw folder */
    an_source src;
    uint8_t *is_bad;
    an_classes classes;
    an_data_stats stats;
    int have_stats;

    pthread_mutex_t mu;
    pthread_cond_t work, ready;
    slot slots[MAX_BUFFERS];
    int nslots, held;
    uint64_t fill_seq, fill_epoch, fill_index, work_seq, consume_seq;
    int work_item;
    uint32_t *perm;
    uint64_t perm_epoch;
    int perm_valid;
    uint64_t pos_epoch, pos_index;
    int stop;
    an_status err;
    char errmsg[1024];
    char **bad_path, **bad_reason;
    size_t nbad, bad_cap;
    worker *workers;
    int nworkers;
};

an_loader_config an_loader_defaults(void) {
    an_loader_config c = {0};
    c.view = an_view_center(227);
    c.batch = 128;
    c.buffers = 3;
    c.label_base = 1;
    return c;
}

static void make_perm(an_loader *l, uint64_t epoch) {
    for (uint64_t i = 0; i < l->n; i++) l->perm[i] = (uint32_t)i;
    if (l->cfg.shuffle) {
        uint64_t s = an_mix64(an_mix64(l->cfg.seed ^ 0x5eedull) ^ epoch);
        for (uint64_t i = l->n - 1; i > 0; i--) {
            s = an_mix64(s);
            uint64_t j = s % (i + 1); /* bias below 2^-32 for n < 2^32 */
            uint32_t t = l->perm[i];
            l->perm[i] = l->perm[j];
            l->perm[j] = t;
        }
    }
    l->perm_epoch = epoch;
    l->perm_valid = 1;
}

/* Give slot s the next batch of the stream (called with mu held). */
static void assign(an_loader *l, slot *s) {
    uint64_t B = (uint64_t)l->cfg.batch;
    for (;;) {
        if (l->fill_index >= l->n) {
            l->fill_epoch++;
            l->fill_index = 0;
        }
        if (l->cfg.drop_last && l->n - l->fill_index < B) {
            l->fill_index = l->n;
            continue;
        }
        break;
    }
    uint64_t count = l->n - l->fill_index < B ? l->n - l->fill_index : B;
    if (!l->perm_valid || l->perm_epoch != l->fill_epoch) make_perm(l, l->fill_epoch);
    uint64_t lo = 0, hi = count; /* this loader's share of the batch */
    if (l->cfg.parts > 1) {
        lo = count * (uint64_t)l->cfg.part / (uint64_t)l->cfg.parts;
        hi = count * (uint64_t)(l->cfg.part + 1) / (uint64_t)l->cfg.parts;
    }
    for (uint64_t i = lo; i < hi; i++) s->items[i - lo] = l->perm[l->fill_index + i];
    s->epoch = l->fill_epoch;
    s->start = l->fill_index + lo;
    s->expected = (int)(hi - lo);
    s->done = 0;
    s->seq = l->fill_seq++;
    l->fill_index += count;
    s->end_epoch = l->fill_epoch;
    s->end_index = l->fill_index;
    if (s->end_index >= l->n || (l->cfg.drop_last && l->n - s->end_index < B)) {
        s->end_epoch++;
        s->end_index = 0;
    }
}

static void note_bad(an_loader *l, uint32_t item, const char *path, const char *reason) {
    pthread_mutex_lock(&l->mu);
    if (l->is_bad && l->is_bad[item]) {
        pthread_mutex_unlock(&l->mu);
        return;
    }
    if (l->is_bad) l->is_bad[item] = 1;
    if (l->nbad == l->bad_cap) {
        size_t nc = l->bad_cap ? l->bad_cap * 2 : 16;
        char **a = realloc(l->bad_path, nc * sizeof *a);
        if (a) l->bad_path = a;
        char **b = realloc(l->bad_reason, nc * sizeof *b);
        if (b) l->bad_reason = b;
        if (a && b) l->bad_cap = nc;
    }
    if (l->nbad < l->bad_cap) {
        l->bad_path[l->nbad] = strdup(path);
        l->bad_reason[l->nbad] = strdup(reason);
        if (l->bad_path[l->nbad] && l->bad_reason[l->nbad]) l->nbad++;
    }
    pthread_mutex_unlock(&l->mu);
}

/* Decode (if needed) and augment one image into its place in the slot; 0 when it is bad. */
static an_status process(worker *w, slot *s, int i) {
    an_loader *l = w->l;
    uint32_t item = s->items[i];
    const uint8_t *px;
    int label;
    if (l->maps) {
        const an_index_entry *e = &l->idx.e[item];
        const uint8_t *rec = l->maps[e->shard] + e->off;
        label = e->label;
        if (l->idx.encoding == AN_ENC_RAW) {
            px = rec;
        } else {
            an_status d = an_jpeg_decode(w->jpeg, rec, e->len, 0, &w->dec);
            if (d == AN_OK && (w->dec.w != l->size || w->dec.h != l->size))
                d = an_error(AN_ERR_FORMAT, "record is %d×%d, not %d×%d", w->dec.w, w->dec.h,
                             l->size, l->size);
            if (d != AN_OK) {
                char where[64];
                snprintf(where, sizeof where, "shard-%05u.bin@%llu", e->shard, (unsigned long long)e->off);
                note_bad(l, item, where, an_last_error());
                s->ok[i] = 0;
                return d == AN_ERR_NOMEM ? d : AN_OK;
            }
            px = w->dec.px;
        }
    } else {
        const an_source_item *it = &l->src.items[item];
        label = it->label;
        pthread_mutex_lock(&l->mu);
        int known_bad = l->is_bad[item];
        pthread_mutex_unlock(&l->mu);
        if (known_bad) {
            s->ok[i] = 0;
            return AN_OK;
        }
        size_t len = 0;
        an_status d = an_read_file(it->path, &w->file, &w->file_cap, &len);
        if (d == AN_OK) d = an_jpeg_decode(w->jpeg, w->file, len, l->size, &w->dec);
        if (d == AN_OK) d = an_image_fit(&w->rs, &w->dec, l->size, &w->fit);
        if (d == AN_ERR_NOMEM || d == AN_ERR_INTERNAL) return d;
        if (d != AN_OK) {
            note_bad(l, item, it->path, an_last_error());
            s->ok[i] = 0;
            return AN_OK;
        }
        px = w->fit.px;
    }
    an_view_image(&l->cfg.view, px, l->size, l->have_stats ? &l->stats : NULL, l->cfg.seed, s->epoch,
                  s->start + (uint64_t)i, s->images + (size_t)i * l->per_image);
    s->labels[i] = label;
    s->ok[i] = 1;
    return AN_OK;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    an_loader *l = w->l;
    pthread_mutex_lock(&l->mu);
    while (!l->stop) {
        if (l->work_seq < l->fill_seq) {
            slot *s = &l->slots[l->work_seq % (uint64_t)l->nslots];
            if (s->expected == 0) { /* an empty share of a short last batch */
                l->work_seq++;
                continue;
            }
            int i = l->work_item++;
            if (l->work_item >= s->expected) {
                l->work_seq++;
                l->work_item = 0;
            }
            pthread_mutex_unlock(&l->mu);
            an_status st = process(w, s, i);
            pthread_mutex_lock(&l->mu);
            if (st != AN_OK && l->err == AN_OK) {
                l->err = st;
                snprintf(l->errmsg, sizeof l->errmsg, "%s", an_last_error());
            }
            if (++s->done == s->expected) pthread_cond_broadcast(&l->ready);
            continue;
        }
        pthread_cond_wait(&l->work, &l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

an_status an_loader_next(an_loader *l, an_batch *b) {
    pthread_mutex_lock(&l->mu);
    if (l->held >= 0) {
        assign(l, &l->slots[l->held]);
        l->held = -1;
        pthread_cond_broadcast(&l->work);
    }
    int k = (int)(l->consume_seq % (uint64_t)l->nslots);
    slot *s = &l->slots[k];
    while (s->done < s->expected && l->err == AN_OK) pthread_cond_wait(&l->ready, &l->mu);
    if (l->err != AN_OK) {
        an_status e = an_error(l->err, "%s", l->errmsg);
        pthread_mutex_unlock(&l->mu);
        return e;
    }
    l->consume_seq++;
    l->held = k;
    l->pos_epoch = s->end_epoch;
    l->pos_index = s->end_index;
    pthread_mutex_unlock(&l->mu);

    int count = 0;
    for (int i = 0; i < s->expected; i++) {
        if (!s->ok[i]) continue;
        if (count != i) {
            memmove(s->images + (size_t)count * l->per_image, s->images + (size_t)i * l->per_image,
                    l->per_image * sizeof(float));
            s->labels[count] = s->labels[i];
        }
        count++;
    }
    *b = (an_batch){.images = s->images, .labels = s->labels, .count = count, .views = l->views,
                    .slot = k, .epoch = s->epoch, .index = s->start};
    return AN_OK;
}

void an_loader_position(const an_loader *l, uint64_t *epoch, uint64_t *index) {
    *epoch = l->pos_epoch;
    *index = l->pos_index;
}

size_t an_loader_size(const an_loader *l) { return (size_t)l->n; }
int an_loader_stored_size(const an_loader *l) { return l->size; }
size_t an_loader_image_floats(const an_loader *l) { return l->per_image; }
const an_classes *an_loader_classes(const an_loader *l) { return &l->classes; }
const an_data_stats *an_loader_stats(const an_loader *l) { return l->have_stats ? &l->stats : NULL; }

size_t an_loader_bad_count(an_loader *l) {
    pthread_mutex_lock(&l->mu);
    size_t n = l->nbad;
    pthread_mutex_unlock(&l->mu);
    return n;
}

int an_loader_bad(an_loader *l, size_t i, const char **path, const char **reason) {
    pthread_mutex_lock(&l->mu);
    int ok = i < l->nbad;
    if (ok) {
        *path = l->bad_path[i];
        *reason = l->bad_reason[i];
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

static void *default_alloc(void *ctx, size_t bytes, int slot_no) {
    (void)ctx;
    (void)slot_no;
    void *p = NULL;
    return posix_memalign(&p, 64, bytes ? bytes : 64) == 0 ? p : NULL;
}

static void default_release(void *ctx, void *p, int slot_no) {
    (void)ctx;
    (void)slot_no;
    free(p);
}

void an_loader_close(an_loader *l) {
    if (!l) return;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&l->mu);
    for (int i = 0; i < l->nworkers; i++) {
        worker *w = &l->workers[i];
        if (w->started) pthread_join(w->th, NULL);
        an_jpeg_destroy(w->jpeg);
        an_resizer_free(&w->rs);
        an_image_free(&w->dec);
        an_image_free(&w->fit);
        free(w->file);
    }
    free(l->workers);
    for (int k = 0; k < l->nslots; k++) {
        slot *s = &l->slots[k];
        if (s->images) {
            if (l->cfg.alloc.alloc) l->cfg.alloc.release(l->cfg.alloc.ctx, s->images, k);
            else default_release(NULL, s->images, k);
        }
        free(s->labels);
        free(s->items);
        free(s->ok);
    }
    if (l->maps)
        for (uint32_t k = 0; k < l->idx.nshards; k++)
            if (l->maps[k]) munmap(l->maps[k], l->map_len[k]);
    free(l->maps);
    free(l->map_len);
    an_index_free(&l->idx);
    an_source_free(&l->src);
    free(l->is_bad);
    an_classes_free(&l->classes);
    an_data_stats_free(&l->stats);
    free(l->perm);
    for (size_t i = 0; i < l->nbad; i++) {
        free(l->bad_path[i]);
        free(l->bad_reason[i]);
    }
    free(l->bad_path);
    free(l->bad_reason);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->work);
    pthread_cond_destroy(&l->ready);
    free(l);
}

static an_status open_shards(an_loader *l, const char *path) {
    AN_TRY(an_index_load(path, &l->idx));
    char file[4096];
    snprintf(file, sizeof file, "%s/classes.txt", path);
    AN_TRY(an_classes_load(file, &l->classes));
    if ((uint32_t)l->classes.n != l->idx.nclasses)
        return an_error(AN_ERR_FORMAT, "%s lists %d classes, the index %u", file, l->classes.n,
                        l->idx.nclasses);
    if (l->cfg.size && (uint32_t)l->cfg.size != l->idx.size)
        return an_error(AN_ERR_INVALID_ARG, "%s holds %u×%u images, not %d", path, l->idx.size,
                        l->idx.size, l->cfg.size);
    if (l->idx.encoding != AN_ENC_RAW && l->idx.encoding != AN_ENC_JPEG)
        return an_error(AN_ERR_FORMAT, "%s: unknown encoding %u", path, l->idx.encoding);
    l->size = (int)l->idx.size;
    l->n = l->idx.count;
    l->maps = calloc(l->idx.nshards + 1, sizeof *l->maps);
    l->map_len = calloc(l->idx.nshards + 1, sizeof *l->map_len);
    if (!l->maps || !l->map_len) return an_error(AN_ERR_NOMEM, "out of memory");
    for (uint32_t k = 0; k < l->idx.nshards; k++) {
        an_shard_path(file, sizeof file, path, k);
        int fd = open(file, O_RDONLY);
        if (fd < 0) return an_error(AN_ERR_IO, "cannot open %s: %s", file, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size <= 0) {
            close(fd);
            return an_error(AN_ERR_FORMAT, "%s: empty or unreadable", file);
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED) return an_error(AN_ERR_IO, "cannot map %s: %s", file, strerror(errno));
        l->maps[k] = m;
        l->map_len[k] = (size_t)st.st_size;
    }
    size_t raw = (size_t)l->size * l->size * 3;
    for (uint64_t i = 0; i < l->n; i++) {
        const an_index_entry *e = &l->idx.e[i];
        if (e->off > l->map_len[e->shard] || e->len > l->map_len[e->shard] - e->off ||
            (l->idx.encoding == AN_ENC_RAW && e->len != raw))
            return an_error(AN_ERR_FORMAT, "%s: index entry %llu does not fit its shard (prepare again)",
                            path, (unsigned long long)i);
    }
    return AN_OK;
}

static an_status open_folder(an_loader *l, const char *path) {
    an_classes fixed = {0};
    if (l->cfg.classes) AN_TRY(an_classes_load(l->cfg.classes, &fixed));
    an_status s = an_source_scan(path, l->cfg.classes ? &fixed : NULL, l->cfg.labels,
                                 l->cfg.label_base, &l->src);
    an_classes_free(&fixed);
    AN_TRY(s);
    AN_TRY(an_classes_copy(&l->src.classes, &l->classes));
    l->size = l->cfg.size ? l->cfg.size : 256;
    l->n = l->src.n;
    l->is_bad = calloc(l->n, 1);
    if (!l->is_bad) return an_error(AN_ERR_NOMEM, "out of memory");
    return AN_OK;
}

static an_status open_files(an_loader *l) {
    l->src.items = calloc(l->cfg.nfiles, sizeof *l->src.items);
    if (!l->src.items) return an_error(AN_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < l->cfg.nfiles; i++) {
        if (i > (size_t)INT32_MAX) return an_error(AN_ERR_INVALID_ARG, "too many files");
        if (!(l->src.items[i].path = strdup(l->cfg.files[i])))
            return an_error(AN_ERR_NOMEM, "out of memory");
        l->src.items[i].label = (int)i;
        l->src.n = i + 1;
    }
    l->cfg.files = NULL; /* not kept: the caller's strings need not outlive the open */
    l->size = l->cfg.size ? l->cfg.size : 256;
    l->n = l->src.n;
    l->is_bad = calloc(l->n, 1);
    if (!l->is_bad) return an_error(AN_ERR_NOMEM, "out of memory");
    return AN_OK;
}

static an_status load_stats(an_loader *l, const char *path) {
    const an_view_config *v = &l->cfg.view;
    int need = v->norm == AN_NORM_MEAN_IMAGE || v->norm == AN_NORM_MEAN_CHANNEL ||
               (v->crop == AN_CROP_TRAIN && v->lighting);
    char file[4096];
    an_status s;
    if (l->cfg.stats) {
        s = an_data_stats_load(l->cfg.stats, &l->stats);
    } else if (l->cfg.nfiles) {
        s = an_error(AN_ERR_NOT_FOUND, "no statistics file was given for the listed images");
    } else {
        snprintf(file, sizeof file, "%s/stats.bin", path);
        s = an_data_stats_load(file, &l->stats);
        if (s == AN_ERR_NOT_FOUND) {
            snprintf(file, sizeof file, "%s/../train/stats.bin", path);
            s = an_data_stats_load(file, &l->stats);
        }
    }
    if (s == AN_OK) {
        l->have_stats = 1;
        if (v->norm == AN_NORM_MEAN_IMAGE && l->stats.size != l->size)
            return an_error(AN_ERR_INVALID_ARG, "the mean image is %d×%d but the images are %d×%d",
                            l->stats.size, l->stats.size, l->size, l->size);
        return AN_OK;
    }
    if (!need) {
        an_error_clear();
        return AN_OK;
    }
    return an_error_context(s, "the views need the training set's statistics (mean%s): ",
                            v->lighting ? ", PCA lighting" : "");
}

an_status an_loader_open(const char *path, const an_loader_config *cfg, an_loader **out) {
    *out = NULL;
    const an_view_config *v = &cfg->view;
    if (cfg->batch < 1) return an_error(AN_ERR_INVALID_ARG, "batch size %d", cfg->batch);
    if (v->input < 1) return an_error(AN_ERR_INVALID_ARG, "input size %d", v->input);
    if (v->crop < AN_CROP_TRAIN || v->crop > AN_CROP_FLIP || v->norm < AN_NORM_NONE ||
        v->norm > AN_NORM_MEAN_STD)
        return an_error(AN_ERR_INVALID_ARG, "unknown crop or normalisation mode");
    if (v->translate < 0 || v->translate >= v->input)
        return an_error(AN_ERR_INVALID_ARG, "translation by up to %d pixels of a %d-pixel view "
                        "(0 to %d)", v->translate, v->input, v->input - 1);
    if (cfg->buffers < 0 || cfg->buffers == 1 || cfg->buffers > MAX_BUFFERS)
        return an_error(AN_ERR_INVALID_ARG, "buffers %d (2 or 3)", cfg->buffers);
    if (cfg->parts < 0 || (cfg->parts > 0 && (cfg->part < 0 || cfg->part >= cfg->parts)))
        return an_error(AN_ERR_INVALID_ARG, "loader part %d of %d", cfg->part, cfg->parts);
    if (!cfg->alloc.alloc != !cfg->alloc.release)
        return an_error(AN_ERR_INVALID_ARG, "an allocator needs both alloc and release");
    an_loader *l = calloc(1, sizeof *l);
    if (!l) return an_error(AN_ERR_NOMEM, "out of memory");
    l->cfg = *cfg;
    l->held = -1;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->work, NULL);
    pthread_cond_init(&l->ready, NULL);
    char idx[4096];
    snprintf(idx, sizeof idx, "%s/index.bin", path);
    an_status s = cfg->nfiles ? open_files(l)
                  : access(idx, F_OK) == 0 ? open_shards(l, path) : open_folder(l, path);
    if (s == AN_OK && v->input > l->size)
        s = an_error(AN_ERR_INVALID_ARG, "input %d is larger than the stored images (%d)", v->input,
                     l->size);
    if (s == AN_OK && l->n > UINT32_MAX) s = an_error(AN_ERR_INVALID_ARG, "too many images");
    if (s == AN_OK && cfg->drop_last && l->n < (uint64_t)cfg->batch)
        s = an_error(AN_ERR_INVALID_ARG, "drop_last with %llu images and batch %d gives no batch",
                     (unsigned long long)l->n, cfg->batch);
    if (s == AN_OK && cfg->start_index > l->n)
        s = an_error(AN_ERR_INVALID_ARG, "resume index %llu past the epoch's %llu images",
                     (unsigned long long)cfg->start_index, (unsigned long long)l->n);
    if (s == AN_OK) s = load_stats(l, path);
    if (s != AN_OK) {
        an_loader_close(l);
        return s;
    }
    l->views = an_view_count(v);
    l->per_image = (size_t)l->views * 3 * v->input * v->input;
    l->nslots = cfg->buffers ? cfg->buffers : 3;
    l->perm = malloc(l->n * sizeof *l->perm);
    if (!l->perm) s = an_error(AN_ERR_NOMEM, "out of memory");
    /* A share holds at most ceil(batch / parts) images. */
    int cap = cfg->parts > 1 ? (cfg->batch + cfg->parts - 1) / cfg->parts : cfg->batch;
    for (int k = 0; s == AN_OK && k < l->nslots; k++) {
        slot *sl = &l->slots[k];
        size_t bytes = (size_t)cap * l->per_image * sizeof(float);
        sl->images = cfg->alloc.alloc ? cfg->alloc.alloc(cfg->alloc.ctx, bytes, k)
                                      : default_alloc(NULL, bytes, k);
        sl->labels = malloc((size_t)cap * sizeof *sl->labels);
        sl->items = malloc((size_t)cap * sizeof *sl->items);
        sl->ok = malloc((size_t)cap);
        if (!sl->images || !sl->labels || !sl->items || !sl->ok)
            s = an_error(AN_ERR_NOMEM, "out of memory for %d batch buffers of %zu bytes", l->nslots, bytes);
    }
    l->fill_epoch = l->pos_epoch = cfg->start_epoch;
    l->fill_index = l->pos_index = cfg->start_index;
    for (int k = 0; s == AN_OK && k < l->nslots; k++) assign(l, &l->slots[k]);
    int nt = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (s == AN_OK) {
        l->workers = calloc((size_t)nt, sizeof *l->workers);
        if (!l->workers) s = an_error(AN_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; s == AN_OK && i < nt; i++) {
        worker *w = &l->workers[i];
        l->nworkers = i + 1;
        w->l = l;
        s = an_jpeg_create(&w->jpeg);
        if (s == AN_OK && pthread_create(&w->th, NULL, worker_main, w) != 0)
            s = an_error(AN_ERR_INTERNAL, "cannot start a loader thread");
        if (s == AN_OK) w->started = 1;
    }
    if (s != AN_OK) {
        an_loader_close(l);
        return s;
    }
    *out = l;
    return AN_OK;
}
