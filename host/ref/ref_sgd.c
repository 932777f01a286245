/* host/ref/ref_sgd.c - CPU reference (double) of the paper's SGD update, per-tensor multipliers. */
#include "ref/ref_sgd.h"

void an_ref_sgd_step(const an_ref_sgd_segment *segs, size_t count, double *w, const double *g,
                     double *v, double lr, double momentum, double decay) {
    for (size_t s = 0; s < count; s++) {
        double e = lr * segs[s].lr_mult, l = decay * segs[s].decay_mult;
        for (size_t i = segs[s].start; i < segs[s].start + segs[s].length; i++) {
            v[i] = momentum * v[i] - l * e * w[i] - e * g[i];
            w[i] += v[i];
        }
    }
}
