/* host/train/feed.h - from the data loader's batches to the net's input: the view a net asks for
 * (its input size, its preprocessing) and the channel count it takes.
 *
 * The loader produces RGB float views normalised per an_view_config. A net's preprocessing
 * (x = (p/255·range − mean[c]) / std[c]) maps onto the view's MEAN_STD mode with mean and std
 * divided by the range. A one-channel net (Fashion-MNIST's grey images) gets the mean of the
 * three channels, which for grey images is the grey value itself. A net whose preprocessing says
 * order=bgr (Caffe's weights) gets the channels reversed. */
#ifndef AN_TRAIN_FEED_H
#define AN_TRAIN_FEED_H

#include "data/loader.h"
#include "net/netdesc.h"

/* The loader view for net: crop mode, the net's input side and normalisation. Training views
 * flip and, when lighting is set, add PCA lighting (which needs the data set's statistics). */
an_view_config an_feed_view(const an_net *net, an_crop_mode crop, int lighting);

/* Floats one image takes as the net's input (C×H×W). */
size_t an_feed_image_floats(const an_net *net);

/* b's images as they are, when they already are the net's input (one view, 3 channels): no
 * copy needed; NULL otherwise. */
const float *an_feed_direct(const an_net *net, const an_batch *b);

/* Write view v of the first count images of b into out (count × C×H×W floats, NCHW), converted
 * to the net's channel count. */
an_status an_feed_images(const an_net *net, const an_batch *b, int v, float *out);

#endif
