/* host/train/refill.h - full training batches from a raw folder with bad files: the loader leaves
 * a bad file's place out (its batch is shorter); the trainer tops such a batch up with the first
 * good images of the next batches of the stream (what is left of a batch used that way is not
 * trained on), so every step sees `batch` images and a batch of bad files alone no longer stops
 * the run. The stream stays a pure function of the loader's position, so a resumed run still
 * repeats an uninterrupted one. A whole epoch of batches without one good image is an error
 * naming the data set and a bad file. */
#ifndef AN_TRAIN_REFILL_H
#define AN_TRAIN_REFILL_H

#include "data/loader.h"

typedef struct an_refill {
    float *images;       /* batch × per_image floats */
    int *labels;
    size_t per_image, cap;
} an_refill;

/* Top b (just returned by an_loader_next on l) up to `batch` images; b then points into r's
 * buffers when it had to be topped up. dir names the data set in the error. */
an_status an_refill_batch(an_loader *l, an_batch *b, int batch, an_refill *r, const char *dir);
void an_refill_free(an_refill *r);

#endif
