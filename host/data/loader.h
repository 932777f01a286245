/* host/data/loader.h - batches for training and evaluation, decoded and augmented by worker threads.
 *
 * Usage:
 *     an_loader_config c = an_loader_defaults();
 *     c.view = an_view_train(227); c.batch = 128; c.seed = 1;
 *     an_loader *l; an_loader_open("data/imagenet/train", &c, &l);
 *     for (;;) { an_batch b; an_loader_next(l, &b); ... b.images, b.labels, b.count ... }
 *     an_loader_position(l, &epoch, &index);   (save in a checkpoint; restart with
 *                                              c.start_epoch/c.start_index to resume exactly)
 *     an_loader_close(l);
 *
 * The source is a prepared split (a folder with index.bin: shards), a folder of JPEGs (a
 * folder-per-class tree, or a flat folder with a label list) or a list of JPEG files given by the
 * caller (`files`); JPEGs are decoded, resized and centre-cropped on the fly exactly as `prepare`
 * would. A stream is a pure function of
 * (seed, epoch, position): epoch e's order is a permutation drawn from (seed, e) (identity when
 * shuffle is off), and image k of it gets its crop, flip and lighting from (seed, e, k), so the
 * batches do not depend on the number of threads, and resuming at (epoch, index) continues the
 * very same stream. Batches never straddle epochs: an epoch's last batch is partial, or skipped
 * with drop_last. Bad files of a raw folder are skipped (the batch is shorter) and listed.
 *
 * Host buffers: `buffers` batch buffers (3 by default: one held by the caller, two being filled)
 * come from the caller's allocator when given (e.g. mapped OpenCL buffers, pinned memory; slot
 * says which one), else from 64-byte-aligned malloc. A batch stays valid until the next
 * an_loader_next or an_loader_close. */
#ifndef AN_DATA_LOADER_H
#define AN_DATA_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "data/shard.h"
#include "data/source.h"
#include "data/view.h"

typedef struct an_host_allocator {
    /* Return bytes of host memory for batch buffer `slot` (NULL on failure). */
    void *(*alloc)(void *ctx, size_t bytes, int slot);
    void (*release)(void *ctx, void *p, int slot);
    void *ctx;
} an_host_allocator;

typedef struct an_loader_config {
    an_view_config view;
    int batch;              /* images per batch */
    int threads;            /* worker threads; 0 = the number of online CPUs */
    int buffers;            /* batch buffers, 2 or 3 (0 = 3) */
    uint64_t seed;
    int shuffle;            /* a new order every epoch (training) */
    int drop_last;          /* skip an epoch's last partial batch (training) */
    uint64_t start_epoch, start_index; /* where the stream starts (resume) */
    int size;               /* raw folders: the stored side (0 = 256); shards: 0 or their side */
    const char *stats;      /* stats.bin; NULL: <path>/stats.bin, then <path>/../train/stats.bin */
    const char *classes;    /* raw folders: a synset list fixing the class order */
    const char *labels;     /* raw flat folders: the ground-truth list */
    int label_base;         /* first label's number in `labels` (ILSVRC: 1) */
    /* When nfiles > 0: these JPEG files, in this order, instead of a data set at path (path is
     * then only named in messages, and statistics come from `stats` alone). There are no
     * classes; image k's label is k, so that a batch's labels say which files it holds once bad
     * ones are skipped. The strings are copied: they need only last through an_loader_open. */
    const char *const *files;
    size_t nfiles;
    an_host_allocator alloc;/* zeros: malloc */
    /* Data-parallel share (parts > 1): of every batch of c images this loader produces only
     * images [part·c/parts, (part+1)·c/parts), with the stream's own positions (so the same
     * views), and its positions advance by whole batches: `parts` loaders with part 0 .. parts-1
     * together give exactly one loader's batches. 0, 0: the whole batch. */
    int part, parts;
} an_loader_config;

/* batch 128, 3 buffers, all CPUs, no shuffle, centre view of 227, label_base 1. */
an_loader_config an_loader_defaults(void);

typedef struct an_batch {
    float *images;          /* count × views × 3 × input × input floats, NCHW (views inner) */
    int *labels;            /* count */
    int count;              /* images in this batch */
    int views;              /* 1, or 10 for AN_CROP_TEN (views of image i at images[i*10 ..]) */
    int slot;               /* which buffer holds it (0 .. buffers-1) */
    uint64_t epoch, index;  /* the stream position of its first image */
} an_batch;

typedef struct an_loader an_loader;

an_status an_loader_open(const char *path, const an_loader_config *cfg, an_loader **out);
/* The next batch; blocks until it is ready. */
an_status an_loader_next(an_loader *l, an_batch *b);
/* The position after the last batch returned (what to save to resume). */
void an_loader_position(const an_loader *l, uint64_t *epoch, uint64_t *index);
/* Images per epoch (a raw folder's bad files included). */
size_t an_loader_size(const an_loader *l);
int an_loader_stored_size(const an_loader *l);
/* Floats per image in a batch (all its views). */
size_t an_loader_image_floats(const an_loader *l);
const an_classes *an_loader_classes(const an_loader *l);
/* The statistics in use (NULL when none were needed or found). */
const an_data_stats *an_loader_stats(const an_loader *l);
/* Bad files met so far: their number, and entry i's path and reason. */
size_t an_loader_bad_count(an_loader *l);
int an_loader_bad(an_loader *l, size_t i, const char **path, const char **reason);
void an_loader_close(an_loader *l);

#endif
