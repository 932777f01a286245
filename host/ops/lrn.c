/* host/ops/lrn.c - launchers of cl/lrn.cl: check the arguments, fold the alpha convention into
 * one per-term factor, pick the beta = 0.75 variant, enqueue one work-item per element over
 * (pixel, channel, image). */
#include "ops/lrn.h"

#include <limits.h>
#include <math.h>

#define LRN_LWS 64

an_lrn_params an_lrn_paper(void) {
    an_lrn_params p = {5, 1e-4f, 0.75f, 2.0f, AN_LRN_ALPHA_PAPER};
    return p;
}

float an_lrn_alpha_per_term(const an_lrn_params *p) {
    return p->convention == AN_LRN_ALPHA_PER_N ? p->alpha / (float)p->size : p->alpha;
}

/* Checks shared by forward and backward. */
static an_status check_args(const char *op, const an_lrn_params *p, int n, int c, int h, int w,
                            const char *const *names, const an_buf *bufs, int nbufs) {
    if (!p) return an_error(AN_ERR_INVALID_ARG, "%s: no parameters", op);
    if (p->size < 1 || !(p->alpha >= 0) || !isfinite(p->alpha) || !isfinite(p->beta) ||
        !(p->k > 0) || !isfinite(p->k) ||
        (p->convention != AN_LRN_ALPHA_PAPER && p->convention != AN_LRN_ALPHA_PER_N))
        return an_error(AN_ERR_INVALID_ARG,
                        "%s: bad parameters (size %d, alpha %g, beta %g, k %g, convention %d; "
                        "need size >= 1, alpha >= 0, k > 0)",
                        op, p->size, p->alpha, p->beta, p->k, (int)p->convention);
    if (n < 1 || c < 1 || h < 1 || w < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: bad shape %dx%dx%dx%d", op, n, c, h, w);
    size_t total = (size_t)n * c * h * w;
    for (int i = 0; i < nbufs; i++) {
        if (!bufs[i].mem) return an_error(AN_ERR_INVALID_ARG, "%s: %s is missing", op, names[i]);
        if (total > UINT_MAX || bufs[i].off > UINT_MAX - total)
            return an_error(AN_ERR_INVALID_ARG,
                            "%s: %s: %zu elements at offset %zu exceed 32-bit indexes", op,
                            names[i], total, bufs[i].off);
    }
    return AN_OK;
}

static an_status get_kernel(an_dev *d, const an_lrn_params *p, const char *name, cl_kernel *k) {
    return an_kernel(d, "lrn", p->beta == 0.75f ? "-DLRN_BETA_3_4=1" : NULL, name, k);
}

static an_status launch(an_dev *d, cl_kernel k, int n, int c, int hw) {
    size_t lws[3] = {d->info.max_work_group < LRN_LWS ? d->info.max_work_group : LRN_LWS, 1, 1};
    size_t gws[3] = {an_round_up((size_t)hw, lws[0]), (size_t)c, (size_t)n};
    return an_launch(d, k, 3, gws, lws);
}

an_status an_lrn_forward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w, an_buf x,
                         an_buf y, an_buf scale) {
    static const char *const names[] = {"x", "y", "scale"};
    an_buf bufs[3] = {x, y, scale};
    AN_TRY(check_args("lrn_forward", p, n, c, h, w, names, bufs, scale.mem ? 3 : 2));
    cl_kernel k;
    AN_TRY(get_kernel(d, p, "lrn_forward", &k));
    cl_int hw = h * w, cc = c, size = p->size;
    cl_float alpha = an_lrn_alpha_per_term(p), beta = p->beta, kk = p->k;
    cl_uint xo = (cl_uint)x.off, yo = (cl_uint)y.off, so = (cl_uint)scale.off;
    AN_ARG(k, 0, hw);
    AN_ARG(k, 1, cc);
    AN_ARG(k, 2, size);
    AN_ARG(k, 3, alpha);
    AN_ARG(k, 4, beta);
    AN_ARG(k, 5, kk);
    AN_ARG(k, 6, x.mem);
    AN_ARG(k, 7, xo);
    AN_ARG(k, 8, y.mem);
    AN_ARG(k, 9, yo);
    AN_ARG(k, 10, scale.mem);
    AN_ARG(k, 11, so);
    return launch(d, k, n, c, hw);
}

an_status an_lrn_backward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w,
                          an_buf x, an_buf y, an_buf scale, an_buf dy, an_buf dx) {
    static const char *const names[] = {"x", "y", "scale", "dy", "dx"};
    an_buf bufs[5] = {x, y, scale, dy, dx};
    AN_TRY(check_args("lrn_backward", p, n, c, h, w, names, bufs, 5));
    cl_kernel k;
    AN_TRY(get_kernel(d, p, "lrn_backward", &k));
    cl_int hw = h * w, cc = c, size = p->size;
    cl_float alpha = an_lrn_alpha_per_term(p), beta = p->beta;
    cl_uint xo = (cl_uint)x.off, yo = (cl_uint)y.off, so = (cl_uint)scale.off;
    cl_uint dyo = (cl_uint)dy.off, dxo = (cl_uint)dx.off;
    AN_ARG(k, 0, hw);
    AN_ARG(k, 1, cc);
    AN_ARG(k, 2, size);
    AN_ARG(k, 3, alpha);
    AN_ARG(k, 4, beta);
    AN_ARG(k, 5, x.mem);
    AN_ARG(k, 6, xo);
    AN_ARG(k, 7, y.mem);
    AN_ARG(k, 8, yo);
    AN_ARG(k, 9, scale.mem);
    AN_ARG(k, 10, so);
    AN_ARG(k, 11, dy.mem);
    AN_ARG(k, 12, dyo);
    AN_ARG(k, 13, dx.mem);
    AN_ARG(k, 14, dxo);
    return launch(d, k, n, c, hw);
}
