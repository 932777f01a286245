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
    cl_mem out, dout, aux;    /* output, its gradient, maxpool argmax */
    an_buf w, b, dw, db;      /* parameter slices in the device's flat buffers */
    an_link fwd[AN_MAX_TOWERS], bwd[AN_MAX_TOWERS]; /* crossover links from/to tower u */
    int has_link[AN_MAX_TOWERS];
    an_conv_choice conv[AN_TUNE_DIRS];   /* a conv layer's algorithm per direction */
    an_tune_source conv_src[AN_TUNE_DIRS];
    int gathers;                /* it reads a gathered input (over the fwd links) */
    cl_mem prep_w;              /* inference, a layer's weights as its forward reads them: */
    uint32_t prep_gen;          /* Winograd's transform or the tiled forward's packed panels of
                                 * a conv layer, an fc layer's packed weights; made from the
                                 * parameters of this an_model.params_gen */
    size_t out_floats, gather_floats;
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
    an_model_memory mem;            /* what has been allocated, by use */
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
    float label_smoothing; /* the training loss's (an_model_set_label_smoothing; 0: none) */
    int conv_bwd_chosen;  /* the conv layers' backward choices are made (model_tune.c) */
    float *lr_mult;       /* per layer (opts.layer_lr_mult's copy), NULL: all 1 */
    int first_trainable;  /* the first conv/fc layer with a non-zero multiplier (nlayers: none) */
    uint32_t step;
    uint32_t params_gen; /* counts writes of the parameters (stale transformed filters) */
};

static inline int an_model_dev_of(const an_model *m, int t) { return t % m->ndev; }
static inline float an_model_lr_mult(const an_model *m, int i) {
    return m->lr_mult ? m->lr_mult[i] : 1.0f;
}

/* AN_OK for a model that can train; else an error naming `what` (a training call). */
an_status an_model_refuse_inference(const an_model *m, const char *what);
/* The shape of the tensor after layer i (i = -1: the input image). */
an_shape an_model_tensor_shape(const an_model *m, int i);
/* 1 when tower t runs layer i. */
int an_model_runs(const an_model *m, int i, int t);
/* 1 when tower t holds part of the tensor after layer i: channels [c0, c1) of the whole. */
int an_model_piece(const an_model *m, int i, int t, int *c0, int *c1);
an_buf an_model_piece_buf(const an_model *m, int i, int t);
/* Training: whether ReLU layer i is applied by the max pool after it (model_run.c's relu_fused),
 * which reads the ReLU's input and writes its input's gradient, so that the ReLU's own output
 * and gradient are never stored and have no buffers. */
int an_model_relu_in_pool(const an_model *m, int i);
an_buf an_model_piece_dbuf(const an_model *m, int i, int t);
an_conv_shape an_model_conv_shape(const an_model *m, int i, int n);
/* model_tune.c: choose tower t's algorithms of conv layer i (the forward, or with backward the
 * two gradients) and raise its device's workspace need to fit them. */
an_status an_model_choose_conv(an_model *m, int i, int t, int backward);
/* Before the first backward: the backward choices of every conv layer, and a workspace that fits
 * them (reallocated when it has grown). */
an_status an_model_choose_conv_backward(an_model *m);

/* The activations' lifetimes in the schedule (host/net/model_plan.c). Values: the images on
 * each device, and each layer's output and gathered input on each tower that runs it. A value
 * lives from the step that writes it to the last step that reads it; with `reuse` (inference)
 * values whose lifetimes do not overlap share a slot, and a ReLU or dropout output shares its
 * input's (in place). Steps follow the enqueue order of an_model_forward: layer by layer, tower
 * by tower, the gather before the op. The last layer's output and input live to the end (they
 * are read after the forward). */
typedef struct an_plan {
    int nval, nslot;
    int *slot_of;        /* per value: its slot */
    int *slot_dev;       /* per slot: its device */
    size_t *slot_floats; /* per slot: its size */
    int *slot_largest;   /* per slot: the value that sets its size */
    size_t live_pair[AN_MAX_SELECTED]; /* per device: the two largest values live at once */
} an_plan;

/* Needs setup of every tower done (links, out_floats, gather_floats). */
an_status an_plan_build(const an_model *m, int reuse, an_plan *p);
void an_plan_free(an_plan *p);
/* The value index of the images on device di, and of layer i's output or gathered input on
 * tower t. */
int an_plan_input(const an_model *m, int di);
int an_plan_value(const an_model *m, int i, int t, int gathered);
/* A value's name for messages: "input images", "conv1.out[tower 1]". */
void an_plan_name(const an_model *m, int k, char *buf, size_t cap);

#endif
