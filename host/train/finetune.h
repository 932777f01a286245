/* host/train/finetune.h - fine-tuning: a net that starts from another run's weights file, with
 * the last layer resized to the data set's classes, per-layer learning-rate multipliers and
 * frozen layers (as Caffe's lr_mult, "fine-tune CaffeNet on Flickr Style").
 *
 * Tensors are matched by name ("conv1.weight"): those of the same shape are copied from the file,
 * the others (a new class count's last layer, a layer the file lacks) keep the seed's paper
 * initialisation. Library code: it reports what it did in a string for the caller to log. */
#ifndef AN_TRAIN_FINETUNE_H
#define AN_TRAIN_FINETUNE_H

#include <stddef.h>
#include <stdint.h>

#include "net/model.h"

/* The net to fine-tune: net_spec (a built-in name or net file, as an_net_load) when given, else
 * the net inside the weights file init (with its preprocessing). */
an_status an_finetune_net(const char *init, const char *net_spec, an_net **out);

/* Per-layer multipliers (net->nlayers floats, malloc'ed) from "fc8=10,fc7=2" (lr_mult) and
 * "conv1,conv2" (freeze: multiplier 0). *out is NULL when both are NULL or empty. An unknown
 * layer, a layer without parameters, a bad number or freezing every layer is an error. */
an_status an_finetune_mults(const an_net *net, const char *lr_mult, const char *freeze,
                            float **out);

/* The layers frozen or given another multiplier, as "lr x10: fc8; frozen: conv1 conv2", for the
 * log ("" when mult is NULL). */
void an_finetune_describe(const an_net *net, const float *mult, char *buf, size_t n);

/* Parameters of m: the paper's initialisation from seed, then every tensor of the weights file
 * path with the name and shape of one of the net's. The log line goes to report: which tensors
 * came from the file and which layers were initialised afresh (with both shapes). Copying
 * nothing is an error (the file is for another net). */
an_status an_finetune_init(an_model *m, const an_net *net, const char *path, uint64_t seed,
                           char *report, size_t n);

#endif
