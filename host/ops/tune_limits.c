/* host/ops/tune_limits.c - the convolution choices that break a device's limits (tune_limits.h). */
#include "ops/tune_limits.h"

#include <stdio.h>
#include <string.h>

int an_tune_fits_limits(const an_dev *d, const an_conv_shape *s, an_conv_choice c, char *why,
                        size_t cap) {
    size_t ws = an_conv_workspace_floats(d, s, c.algo) * sizeof(float);
    if (ws > d->info.max_alloc) {
        if (why)
            snprintf(why, cap, "its workspace of %.1f MiB is over the largest buffer, %.1f MiB",
                     (double)ws / 1048576.0, (double)d->info.max_alloc / 1048576.0);
        return 0;
    }
    int library = c.algo == AN_CONV_FFT ||
                  (c.gemm == AN_GEMM_CLBLAST &&
                   (c.algo == AN_CONV_IM2COL || c.algo == AN_CONV_WINOGRAD));
    if (d->info.limits[0] && library) {
        if (why)
            snprintf(why, cap, "%s sizes its work-groups from the real device, not from limit "
                     "profile %s", c.algo == AN_CONV_FFT ? "clFFT" : "CLBlast", d->info.limits);
        return 0;
    }
    return 1;
}

void an_tune_limits_note(const an_dev *d, const an_conv_shape *s, char *buf, size_t cap) {
    static const an_conv_choice all[] = {
        {AN_CONV_IM2COL, AN_GEMM_OWN},   {AN_CONV_IM2COL, AN_GEMM_CLBLAST},
        {AN_CONV_DIRECT, AN_GEMM_AUTO},  {AN_CONV_FFT, AN_GEMM_AUTO},
        {AN_CONV_WINOGRAD, AN_GEMM_OWN}, {AN_CONV_WINOGRAD, AN_GEMM_CLBLAST},
    };
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof all / sizeof *all && used < cap; i++) {
        char why[160], name[64];
        if (an_conv_algo_resolve(d, s, all[i].algo) != all[i].algo) continue;
        if (an_tune_fits_limits(d, s, all[i], why, sizeof why)) continue;
        an_conv_choice_name(all[i], name, sizeof name);
        int w = snprintf(buf + used, cap - used, "%s%s left out (%s)",
                         used ? "; " : "tune: limits: ", name, why);
        if (w < 0) break;
        used += (size_t)w;
    }
}
