/* host/net/weights.h - weights files: a net's parameters, whole, with the description and the
 * preprocessing they were trained with (format: docs/WEIGHTS.md).
 *
 * Save and load work on host buffers in the whole layout of the net (layout.h, an_layout_whole):
 * every tensor whole, whatever the device split; a two-device executor pastes each device's
 * part into such a buffer (an_layout_paste) before saving and cuts it (an_layout_cut) after
 * loading. Saving is atomic (temporary file in the same directory, fsync, rename). Loading checks
 * every record's CRC-32 and refuses, with a message naming what and where, a file that is not a
 * weights file, is truncated or corrupt, or does not match the net (the first mismatching
 * tensor with both shapes, or the layer order, or the LRN convention). */
#ifndef AN_NET_WEIGHTS_H
#define AN_NET_WEIGHTS_H

#include <stdint.h>

#include "net/netdesc.h"

#define AN_WEIGHTS_VERSION 1

/* What a weights file's header says. */
typedef struct an_weights_meta {
    uint32_t version;
    char net_name[AN_NAME_MAX];
    char *net_text;          /* the net description (docs/NETS.md) */
    an_lrn_convention lrn;
    an_shape input;
    an_preproc pre;          /* range, mean, std, channel order */
    int classes;
    int nclass_names;        /* 0 or classes */
    char **class_names;
    int ntensors;
    char creator[64];        /* "alexnet-cl", "anweights.py", ... */
} an_weights_meta;

/* Write the net's parameters (whole: an an_layout_whole buffer) with its description,
 * preprocessing and class names. */
an_status an_weights_save(const char *path, const an_net *net, const float *whole);

/* Read parameters into whole (an an_layout_whole buffer of net). meta may be NULL; when given it
 * receives the file's header (free with an_weights_meta_free). On failure whole's contents are
 * unspecified. */
an_status an_weights_load(const char *path, const an_net *net, float *whole,
                          an_weights_meta *meta);

/* Read only the header. */
an_status an_weights_read_meta(const char *path, an_weights_meta *meta);
void an_weights_meta_free(an_weights_meta *meta);

/* The net a weights file describes, with the file's preprocessing and class names. */
an_status an_net_from_weights(const char *path, an_net **out);

#endif
