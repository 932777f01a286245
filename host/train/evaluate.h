/* host/train/evaluate.h - a net's top-1 and top-5 error and mean loss on a data set: the loop that
 * `alexnet eval` runs and the trainer calls for its per-epoch validation.
 *
 * Views: the centre crop, or the paper's ten views (four corners and centre, and their mirrors),
 * whose softmax outputs are averaged before taking the top k. Scores are computed on the host in
 * double from the model's logits: the loss of an image is −log of its (averaged) probability of
 * the true class, evaluated in log space so that it stays finite; an image is top-k correct when
 * fewer than k classes have a probability strictly greater than the true class's (Caffe's rule).
 *
 * Raw folders are resized as `prepare` would, to a stored side chosen from the net's input
 * (an_eval_stored_size); prepared shards keep their own side. */
#ifndef AN_TRAIN_EVALUATE_H
#define AN_TRAIN_EVALUATE_H

#include <stddef.h>

#include "data/loader.h"
#include "net/model.h"
#include "net/netdesc.h"

typedef struct an_eval_opts {
    int ten_crop;       /* the ten views per image instead of the centre crop */
    int flip;           /* (without ten_crop) the centre crop and its mirror */
    int batch;          /* images per loader batch (0: model_batch / views) */
    int model_batch;    /* the batch the model was created with (required); a loader batch's
                           batch × views rows are forwarded in chunks of this many */
    int threads;        /* loader threads (0: all CPUs) */
    int size;           /* raw folders: the stored side (0: an_eval_stored_size(net)) */
    const char *classes;/* raw folders: a synset list fixing the class order (may be NULL) */
    /* When nfiles > 0, an_eval_open_loader lists these JPEG files (the loader's `files`: no
     * classes, image k's label is k) instead of a data set, with a raw folder's view and size. */
    const char *const *files;
    size_t nfiles;
    int part, parts;    /* data-parallel ranks: score only this share of every batch (the
                           loader's part/parts; 0, 0: all), the counts to be summed over ranks */
    /* Called after every batch with the images done and the epoch's total (may be NULL). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
    /* When not NULL: classes × classes counts, row the true class, column the prediction (the
     * true class when it is top-1 correct, else the most likely class), added to (the caller
     * zeroes it). Its diagonal sums to top1_correct, the whole to images. */
    size_t *confusion;
} an_eval_opts;

typedef struct an_eval_result {
    size_t images;          /* images scored */
    size_t bad;             /* bad files skipped (raw folders) */
    int views;              /* 1 or 10 */
    size_t top1_correct, top5_correct;
    double top1_err, top5_err; /* percent of images */
    double loss;            /* mean cross-entropy */
    double seconds;         /* wall-clock time of the whole loop, loading included */
    double images_per_s;
} an_eval_result;

/* Centre crop, loader batch from model_batch, all CPUs, the default stored side. */
an_eval_opts an_eval_defaults(void);

/* The side a raw image's shorter side is resized to before the central crop: 256 for inputs of
 * 224 and more (the paper's 256 → 224 or 227), else round(input·256/224) (28 → 32, 32 → 37). */
int an_eval_stored_size(const an_net *net);

/* Score every image of `path` (a prepared split or a folder-per-class tree of JPEGs):
 * an_eval_open_loader, an_evaluate_loader, then the bad files' count, and close. */
an_status an_evaluate(an_model *m, const an_net *net, const char *path, const an_eval_opts *o,
                      an_eval_result *r);

/* The loader an_evaluate uses: the net's centre or ten-crop view, o's batch, threads, size and
 * classes (or o's files); refuses a data set whose class count differs from the net's (naming
 * both). A list of files has no classes: it is for an_features_run, not for scoring. */
an_status an_eval_open_loader(const an_net *net, const char *path, const an_eval_opts *o,
                              an_loader **out);

/* Score the rest of the loader's current epoch (all of it for a fresh loader). The loader's view
 * must be the net's (an_feed_view with AN_CROP_CENTER or AN_CROP_TEN); the views per image come
 * from its batches. Only o->model_batch and o->progress are used. */
an_status an_evaluate_loader(an_model *m, const an_net *net, an_loader *l, const an_eval_opts *o,
                             an_eval_result *r);

/* probs[0..K) = softmax(logits) in double; returns log Σ exp(logits). */
double an_softmax_d(const float *logits, int K, double *probs);

/* The indices of the k largest of p[0..K) in decreasing order (ties: the lower index first);
 * k ≤ K. */
void an_top_k(const double *p, int K, int k, int *idx);

#endif
