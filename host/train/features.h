/* host/train/features.h - a layer's activations as image descriptors (DeCAF; Caffe's
 * extract_features): every image of a data set forwarded with eval's views (the centre crop, or
 * the ten views averaged), the chosen layer's output read back, in the loader's order. */
#ifndef AN_TRAIN_FEATURES_H
#define AN_TRAIN_FEATURES_H

#include "data/loader.h"
#include "net/model.h"

/* Called with each batch's n feature rows (n × an_features_size floats) and labels. */
typedef an_status (*an_features_sink)(void *ctx, const float *rows, const int *labels, int n);

/* Floats per image of layer li's output (C·H·W). */
size_t an_features_size(const an_net *net, int li);

/* Forward the rest of the loader's epoch through m (made with keep_layer = li + 1 when it is an
 * inference model, and a batch of model_batch), and hand layer li's output per image to sink:
 * with ten views, their mean. progress (may be NULL) as an_eval_opts's. */
an_status an_features_run(an_model *m, const an_net *net, an_loader *l, int li, int model_batch,
                          an_features_sink sink, void *ctx,
                          void (*progress)(void *ctx, size_t done, size_t total));

#endif
