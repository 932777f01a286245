/* host/train/feed.c - loader batches into net inputs. */
#include <string.h>

#include "train/feed.h"

/* 1 when the net takes its three channels in BGR order (Caffe's), the loader giving RGB. */
static int is_bgr(const an_net *net) {
    return net->input.c == 3 && strcmp(net->pre.order, "bgr") == 0;
}

an_view_config an_feed_view(const an_net *net, an_crop_mode crop, int lighting) {
    an_view_config v = crop == AN_CROP_TRAIN   ? an_view_train(net->input.h)
                       : crop == AN_CROP_TEN ? an_view_ten(net->input.h)
                       : crop == AN_CROP_FLIP ? an_view_flip(net->input.h)
                                             : an_view_center(net->input.h);
    v.lighting = crop == AN_CROP_TRAIN && lighting;
    v.norm = AN_NORM_MEAN_STD;
    const an_preproc *p = &net->pre;
    double range = p->range > 0 ? p->range : 255.0;
    for (int c = 0; c < 3; c++) { /* c: the loader's RGB channel; pc: the net's channel */
        int pc = net->input.c == 3 ? (is_bgr(net) ? 2 - c : c) : 0;
        v.mean[c] = (float)(an_preproc_mean(p, pc) / range);
        double s = an_preproc_std(p, pc);
        v.std[c] = (float)((s > 0 ? s : 1.0) / range);
    }
    return v;
}

size_t an_feed_image_floats(const an_net *net) { return (size_t)an_shape_count(net->input); }

const float *an_feed_direct(const an_net *net, const an_batch *b) {
    return b->views == 1 && net->input.c == 3 && !is_bgr(net) ? b->images : NULL;
}

an_status an_feed_images(const an_net *net, const an_batch *b, int v, float *out) {
    int C = net->input.c;
    size_t hw = (size_t)net->input.h * net->input.w, view = 3 * hw;
    if (v < 0 || v >= b->views) return an_error(AN_ERR_INVALID_ARG, "no view %d", v);
    if (C != 1 && C != 3)
        return an_error(AN_ERR_UNSUPPORTED, "net %s takes %d input channels; images give 3 (RGB) "
                        "or 1 (grey)", net->name, C);
    for (int i = 0; i < b->count; i++) {
        const float *src = b->images + ((size_t)i * (size_t)b->views + (size_t)v) * view;
        float *dst = out + (size_t)i * (size_t)C * hw;
        if (C == 3 && is_bgr(net)) {
            for (int c = 0; c < 3; c++)
                memcpy(dst + (size_t)c * hw, src + (size_t)(2 - c) * hw, hw * sizeof(float));
        } else if (C == 3) {
            memcpy(dst, src, view * sizeof(float));
        } else {
            for (size_t k = 0; k < hw; k++)
                dst[k] = (src[k] + src[hw + k] + src[2 * hw + k]) * (1.0f / 3.0f);
        }
    }
    return AN_OK;
}
