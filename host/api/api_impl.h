/* host/api/api_impl.h - what the public API's handles hold (include/alexnet/alexnet.h) and
 * their locks. Only host/api/ sees these. */
#ifndef AN_API_API_IMPL_H
#define AN_API_API_IMPL_H

#include <pthread.h>
#include <stdint.h>

#include "alexnet/alexnet.h"
#include "data/image.h"
#include "data/jpeg.h"
#include "data/view.h"
#include "net/model.h"
#include "runtime/runtime.h"

/* Every call that uses these devices (a network's creation, weights, forwards, steps, closing)
 * holds lock, so work on one handle's devices is serialised and work on two handles overlaps. */
struct an_devices {
    pthread_mutex_t lock;
    an_dev devs[AN_MAX_SELECTED];
    int n;
    int networks; /* open networks made on these devices (guarded by lock) */
};

struct an_network {
    an_devices *devs;
    an_net *net;
    an_model *m;
    int batch, train;
    uint32_t step;       /* training steps taken (dropout masks) */
    /* JPEG preprocessing, guarded by pre_lock. */
    pthread_mutex_t pre_lock;
    an_view_config view;
    an_jpeg *jpeg;
    an_resizer rs;
    an_image dec, fit;
    float *rgb;          /* 3 × H × W: the RGB view before the net's channel conversion */
    /* Device work, guarded by devs->lock. */
    float *logits;       /* batch × classes */
    double *probs;       /* classes */
};

/* The process-wide lock of opening and closing device handles (device discovery and sub-device
 * creation are not known to be thread-safe in every OpenCL implementation). */
void an_api_lock(void);
void an_api_unlock(void);

#endif
