/* host/data/prepare.h - `alexnet prepare`: a folder tree of JPEGs into packed shards with an index,
 * the class list, the bad-file list and the training set's statistics.
 *
 * SRC is either a folder with train/ (and optionally val/) in the ImageNet layout, prepared into
 * DST/train and DST/val, or one folder-per-class tree, prepared into DST itself. Each image is
 * decoded (libjpeg-turbo), rescaled so that its shorter side is `size` (area averaging) and cropped
 * to the central size×size, then stored raw or re-encoded as JPEG. Bad files are skipped and
 * listed (path and reason). The work is split into shards of consecutive images, built by worker
 * threads; a shard file appears (atomically) only when complete, so an interrupted run resumes by
 * redoing only the missing shards. Statistics are exact integer sums kept per shard. */
#ifndef AN_DATA_PREPARE_H
#define AN_DATA_PREPARE_H

#include <stddef.h>

#include "data/shard.h"

typedef struct an_progress {
    const char *stage;  /* "train", "val", or the split folder's name */
    size_t done;        /* images handled so far in this stage (including resumed ones) */
    size_t resumed;     /* images found already done when the stage started */
    size_t total;
    size_t bad;
    double elapsed_s;   /* since the stage started */
} an_progress;

/* Called from the calling thread about ten times a second and once at the end of each stage.
 * Return nonzero to stop: workers drop their unfinished shards and an_prepare returns
 * AN_ERR_INTERRUPTED (a later run resumes). */
typedef int (*an_progress_fn)(void *ctx, const an_progress *p);

#define AN_ENC_AUTO (-1)

typedef struct an_prepare_opts {
    const char *src, *dst;
    int size;             /* stored side, 256 by default (0) */
    int threads;          /* 0: the number of online CPUs */
    int encoding;         /* AN_ENC_RAW, AN_ENC_JPEG, or AN_ENC_AUTO (0 is RAW: set it) */
    int quality;          /* JPEG re-encoding quality, 0 = 90 */
    int shard_images;     /* images per shard, 0 = automatic */
    const char *synsets;  /* class list "wnid words" (NULL: sorted folder names) */
    const char *val_labels; /* ground truth for a flat val/ folder */
    int label_base;       /* the first label's number in val_labels (ILSVRC: 1) */
    an_progress_fn progress;
    void *progress_ctx;
} an_prepare_opts;

/* The defaults: size 256, automatic encoding, quality 90, label base 1. */
void an_prepare_defaults(an_prepare_opts *o);

/* The encoding AN_ENC_AUTO picks for a stored side (see docs/DATA.md for the measurement). */
an_encoding an_prepare_auto_encoding(int size);

typedef struct an_bad_file {
    char *path;
    char *reason;
} an_bad_file;

typedef struct an_prepare_report {
    size_t images;         /* JPEG files found */
    size_t written;        /* images in the shards */
    size_t nbad;
    an_bad_file *bad;      /* every bad file: path and the decoder's reason */
    size_t shards, shards_reused;
    size_t bytes;          /* shard bytes on disk (records only) */
    an_encoding encoding;
    double seconds;
} an_prepare_report;

an_status an_prepare(const an_prepare_opts *o, an_prepare_report *r);
void an_prepare_report_free(an_prepare_report *r);

#endif
