/* host/net/init.h - the paper's initialisation, the same numbers whatever the device split.
 *
 * Weights ~ N(0, std²) and biases = a constant, both per layer from the description (the paper:
 * std 0.01; biases 1 for conv2, conv4, conv5, fc6, fc7, fc8 and 0 for conv1, conv3).
 *
 * Element e of tensor i (its index in net->tensors; e counts over the whole tensor, row-major) is
 * a pure function of (seed, i, e), so a tower's slice is cut from the same numbers as the whole:
 *   pair g = e / 2;  Philox4x32-10 (host/ref/philox.h) with
 *     counter = { low32(g), high32(g), i, 0x494E4954 ("INIT") },
 *     key = { low32(seed), high32(seed) }
 *   gives words w0..w3;  u1 = ((w1·2^32 + w0) >> 11 + 1) · 2^-53 ∈ (0, 1],
 *   u2 = ((w3·2^32 + w2) >> 11) · 2^-53 ∈ [0, 1);  r = sqrt(−2 ln u1);
 *   z = r·cos(2π u2) for even e, r·sin(2π u2) for odd e (Box–Muller);  value = (float)(std · z),
 *   computed in double. */
#ifndef AN_NET_INIT_H
#define AN_NET_INIT_H

#include <stdint.h>

#include "net/layout.h"

/* The standard normal number of element e of tensor `tensor` (before scaling by std). */
double an_init_normal(uint64_t seed, int tensor, uint64_t e);

/* Fill buf (l->total floats) with the initial parameters of the parts layout l holds; padding
 * is zeroed. */
an_status an_init_params(const an_net *net, const an_layout *l, uint64_t seed, float *buf);

#endif
