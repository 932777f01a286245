/* host/net/model_impl.h - the inside of an_model, shared by model.c (placement, buffers) and
 * model_run.c (the schedule). Not for other callers: they use net/model.h. */
#ifndef AN_NET_MODEL_IMPL_H
#define AN_NET_MODEL_IMPL_H

#include "net/model.h"
#include "net/xfer.h"
#include "ops/sgd.h"
#include "ops/tune.h"

/* Layer i as tower t runs it. */
typedef struct mtower {
    int runs;
    an_dev *d;
    an_buf in, din;           /* what the op reads, and where its input gradient goes */
    cl_mem gather, dgather;   /* a crossover's gathered input and its gradient */
    cl_mem out, dout, aux;    /* output, its gradient, LRN scale or maxpool argmax */
    an_buf w, b, dw, db;      /* parameter slices in the device's flat buffers */
    an_link fwd[AN_MAX_TOWERS], bwd[AN_MAX_TOWERS]; /* crossover links from/to tower u */
    int has_link[AN_MAX_TOWERS];
    an_conv_choice conv[AN_TUNE_DIRS];   /* a conv layer's algorithm per direction */
    an_tune_source conv_src[AN_TUNE_DIRS];
} mtower;

typedef struct mlayer {
    const an_layer *l;
    int gathers;
    char xtag[AN_NAME_MAX + 8]; /* profiling tag of its crossover copies */
    mtower t[AN_MAX_TOWERS];
} mlayer;

typedef struct mdev {
    an_layout layout;
    cl_mem params, grads, momentum; /* one flat buffer each, in the layout */
    cl_mem input;                   /* the batch of images */
    cl_mem ws;                      /* convolution workspace */
    size_t ws_floats;
    cl_mem labels, stats;           /* device 0: the loss */
    an_sgd_table sgd;
    size_t bytes;
} mdev;

struct an_model {
    const an_net *net;
    an_dev *devs;
    int ndev, T, batch, K;
    an_model_opts opts;
    an_conv_algo algo;
    an_layout whole;
    mdev dev[AN_MAX_SELECTED];
    mlayer *L;
    int n;              /* images in the last forward */
    int train, has_labels;
    int conv_bwd_chosen;  /* the conv layers' backward choices are made (model_tune.c) */
    uint32_t step;
};

static inline int an_model_dev_of(const an_model *m, int t) { return t % m->ndev; }

/* The shape of the tensor after layer i (i = -1: the input image). */
an_shape an_model_tensor_shape(const an_model *m, int i);
/* 1 when tower t runs layer i. */
int an_model_runs(const an_model *m, int i, int t);
/* 1 when tower t holds part of the tensor after layer i: channels [c0, c1) of the whole. */
int an_model_piece(const an_model *m, int i, int t, int *c0, int *c1);
an_buf an_model_piece_buf(const an_model *m, int i, int t);
an_buf an_model_piece_dbuf(const an_model *m, int i, int t);
an_conv_shape an_model_conv_shape(const an_model *m, int i, int n);
/* model_tune.c: choose tower t's algorithms of conv layer i (the forward, or with backward the
 * two gradients) and raise its device's workspace need to fit them. */
an_status an_model_choose_conv(an_model *m, int i, int t, int backward);
/* Before the first backward: the backward choices of every conv layer, and a workspace that fits
 * them (reallocated when it has grown). */
an_status an_model_choose_conv_backward(an_model *m);

#endif
