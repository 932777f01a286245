/* host/data/shard.h - the prepared data set on disk: shard files, the index, the statistics.
 *
 * A prepared split is a folder holding shard-NNNNN.bin files, index.bin, classes.txt, bad.txt and
 * (for a training split) stats.bin and stats.txt. docs/DATA.md gives the byte layouts. Each file
 * is written to <name>.tmp and renamed into place when complete, so a crash leaves either the old
 * state or the new one; index.bin is written last and marks the split as complete. All integers
 * are stored in the host's byte order (little-endian on every machine this runs on); readers
 * check the magic and version and every offset against the file size. */
#ifndef AN_DATA_SHARD_H
#define AN_DATA_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"
#include "util/atomic_file.h"

typedef enum { AN_ENC_RAW = 0, AN_ENC_JPEG = 1 } an_encoding;

/* The stored sides prepare writes and the readers accept. */
#define AN_SHARD_MIN_SIZE 8
#define AN_SHARD_MAX_SIZE 4096

/* Exact integer sums over images (so that the order of accumulation does not matter):
 * per pixel and channel, per channel, and the six distinct RGB products for the covariance. */
typedef struct an_stat_sums {
    int size;
    uint64_t *pix;      /* size*size*3, HWC */
    uint64_t ch[3];     /* sum of R, G, B over all pixels */
    uint64_t prod[6];   /* RR, RG, RB, GG, GB, BB */
    uint64_t npix, nimg;
} an_stat_sums;

an_status an_stat_sums_init(an_stat_sums *s, int size);
void an_stat_sums_clear(an_stat_sums *s);
void an_stat_sums_add(an_stat_sums *s, const uint8_t *px); /* one size×size RGB image */
void an_stat_sums_merge(an_stat_sums *dst, const an_stat_sums *src);
void an_stat_sums_free(an_stat_sums *s);

/* The training set's statistics, in pixel units (0..255). */
typedef struct an_data_stats {
    int size;
    uint64_t count;       /* images */
    float *mean_image;    /* size*size*3, HWC: the mean of each pixel and channel */
    double mean[3];       /* per channel */
    double std[3];        /* per channel */
    double cov[9];        /* RGB covariance over all pixels, row-major */
    double eigval[3];     /* descending */
    double eigvec[9];     /* eigvec[3*i + c]: component c of the unit eigenvector of eigval[i] */
} an_data_stats;

an_status an_data_stats_compute(const an_stat_sums *s, an_data_stats *out);
/* Writes dir/stats.bin and a readable dir/stats.txt. */
an_status an_data_stats_save(const char *dir, const an_data_stats *st);
an_status an_data_stats_load(const char *path, an_data_stats *out);
void an_data_stats_free(an_data_stats *st);

/* Eigen-decomposition of a symmetric 3×3 matrix (Jacobi rotations): values descending,
 * vec[3*i + c] the unit eigenvector of val[i] (sign: largest component positive). */
void an_sym3_eigen(const double a[9], double val[3], double vec[9]);

/* What a shard covers: source images first .. first+nsrc-1 of the split's sorted listing. */
typedef struct an_shard_info {
    uint32_t encoding, size, quality, shard_images, shard_no, nsrc, has_stats;
    uint64_t first;
    uint64_t src_hash; /* FNV-1a of the covered sources' paths, labels and the settings */
} an_shard_info;

typedef struct an_shard_rec {
    uint64_t off;   /* record bytes at [off, off+len) of the shard file */
    uint32_t len;
    int32_t label;
    uint32_t src;   /* index of the source within the shard (0..nsrc-1) */
    uint32_t pad;
} an_shard_rec;

typedef struct an_shard_writer an_shard_writer;
/* Start dir/shard-NNNNN.bin (written to .tmp until committed). */
an_status an_shard_writer_open(const char *dir, const an_shard_info *info, an_shard_writer **out);
an_status an_shard_writer_add(an_shard_writer *w, uint32_t src, int32_t label, const uint8_t *data,
                              size_t len);
an_status an_shard_writer_bad(an_shard_writer *w, uint32_t src, const char *path, const char *reason);
/* Write the tables (and sums when info.has_stats), flush to disk and rename into place; frees w. */
an_status an_shard_writer_commit(an_shard_writer *w, const an_stat_sums *sums);
/* Drop the partial file; frees w. */
void an_shard_writer_abort(an_shard_writer *w);

/* A shard's tables, read back (records stay on disk). */
typedef struct an_shard_meta {
    an_shard_info info;
    uint32_t nrec, nbad;
    uint64_t file_size;
    an_shard_rec *recs;
    uint32_t *bad_src;
    char **bad_path, **bad_reason;
    an_stat_sums sums; /* filled when want_sums and the shard has them */
} an_shard_meta;
an_status an_shard_read_meta(const char *path, int want_sums, an_shard_meta *out);
void an_shard_meta_free(an_shard_meta *m);
/* "dir/shard-00012.bin" into buf. */
void an_shard_path(char *buf, size_t cap, const char *dir, uint32_t shard_no);

typedef struct an_index_entry {
    uint32_t shard;
    uint32_t len;
    uint64_t off;
    int32_t label;
    uint32_t pad;
} an_index_entry;

typedef struct an_index {
    uint32_t encoding, size, nshards, nclasses;
    uint64_t count, nbad;
    an_index_entry *e;
} an_index;
an_status an_index_save(const char *dir, const an_index *idx);
an_status an_index_load(const char *dir, an_index *out);
void an_index_free(an_index *idx);


#endif
