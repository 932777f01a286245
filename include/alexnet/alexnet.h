/* alexnet/alexnet.h - alexnet-cl as a library: open OpenCL devices, load a net and its weights,
 * classify JPEG images or float batches, take SGD steps, save weights (docs/API.md).
 *
 * Two opaque handles: an_devices (one or two opened OpenCL devices) and an_network (a net placed
 * on them, with its parameters). Every function returns an an_status (alexnet/status.h): AN_OK,
 * or an error whose message an_last_error() returns on the same thread until the next failing
 * call. Nothing here prints or exits. A failing call leaves its handle out-parameters (*out)
 * unset; arrays it was to fill (out, probabilities) have unspecified contents.
 *
 * Thread safety:
 *  - Every function may be called from any thread, on any handle, at any time, except that a
 *    handle must not be closed while another thread is using it.
 *  - Calls that use a device (creating a network, loading, forward, training, saving) are
 *    serialised by one library-wide lock: two threads get correct results but run one at a
 *    time. an_network_preprocess_jpeg takes only its network's own lock, so JPEG decoding on
 *    different networks runs in parallel with each other and with device work.
 *  - an_last_error() is per thread: read it on the thread whose call failed.
 *  - A network keeps its devices handle: close every network before its an_devices (closing
 *    devices that still have networks is refused with AN_ERR_INVALID_ARG).
 *  - an_set_kernel_cache() changes a process-wide setting; call it before opening devices. */
#ifndef ALEXNET_ALEXNET_H
#define ALEXNET_ALEXNET_H

#include <stddef.h>

#include "alexnet/export.h"
#include "alexnet/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AN_VERSION_MAJOR 0
#define AN_VERSION_MINOR 1
#define AN_VERSION_PATCH 0

/* The library's version (may differ from the header's AN_VERSION_* when linked dynamically). */
AN_API an_status an_version(int *major, int *minor, int *patch);

/* Compiled kernels are cached on disk ($XDG_CACHE_HOME/alexnet-cl, else ~/.cache/alexnet-cl)
 * unless on = 0 (or ALEXNET_KERNEL_CACHE=off in the environment). Process-wide. */
AN_API an_status an_set_kernel_cache(int on);

/* ---- Devices ---------------------------------------------------------------------------- */

typedef struct an_devices an_devices;

/* Open the device(s) spec names, as the CLI's --device: "P:D" (platform:device, as `alexnet
 * devices` lists them), "P:D.S" (a one-compute-unit sub-device), a case-insensitive substring
 * of a device's name or vendor, or two of those "A,B" for a two-tower net split over two
 * devices. NULL or "" means $ALEXNET_DEVICE, else the first GPU that is not a simulator, else
 * the first device. No OpenCL platform at all, or a spec matching nothing (or several devices),
 * is an error whose message lists the devices there are. */
AN_API an_status an_devices_open(const char *spec, an_devices **out);
/* Close (NULL: nothing). Refused while networks made on d are still open. */
AN_API an_status an_devices_close(an_devices *d);
/* How many devices d holds (1 or 2). */
AN_API an_status an_devices_count(const an_devices *d, int *n);
/* Device i's spec and name, e.g. "0:0 cpu-haswell-AMD EPYC 7B13" (at most cap-1 characters;
 * cap >= 1). */
AN_API an_status an_devices_describe(const an_devices *d, int i, char *buf, size_t cap);

/* ---- Networks --------------------------------------------------------------------------- */

typedef struct an_network an_network;

/* Progress lines of the convolution tuner (timing runs on a device's first use of a shape). */
typedef void (*an_progress_fn)(void *ctx, const char *line);

/* Options for creating a network. Start from an_network_opts_default(); fields may be added at
 * the end in later versions. */
typedef struct an_network_opts {
    int batch;               /* the most images one forward or training step may take (> 0) */
    int train;               /* 1: the network can train (gradients and momentum are
                                allocated); 0: inference only, in less memory */
    unsigned long long seed; /* the paper's initialisation (an_network_create) and dropout */
    an_progress_fn progress; /* may be NULL */
    void *progress_ctx;
} an_network_opts;

/* batch 16, inference only, seed 1, no progress. */
AN_API an_status an_network_opts_default(an_network_opts *o);

/* A net by description: a built-in name ("alexnet", "caffenet", "alexnet-owt",
 * "alexnet-small") or a .net file (docs/NETS.md), optionally with ":key=value,..." input
 * changes ("alexnet-small:channels=3,size=32"). Its parameters get the paper's initialisation
 * from o->seed; load trained ones with an_network_load_weights. o may be NULL (defaults). */
AN_API an_status an_network_create(an_devices *d, const char *net, const an_network_opts *o,
                                   an_network **out);
/* The net a weights file describes (docs/WEIGHTS.md), with the file's parameters,
 * preprocessing and class names. o may be NULL (defaults). */
AN_API an_status an_network_open(an_devices *d, const char *weights, const an_network_opts *o,
                                 an_network **out);
/* Close (NULL: nothing). */
AN_API an_status an_network_close(an_network *n);

/* Replace the parameters with a weights file's; the file must be for this net (same tensors,
 * layer order and LRN convention), or it is refused and the parameters are unspecified. */
AN_API an_status an_network_load_weights(an_network *n, const char *path);
/* Write the parameters, the net description, preprocessing and class names to path
 * (atomically: the old file or the new one, never half of one). */
AN_API an_status an_network_save_weights(an_network *n, const char *path);

/* What a network is. */
typedef struct an_network_info {
    char name[32];          /* the net's name, e.g. "alexnet" */
    int channels, height, width; /* one input image: channels × height × width floats, NCHW */
    int classes;            /* outputs per image */
    int batch;              /* the options' batch */
    int train;              /* 1 if it can train */
    int stored_size;        /* the side JPEGs are rescaled to before the centre crop (256 for
                               224 and 227 inputs) */
} an_network_info;
AN_API an_status an_network_get_info(const an_network *n, an_network_info *info);
/* The name of class k (0 <= k < classes); *name is NULL when the net has no class names. The
 * string lives as long as n. */
AN_API an_status an_network_class_name(const an_network *n, int k, const char **name);

/* What a forward returns per image: classes floats of probabilities (softmax, computed in double
 * precision and rounded) or the last layer's logits. */
typedef enum { AN_OUTPUT_PROBS = 0, AN_OUTPUT_LOGITS = 1 } an_output;

/* A JPEG file's bytes (data[0..len)) as the net's input, exactly as `alexnet classify` and
 * `alexnet eval` see an image: decoded to RGB, the shorter side rescaled to size (area
 * averaging; 0: info.stored_size) with the central square kept, the central input-sized crop,
 * normalised with the net's preprocessing and converted to its channels. out: channels ×
 * height × width floats. A file that is not a complete JPEG fails with AN_ERR_FORMAT. */
AN_API an_status an_network_preprocess_jpeg(an_network *n, const void *data, size_t len,
                                            int size, float *out);

/* Forward count images (count × channels × height × width floats, NCHW, as
 * an_network_preprocess_jpeg makes them; any count >= 1, run in chunks of the batch). out:
 * count × classes floats. Dropout is off. */
AN_API an_status an_network_forward(an_network *n, const float *images, int count,
                                    an_output what, float *out);

/* an_network_preprocess_jpeg then an_network_forward of that one image: out gets classes
 * floats. */
AN_API an_status an_network_classify_jpeg(an_network *n, const void *data, size_t len,
                                          an_output what, float *out);

/* One SGD step (the paper's: v = momentum·v − decay·lr·w − lr·g; w += v) on count images
 * (1 <= count <= batch, NCHW floats as for a forward) with labels (count class indexes, each
 * 0 <= label < classes), dropout on with masks from the seed and the step number. *loss (may be
 * NULL) gets the batch's mean cross-entropy loss before the step. Needs opts.train = 1. A loss
 * that is not finite fails with AN_ERR_NONFINITE (the step has been taken). */
AN_API an_status an_network_train_step(an_network *n, const float *images, const int *labels,
                                       int count, float lr, float momentum, float decay,
                                       float *loss);

#ifdef __cplusplus
}
#endif
#endif
