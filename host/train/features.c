/* host/train/features.c - the feature loop: loader batches, forwards in chunks of the model's
 * batch, the layer read back, views averaged. */
#include "train/features.h"

#include <stdlib.h>
#include <string.h>

#include "util/try.h"
#include "train/feed.h"

size_t an_features_size(const an_net *net, int li) {
    return (size_t)an_shape_count(net->layers[li].out);
}

/* The features of the batch's rows (images × views), chunk by chunk, into feats. */
static an_status forward_rows(an_model *m, const an_net *net, const an_batch *b, int li, int mb,
                              float *in, float *feats) {
    size_t rows = (size_t)b->count * (size_t)b->views, D = an_features_size(net, li);
    size_t view3 = 3 * (size_t)net->input.h * (size_t)net->input.w;
    for (size_t r0 = 0; r0 < rows; r0 += (size_t)mb) {
        int n = rows - r0 < (size_t)mb ? (int)(rows - r0) : mb;
        const float *x = b->images + r0 * view3;
        if (net->input.c != 3) {
            an_batch rb = {.images = (float *)x, .labels = NULL, .count = n, .views = 1};
            AN_TRY(an_feed_images(net, &rb, 0, in));
            x = in;
        }
        AN_TRY(an_model_forward(m, x, NULL, n, 0, 0));
        AN_TRY(an_model_read_layer(m, li, feats + r0 * D));
    }
    return AN_OK;
}

an_status an_features_run(an_model *m, const an_net *net, an_loader *l, int li, int model_batch,
                          an_features_sink sink, void *ctx,
                          void (*progress)(void *ctx, size_t done, size_t total)) {
    if (li < 0 || li >= net->nlayers)
        return an_error(AN_ERR_INVALID_ARG, "no layer %d in %s", li, net->name);
    size_t total = an_loader_size(l), D = an_features_size(net, li);
    float *feats = NULL, *mean = NULL, *in = NULL;
    size_t cap = 0;
    in = malloc((size_t)model_batch * an_feed_image_floats(net) * sizeof *in);
    an_status s = in ? AN_OK : an_error(AN_ERR_NOMEM, "out of memory");
    size_t images = 0;
    while (s == AN_OK) {
        an_batch b;
        if ((s = an_loader_next(l, &b)) != AN_OK) break;
        size_t rows = (size_t)b.count * (size_t)b.views;
        if (rows * D > cap) {
            free(feats);
            free(mean);
            cap = rows * D;
            feats = malloc(cap * sizeof *feats);
            mean = malloc(cap * sizeof *mean);
            if (!feats || !mean) s = an_error(AN_ERR_NOMEM, "out of memory for %zu features", cap);
        }
        if (s == AN_OK && b.count > 0) s = forward_rows(m, net, &b, li, model_batch, in, feats);
        const float *out = feats;
        if (s == AN_OK && b.views > 1) {
            for (int i = 0; i < b.count; i++)
                for (size_t j = 0; j < D; j++) {
                    double acc = 0;
                    for (int v = 0; v < b.views; v++)
                        acc += feats[((size_t)i * b.views + (size_t)v) * D + j];
                    mean[(size_t)i * D + j] = (float)(acc / b.views);
                }
            out = mean;
        }
        if (s == AN_OK && b.count > 0) s = sink(ctx, out, b.labels, b.count);
        images += (size_t)b.count;
        uint64_t pe, pi;
        an_loader_position(l, &pe, &pi);
        int last = pe != b.epoch || pi >= total;
        if (progress) progress(ctx, last ? total : (size_t)pi, total);
        if (last) break;
    }
    free(feats);
    free(mean);
    free(in);
    if (s == AN_OK && images == 0)
        return an_error(AN_ERR_FORMAT, "none of the %zu images could be read", total);
    return s;
}
