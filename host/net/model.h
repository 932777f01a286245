/* host/net/model.h - a net made runnable: its towers placed on one or two devices, parameters,
 * gradients and momentum in one flat buffer per device, activations per tower, and the forward,
 * backward and SGD step as one schedule.
 *
 * Placement: tower t (1-based) runs on device (t-1) mod ndev. With two devices (--device A,B)
 * each holds only its tower's parameters and activations, and the crossovers (a conv or fc layer
 * with input=cross, and the final softmax, which runs on tower 1's device) copy what a tower
 * needs from the other device (host/net/xfer.h); the backward sends the matching gradients back
 * and adds them up, always in tower order. One device runs the same towers, in the same order,
 * with the same kernels: one and two devices give bitwise the same numbers on devices of one
 * kind.
 *
 * Host-side parameter exchange uses the whole layout (host/net/layout.h: every tensor whole, in
 * the net's tensor order), whatever the split. Calls enqueue work and return; the ones that hand
 * results to the host (an_model_read_*, an_model_get_*) wait for them. */
#ifndef AN_NET_MODEL_H
#define AN_NET_MODEL_H

#include <stdint.h>

#include "net/layout.h"
#include "net/netdesc.h"
#include "ops/conv.h"
#include "ops/tune.h"
#include "runtime/runtime.h"

typedef struct an_model an_model;

typedef struct an_model_opts {
    int batch;               /* the largest batch a forward may be given */
    an_conv_algo conv_algo;  /* for every conv layer (AN_CONV_AUTO by default) */
    uint64_t seed;           /* dropout masks: a pure function of (seed, step, layer, element) */
    int first_image;         /* dropout: the row in the whole batch of this model's image 0 (a
                                data-parallel rank's share; 0 otherwise) */
    float bias_lr_mult;      /* learning-rate multiplier of biases (1: the paper; Caffe users: 2) */
    float bias_decay_mult;   /* weight-decay multiplier of biases (1: the paper; Caffe: 0) */
    an_tune_progress tune_progress; /* AN_CONV_AUTO's timing runs report here (may be NULL) */
    void *tune_ctx;
    int inference;           /* 1: forward only (see below); 0: a model that can train */
    /* Fine-tuning: a learning-rate multiplier per layer (net->nlayers values, copied; NULL: all
     * 1), on top of bias_lr_mult. 0 freezes a layer: the SGD step leaves its tensors alone and
     * the backward computes no gradient of them, nor any input gradient below the first layer
     * that learns. */
    const float *layer_lr_mult;
    /* Inference: layer keep_layer - 1's output is kept to the end of the forward, unshared, for
     * an_model_read_layer (0: none). A training model keeps every layer's output anyway. */
    int keep_layer;
} an_model_opts;

/* An inference model (opts.inference = 1) allocates the parameters and the activations only: no
 * gradients, momentum, output gradients or pooling argmax, and the layer outputs
 * share a few buffers wherever their lifetimes in the schedule do not overlap (ReLU and dropout
 * work in place). It gives the same numbers as a training model with the same parameters; a
 * training forward, an_model_backward, an_model_sgd and the gradient and momentum calls are
 * refused (AN_ERR_INVALID_ARG). */

/* Default options: batch 128, AN_CONV_AUTO, seed 1, multipliers 1 (the paper's rule), a model
 * that can train.
 *
 * Convolution algorithms: with AN_CONV_AUTO each conv layer gets one choice per direction from
 * the tuner (host/ops/tune.h; timed on the first use of a shape on a device, then read from the
 * tune cache) for the model's batch: the forward's at an_model_create, the gradients' at the
 * first an_model_backward. ALEXNET_TUNE=off gives an_conv_algo_resolve's rule instead, and any
 * other conv_algo forces that algorithm on every layer. */
an_model_opts an_model_defaults(void);

/* Where a net's work runs, as an_model_create places it: does tower t (0-based) run layer i
 * (conv and fc layers on their towers, the softmax on tower 1, the others wherever their input
 * is held), and which channels [c0, c1) of the tensor after layer i does it hold (i = -1: the
 * image, which every tower holds whole)? 0 when it holds none. */
int an_net_tower_runs(const an_net *net, int i, int t);
int an_net_tower_piece(const an_net *net, int i, int t, int *c0, int *c1);

/* Place net on devs[0..ndev-1] (ndev 1, or 2 for a two-tower net). The model keeps pointers to
 * net and devs: both must outlive it. Parameters start at zero: set them with an_model_init or
 * an_model_set_params. */
an_status an_model_create(const an_net *net, an_dev *devs, int ndev, const an_model_opts *o,
                          an_model **out);
void an_model_free(an_model *m);

/* The paper's initialisation from a seed (host/net/init.h), the same numbers for any split;
 * momentum is zeroed. */
an_status an_model_init(an_model *m, uint64_t seed);

/* Forward n images (n <= batch; NCHW floats as the net's input, preprocessed). labels (n ints)
 * may be NULL for inference. train != 0 (needs labels): dropout is on with masks of `step`,
 * and the loss gradient is computed for an_model_backward. */
an_status an_model_forward(an_model *m, const float *images, const int *labels, int n, int train,
                           uint32_t step);
/* Gradients of the mean loss of the last training forward, into the gradient buffers. */
an_status an_model_backward(an_model *m);
/* The paper's update on every device: v = momentum·v − decay·lr·w − lr·g; w = w + v. */
an_status an_model_sgd(an_model *m, float lr, float momentum, float decay);

/* Label smoothing of the training loss from now on: a training forward's loss (the stats) and
 * gradient are the cross-entropy against (1 - eps) onehot(label) + eps / classes
 * (host/ops/softmax.h); forwards that do not train keep the plain loss. 0 (the default) is the
 * plain loss; eps outside [0, 1), or an inference model, is refused. */
an_status an_model_set_label_smoothing(an_model *m, float eps);

/* After a forward with labels: mean loss, top-1 and top-5 correct counts of the n images. */
an_status an_model_read_stats(an_model *m, float *loss, int *top1, int *top5);
/* After a forward: the n × classes logits, or the probabilities (not after a train forward). */
an_status an_model_read_logits(an_model *m, float *logits);
an_status an_model_read_probs(an_model *m, float *probs);
/* After a forward: layer i's output for the n images, whole (n × C×H×W, the towers' channel
 * blocks in order). An inference model must have been made with keep_layer = i + 1. */
an_status an_model_read_layer(an_model *m, int i, float *out);

/* The parameters from a weights file of the model's net (host/net/weights.h). On one device
 * they are read straight into the mapped parameter buffer, with no host copy of them; with two,
 * through a whole-layout host buffer. On failure the parameters are unspecified. */
an_status an_model_load_weights(an_model *m, const char *path);

/* Whole-layout host buffers (an_model_whole_floats() floats). */
size_t an_model_whole_floats(const an_model *m);
an_status an_model_get_params(an_model *m, float *whole);
an_status an_model_set_params(an_model *m, const float *whole);
an_status an_model_get_grads(an_model *m, float *whole);
an_status an_model_get_momentum(an_model *m, float *whole);
an_status an_model_set_momentum(an_model *m, const float *whole);
/* The whole layout itself (entries name every tensor's place in those buffers). */
const an_layout *an_model_whole_layout(const an_model *m);

/* Data-parallel training (host/train/distributed.h): the devices the model runs on, and device
 * i's flat gradient buffer (its layout's total floats, padding included, which stays zero) to or
 * from the host; the read waits for the backward. Host model code in model_dist.c. */
int an_model_devices(const an_model *m);
size_t an_model_dev_grad_floats(const an_model *m, int i);
an_status an_model_read_dev_grads(an_model *m, int i, float *host);
an_status an_model_write_dev_grads(an_model *m, int i, const float *host);

/* Crossover traffic so far: bytes moved between devices (0 on one device) and copies made. */
unsigned long long an_model_xfer_bytes(const an_model *m);
/* The algorithm conv layer i runs in direction dir (on the first tower that runs it) and where
 * the choice came from; AN_ERR_NOT_FOUND for a layer that is not a convolution or a backward
 * direction not chosen yet (before the first backward). */
an_status an_model_conv_choice(const an_model *m, int i, an_tune_dir dir, an_conv_choice *c,
                               an_tune_source *src);

/* The convolution shape of layer i (a conv layer) for a batch of n, per tower. */
an_conv_shape an_layer_conv_shape(const an_layer *l, int n);

/* Device memory the model allocated on device i (bytes). It allocates everything when it is
 * created, so this is also its peak. */
size_t an_model_device_bytes(const an_model *m, int i);

/* That memory by use, in bytes, and the size of the two largest activations live at one time in
 * the schedule (layer outputs, gathered crossover inputs, the images), the figure an inference
 * model's total is measured against. */
typedef struct an_model_memory {
    size_t total;
    size_t params;      /* the parameters */
    size_t solver;      /* gradients and momentum */
    size_t activations; /* layer outputs, gathered inputs, images; training: their gradients */
    size_t aux;         /* pooling argmax, crossover staging (training only) */
    size_t workspace;   /* convolution workspace */
    size_t other;       /* labels and loss statistics */
    size_t live_pair;   /* the two largest activations live at once */
} an_model_memory;
an_model_memory an_model_device_memory(const an_model *m, int i);

#endif
