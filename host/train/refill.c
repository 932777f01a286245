/* host/train/refill.c - topping up the short batches of bad files (refill.h). */
#include "train/refill.h"

#include <stdlib.h>
#include <string.h>

#include "util/try.h"

static an_status reserve(an_refill *r, int batch, size_t per_image) {
    if (r->images && r->cap >= (size_t)batch && r->per_image == per_image) return AN_OK;
    an_refill_free(r);
    r->images = malloc((size_t)batch * per_image * sizeof *r->images);
    r->labels = malloc((size_t)batch * sizeof *r->labels);
    if (!r->images || !r->labels) return an_error(AN_ERR_NOMEM, "out of memory for a batch");
    r->cap = (size_t)batch;
    r->per_image = per_image;
    return AN_OK;
}

static void take(an_refill *r, int *n, const an_batch *b, int k) {
    memcpy(r->images + (size_t)*n * r->per_image, b->images,
           (size_t)k * r->per_image * sizeof(float));
    memcpy(r->labels + *n, b->labels, (size_t)k * sizeof(int));
    *n += k;
}

an_status an_refill_batch(an_loader *l, an_batch *b, int batch, an_refill *r, const char *dir) {
    if (b->count >= batch) return AN_OK;
    size_t n_all = an_loader_size(l);
    AN_TRY(reserve(r, batch, an_loader_image_floats(l)));
    /* More than an epoch of batches without a good image: there is none. */
    long long tries = 0, limit = (long long)(n_all / (size_t)batch) + 2;
    int n = 0;
    an_batch cur = *b;
    for (;;) {
        if (cur.count > 0) {
            int k = cur.count < batch - n ? cur.count : batch - n;
            take(r, &n, &cur, k);
        }
        if (n == batch) break;
        if (++tries > limit) {
            const char *path = "", *reason = "";
            an_loader_bad(l, 0, &path, &reason);
            if (n == 0)
                return an_error(AN_ERR_FORMAT, "no image of %s could be read (%zu files, %zu of "
                                "them bad so far; e.g. %s: %s)", dir, n_all,
                                an_loader_bad_count(l), path, reason);
            break;
        }
        AN_TRY(an_loader_next(l, &cur));
    }
    *b = (an_batch){.images = r->images, .labels = r->labels, .count = n, .views = cur.views,
                    .slot = -1, .epoch = b->epoch, .index = b->index};
    return AN_OK;
}

void an_refill_free(an_refill *r) {
    free(r->images);
    free(r->labels);
    r->images = NULL;
    r->labels = NULL;
    r->cap = 0;
}
