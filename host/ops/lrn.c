/* host/ops/lrn.c - launchers of cl/lrn.cl: check the arguments, fold the alpha convention into
 * one per-term factor, build the kernel for the window size (and the beta = 0.75 variant), and
 * enqueue one work-item per run of adjacent pixels of an image, walking down the channels. */
#include "ops/lrn.h"
#include "ops/opargs.h"

#include <limits.h>
#include <stdio.h>
#include <math.h>

#define LRN_LWS 64

an_lrn_params an_lrn_paper(void) {
    an_lrn_params p = {5, 1e-4f, 0.75f, 2.0f, AN_LRN_PAPER};
    return p;
}

float an_lrn_alpha_per_term(const an_lrn_params *p) {
    return p->convention == AN_LRN_CAFFE ? p->alpha / (float)p->size : p->alpha;
}

/* Checks shared by forward and backward. */
static an_status check_args(const char *op, const an_lrn_params *p, int n, int c, int h, int w,
                            const char *const *names, const an_buf *bufs, int nbufs) {
    if (!p) return an_error(AN_ERR_INVALID_ARG, "%s: no parameters", op);
    if (p->size < 1 || !(p->alpha >= 0) || !isfinite(p->alpha) || !isfinite(p->beta) ||
        !(p->k > 0) || !isfinite(p->k) ||
        (p->convention != AN_LRN_PAPER && p->convention != AN_LRN_CAFFE))
        return an_error(AN_ERR_INVALID_ARG,
                        "%s: bad parameters (size %d, alpha %g, beta %g, k %g, convention %d; "
                        "need size >= 1, alpha >= 0, k > 0)",
                        op, p->size, p->alpha, p->beta, p->k, (int)p->convention);
    if (n < 1 || c < 1 || h < 1 || w < 1)
        return an_error(AN_ERR_INVALID_ARG, "%s: bad shape %dx%dx%dx%d", op, n, c, h, w);
    size_t total = (size_t)n * c * h * w;
    for (int i = 0; i < nbufs; i++) AN_TRY(op_check_buf(op, names[i], bufs[i], total));
    return AN_OK;
}

/* Pixels per work-item: on CPUs a vector of 16 (8 or 4 in smaller planes; PoCL pays about 2 ns
 * per work-item, and a vector fills the SIMD lanes); elsewhere, and for windows wider than 16
 * channels (kept in private memory), one, so that adjacent work-items read adjacent floats. */
static int pixels_per_item(const an_dev *d, int hw, int window) {
    if (!(d->info.type & CL_DEVICE_TYPE_CPU) || window > 16) return 1;
    for (int v = 16; v > 1; v /= 2)
        if (hw >= v) return v;
    return 1;
}

/* The kernel for this window and plane; *vec is its pixels per work-item. */
static an_status get_kernel(an_dev *d, const an_lrn_params *p, int c, int hw, const char *name,
                            cl_kernel *k, int *vec) {
    int lo = p->size / 2 < c - 1 ? p->size / 2 : c - 1;
    int hi = (p->size - 1) / 2 < c - 1 ? (p->size - 1) / 2 : c - 1;
    *vec = pixels_per_item(d, hw, lo + hi + 1);
    char opts[96];
    snprintf(opts, sizeof opts, "-DLRN_LO=%d -DLRN_HI=%d -DLRN_W=%d%s", lo, hi, *vec,
             p->beta == 0.75f ? " -DLRN_BETA_3_4=1" : "");
    return an_kernel(d, "lrn", opts, name, k);
}

/* Check, build and enqueue kernel `name` (lrn_forward or lrn_backward): its arguments are
 * (hw, c, alpha per term, beta, k) and then the nbufs buffers, as (buffer, offset) pairs. */
static an_status run(an_dev *d, const char *name, const an_lrn_params *p, int n, int c, int h,
                     int w, const char *const *names, const an_buf *bufs, int nbufs) {
    AN_TRY(check_args(name, p, n, c, h, w, names, bufs, nbufs));
    cl_kernel k;
    int hw = h * w, vec;
    AN_TRY(get_kernel(d, p, c, hw, name, &k, &vec));
    AN_TRY(OP_ARGS(k, OP_I32(hw), OP_I32(c), OP_F32(an_lrn_alpha_per_term(p)), OP_F32(p->beta),
                   OP_F32(p->k)));
    for (int i = 0; i < nbufs; i++) AN_TRY(OP_ARGS_AT(k, 5 + 2 * (cl_uint)i, OP_BUF(bufs[i])));
    size_t lws[2] = {d->info.max_work_group < LRN_LWS ? d->info.max_work_group : LRN_LWS, 1};
    size_t gws[2] = {an_round_up((size_t)(hw + vec - 1) / vec, lws[0]), (size_t)n};
    return an_launch(d, k, 2, gws, lws);
}

an_status an_lrn_forward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w, an_buf x,
                         an_buf y) {
    const char *const names[] = {"x", "y"};
    an_buf bufs[2] = {x, y};
    return run(d, "lrn_forward", p, n, c, h, w, names, bufs, 2);
}

an_status an_lrn_backward(an_dev *d, const an_lrn_params *p, int n, int c, int h, int w,
                          an_buf x, an_buf dy, an_buf dx) {
    const char *const names[] = {"x", "dy", "dx"};
    an_buf bufs[3] = {x, dy, dx};
    return run(d, "lrn_backward", p, n, c, h, w, names, bufs, 3);
}
