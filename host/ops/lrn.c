/* host/ops/lrn.c - launchers of cl/lrn.cl: check the arguments, fold the alpha convention into
 * one per-term factor, enqueue one work-item per element. */
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

/* Checks shared by forward and backward; *total receives n*c*h*w. */
static an_status check_args(const char *op, const an_lrn_params *p, int n, int c, int h, int w,
                            const char *const *names, const an_buf *bufs, int nbufs,
                            size_t *total) {
    if (!p) return an_error(AN_ERR_INVALID_ARG, "%s: no parameters", op);
    if (p->size < 1 || !isfinite(p->alpha) || !isfinite(p->beta) || !isfinite(p->k) ||
        (p->convention != AN_LRN_ALPHA_PAPER && p->convention != AN_LRN_ALPHA_PER_N))
        return an_error(AN_ERR_INVALID_ARG,
                        "%s: bad parameters (size %d, alpha %g, beta %g, k %g, convention %d)", op,
                        p->size, p->alpha, p->beta, p->k, (int)p->convention);
    if (n < 1 || c < 1 || h < 1 || w < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: bad shape %dx%dx%dx%d", op, n, c, h, w);
    *total = (size_t)n * c * h * w;
    for (int i = 0; i < nbufs; i++) {
        if (!bufs[i].mem) return an_error(AN_ERR_INVALID_ARG, "%s: %s is missing", op, names[i]);
        if (*total > UINT_MAX || bufs[i].off > UINT_MAX - *total)
            return an_error(AN_ERR_INVALID_ARG,
                            "%s: %s: %zu elements at offset %zu exceed 32-bit indexes", op,
                            names[i], *total, bufs[i].off);
    }
    return AN_OK;
}

static an_status launch_1d(an_dev *d, cl_kernel k, size_t total) {
    size_t lws = d->info.max_work_group < LRN_LWS ? d->info.max_work_group : LRN_LWS;
    size_t gws = an_round_up(total, lws);
    return an_launch(d, k, 1, &gws, &lws);
}

an_status an_lrn_forward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w, an_buf x,
                         an_buf y, an_buf scale) {
    static const char *const names[] = {"x", "y", "scale"};
    an_buf bufs[3] = {x, y, scale};
    size_t total;
    AN_TRY(check_args("lrn_forward", p, n, c, h, w, names, bufs, scale.mem ? 3 : 2, &total));
    cl_kernel k;
    AN_TRY(an_kernel(d, "lrn", NULL, "lrn_forward", &k));
    cl_uint tot = (cl_uint)total, hw = (cl_uint)h * (cl_uint)w;
    cl_int cc = c, size = p->size;
    cl_float alpha = an_lrn_alpha_per_term(p), beta = p->beta, kk = p->k;
    cl_uint xo = (cl_uint)x.off, yo = (cl_uint)y.off, so = (cl_uint)scale.off;
    AN_ARG(k, 0, tot);
    AN_ARG(k, 1, cc);
    AN_ARG(k, 2, hw);
    AN_ARG(k, 3, size);
    AN_ARG(k, 4, alpha);
    AN_ARG(k, 5, beta);
    AN_ARG(k, 6, kk);
    AN_ARG(k, 7, x.mem);
    AN_ARG(k, 8, xo);
    AN_ARG(k, 9, y.mem);
    AN_ARG(k, 10, yo);
    AN_ARG(k, 11, scale.mem);
    AN_ARG(k, 12, so);
    return launch_1d(d, k, total);
}

an_status an_lrn_backward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w,
                          an_buf x, an_buf scale, an_buf dy, an_buf dx) {
    static const char *const names[] = {"x", "scale", "dy", "dx"};
    an_buf bufs[4] = {x, scale, dy, dx};
    size_t total;
    AN_TRY(check_args("lrn_backward", p, n, c, h, w, names, bufs, 4, &total));
    cl_kernel k;
    AN_TRY(an_kernel(d, "lrn", NULL, "lrn_backward", &k));
    cl_uint tot = (cl_uint)total, hw = (cl_uint)h * (cl_uint)w;
    cl_int cc = c, size = p->size;
    cl_float alpha = an_lrn_alpha_per_term(p), beta = p->beta;
    cl_uint xo = (cl_uint)x.off, so = (cl_uint)scale.off, dyo = (cl_uint)dy.off;
    cl_uint dxo = (cl_uint)dx.off;
    AN_ARG(k, 0, tot);
    AN_ARG(k, 1, cc);
    AN_ARG(k, 2, hw);
    AN_ARG(k, 3, size);
    AN_ARG(k, 4, alpha);
    AN_ARG(k, 5, beta);
    AN_ARG(k, 6, x.mem);
    AN_ARG(k, 7, xo);
    AN_ARG(k, 8, scale.mem);
    AN_ARG(k, 9, so);
    AN_ARG(k, 10, dy.mem);
    AN_ARG(k, 11, dyo);
    AN_ARG(k, 12, dx.mem);
    AN_ARG(k, 13, dxo);
    return launch_1d(d, k, total);
}
