/* host/net/init.c - counter-based Gaussian initialisation of parameters (init.h). */
#include "net/init.h"

#include <math.h>
#include <string.h>

#include "ref/philox.h"

#define INIT_STREAM 0x494E4954u /* "INIT": keeps these numbers apart from dropout's */

/* The two normal numbers of pair g: z[0] for element 2g, z[1] for element 2g+1. */
static void normal_pair(uint64_t seed, int tensor, uint64_t g, double z[2]) {
    uint32_t ctr[4] = {(uint32_t)g, (uint32_t)(g >> 32), (uint32_t)tensor, INIT_STREAM};
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    uint32_t w[4];
    an_philox4x32_10(ctr, key, w);
    uint64_t a = ((uint64_t)w[1] << 32) | w[0];
    uint64_t b = ((uint64_t)w[3] << 32) | w[2];
    double u1 = (double)((a >> 11) + 1) * 0x1p-53;
    double u2 = (double)(b >> 11) * 0x1p-53;
    double r = sqrt(-2.0 * log(u1));
    double t = 2.0 * 3.14159265358979323846 * u2;
    z[0] = r * cos(t);
    z[1] = r * sin(t);
}

double an_init_normal(uint64_t seed, int tensor, uint64_t e) {
    double z[2];
    normal_pair(seed, tensor, e >> 1, z);
    return z[e & 1];
}

an_status an_init_params(const an_net *net, const an_layout *l, uint64_t seed, float *buf) {
    memset(buf, 0, l->total * sizeof *buf);
    for (int i = 0; i < l->n; i++) {
        const an_layout_entry *e = &l->e[i];
        const an_tensor *t = &net->tensors[e->tensor];
        const an_conv_params *p = &net->layers[t->layer].conv;
        float *dst = buf + e->offset;
        if (t->is_bias) {
            for (size_t j = 0; j < e->count; j++) dst[j] = (float)p->init_bias;
            continue;
        }
        uint64_t first = (uint64_t)e->row_begin * e->row_size;
        double z[2];
        for (size_t j = 0; j < e->count; j++) {
            uint64_t k = first + j;
            if (j == 0 || (k & 1) == 0) normal_pair(seed, e->tensor, k >> 1, z);
            dst[j] = (float)(p->init_std * z[k & 1]);
        }
    }
    return AN_OK;
}
