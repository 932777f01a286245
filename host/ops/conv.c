/* host/ops/conv.c - argument checks, chunking and the launch sequences of the im2col and direct
 * convolution algorithms (see conv.h); AN_CONV_FFT is dispatched to conv_fft.c, AN_CONV_WINOGRAD
 * to conv_winograd.c. The shape reaches kernels as one int16 (cl/im2col.cl's SH_* fields). */
#include "ops/conv.h"

#include <limits.h>
#include <string.h>

#include "ops/conv_fft.h"
#include "ops/conv_fftgemm.h"
#include "ops/conv_tile.h"
#include "ops/conv_winograd.h"
#include "ops/gemm.h"
#include "ops/opargs.h"
#include "util/env_pick.h"

#define CONV_WS_CAP ((size_t)64 << 20) /* floats: 256 MB */
#define CONV_BWD_CHUNK_FLOATS ((size_t)8 << 20) /* floats of a gradient's chunk on a CPU */
#define CONV_DIRECT_OB 8               /* output channels per work-item of the direct forward */
#define CONV_DIRECT_OPTS "-DOB=8"

int an_conv_oh(const an_conv_shape *s) { return (s->h + 2 * s->pad - s->kh) / s->stride + 1; }
int an_conv_ow(const an_conv_shape *s) { return (s->w + 2 * s->pad - s->kw) / s->stride + 1; }

const char *an_conv_algo_name(an_conv_algo a) {
    switch (a) {
    case AN_CONV_IM2COL: return "im2col";
    case AN_CONV_DIRECT: return "direct";
    case AN_CONV_FFT: return "fft";
    case AN_CONV_WINOGRAD: return "winograd";
    case AN_CONV_WINOGRAD2: return "winograd2";
    case AN_CONV_FFTGEMM: return "fftgemm";
    default: return "auto";
    }
}

int an_conv_algo_parse(const char *name, an_conv_algo *a) {
    static const an_conv_algo all[] = {AN_CONV_AUTO, AN_CONV_IM2COL, AN_CONV_DIRECT, AN_CONV_FFT,
                                       AN_CONV_WINOGRAD, AN_CONV_WINOGRAD2,
                                       AN_CONV_FFTGEMM};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (strcmp(name, an_conv_algo_name(all[i])) == 0) {
            *a = all[i];
            return 1;
        }
    return 0;
}

int an_conv_algo_applies(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    (void)d;
    switch (a) {
    case AN_CONV_AUTO:
    case AN_CONV_IM2COL:
    case AN_CONV_DIRECT: return 1;
    case AN_CONV_FFT: return s->stride == 1;
    case AN_CONV_WINOGRAD:
    case AN_CONV_WINOGRAD2: return an_conv_winograd_applies(s);
    case AN_CONV_FFTGEMM: return an_conv_fftgemm_applies(s);
    default: return 0;
    }
}

an_conv_algo an_conv_algo_resolve(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    if (!an_conv_algo_applies(d, s, a)) return AN_CONV_IM2COL;
    return a == AN_CONV_AUTO ? AN_CONV_IM2COL : a;
}

an_status an_conv_check(const an_conv_shape *s) {
    if (s->n < 1 || s->c < 1 || s->h < 1 || s->w < 1 || s->k < 1 || s->kh < 1 || s->kw < 1 ||
        s->stride < 1 || s->pad < 0 || s->groups < 1)
        return an_error(AN_ERR_INVALID_ARG, "conv: bad shape n=%d c=%d h=%d w=%d k=%d kernel %dx%d "
                        "stride %d pad %d groups %d", s->n, s->c, s->h, s->w, s->k, s->kh, s->kw,
                        s->stride, s->pad, s->groups);
    if (s->c % s->groups || s->k % s->groups)
        return an_error(AN_ERR_INVALID_ARG, "conv: %d input and %d output channels are not "
                        "divisible by %d groups", s->c, s->k, s->groups);
    if (s->h + 2 * s->pad < s->kh || s->w + 2 * s->pad < s->kw)
        return an_error(AN_ERR_INVALID_ARG, "conv: kernel %dx%d larger than the padded input "
                        "%dx%d", s->kh, s->kw, s->h + 2 * s->pad, s->w + 2 * s->pad);
    double big = (double)s->n * s->c * s->h * s->w;
    double out = (double)s->n * s->k * an_conv_oh(s) * an_conv_ow(s);
    double col = (double)s->c * s->kh * s->kw * an_conv_oh(s) * an_conv_ow(s);
    if (big > INT_MAX || out > INT_MAX || col > INT_MAX)
        return an_error(AN_ERR_UNSUPPORTED, "conv: tensors of more than 2^31 floats");
    return AN_OK;
}

static size_t ckk_of(const an_conv_shape *s) { return (size_t)s->c * s->kh * s->kw; }
static size_t ohw_of(const an_conv_shape *s) { return (size_t)an_conv_oh(s) * an_conv_ow(s); }
static int is_pointwise(const an_conv_shape *s) {
    return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
}

static size_t w_floats(const an_conv_shape *s) {
    return (size_t)s->k * (s->c / s->groups) * s->kh * s->kw;
}

/* The data gradient as a forward convolution of dy (K channels in, C out; OH x OW padded by
 * KH - 1 - P gives H x W), with the filters flipped: where the stride is 1, the kernel square
 * and P < KH; 0 elsewhere. */
static int dx_as_forward(const an_conv_shape *s, an_conv_shape *t) {
    *t = (an_conv_shape){s->n, s->k, an_conv_oh(s), an_conv_ow(s), s->c, s->kh, s->kw, 1,
                         s->kh - 1 - s->pad, s->groups};
    return s->stride == 1 && s->kh == s->kw && s->pad < s->kh;
}

/* Workspace floats per image: columns for im2col / col2im, plus the permuted output gradient of
 * the weight gradient. */
static size_t ws_per_image(const an_conv_shape *s) {
    return (ckk_of(s) + (size_t)s->k) * ohw_of(s);
}

size_t an_conv_workspace_floats(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    an_conv_algo r = an_conv_algo_resolve(d, s, a);
    if (r == AN_CONV_FFT) return an_conv_fft_workspace_floats(d, s);
    if (r == AN_CONV_FFTGEMM) return an_conv_fftgemm_workspace_floats(d, s);
    if (an_conv_winograd_tile(r) >= 0)
        return an_conv_winograd_workspace_floats(s, an_conv_winograd_tile(r));
    if (r != AN_CONV_IM2COL) return 0;
    size_t per = ws_per_image(s), nb = CONV_WS_CAP / per;
    if (nb < 1) nb = 1;
    if (nb > (size_t)s->n) nb = (size_t)s->n;
    size_t need = nb * per, tile = 0;
    if (!is_pointwise(s) && an_conv_tile_runs(d)) { /* the tiled forward of x and dy, and dw */
        an_conv_shape t;
        tile = an_conv_tile_workspace_floats(d, s);
        if (dx_as_forward(s, &t) && w_floats(s) + an_conv_tile_workspace_floats(d, &t) > tile)
            tile = w_floats(s) + an_conv_tile_workspace_floats(d, &t);
        if (an_conv_tile_dw_runs(d, s) && an_conv_tile_dw_min_workspace_floats(s) > tile)
            tile = an_conv_tile_dw_min_workspace_floats(s);
    }
    return need > tile ? need : tile;
}

static cl_int16 shape_arg(const an_conv_shape *s, int nb) {
    cl_int16 v = {{0}};
    v.s[0] = s->c;
    v.s[1] = s->h;
    v.s[2] = s->w;
    v.s[3] = s->k;
    v.s[4] = s->kh;
    v.s[5] = s->kw;
    v.s[6] = s->stride;
    v.s[7] = s->pad;
    v.s[8] = s->groups;
    v.s[9] = an_conv_oh(s);
    v.s[10] = an_conv_ow(s);
    v.s[11] = nb;
    return v;
}

/* Launch kernel `name` of cl/<file>.cl with arguments (shape, in, in offset, out, out offset). */
static an_status launch_io(an_dev *d, const char *file, const char *name, const an_conv_shape *s,
                           int nb, an_buf in, an_buf out, size_t g0, size_t g1, size_t g2) {
    cl_kernel k;
    AN_TRY(an_kernel(d, file, NULL, name, &k));
    cl_int16 sh = shape_arg(s, nb);
    AN_TRY(OP_ARGS(k, OP_VAL(sh), OP_BUF(in), OP_BUF(out)));
    size_t gws[3] = {g0, g1, g2};
    return an_launch(d, k, 3, gws, NULL);
}

/* A buffer must hold `floats` floats from its offset on. */
static an_status check_buf(const char *what, an_buf b, size_t floats) {
    return op_check_buf_fits("conv", what, b, floats);
}

static size_t x_floats(const an_conv_shape *s) { return (size_t)s->n * s->c * s->h * s->w; }
static size_t y_floats(const an_conv_shape *s) { return (size_t)s->n * s->k * ohw_of(s); }

/* Images per chunk for a workspace of ws_floats, needing `per` floats per image. */
static an_status chunk_images(const an_conv_shape *s, an_buf ws, size_t ws_floats, size_t per,
                              int *nb) {
    if (per == 0) {
        *nb = s->n;
        return AN_OK;
    }
    if (ws_floats < per)
        return an_error(AN_ERR_INVALID_ARG, "conv: workspace of %zu floats is smaller than one "
                        "image's need of %zu (see an_conv_workspace_floats)", ws_floats, per);
    AN_TRY(check_buf("workspace", ws, ws_floats));
    size_t n = ws_floats / per;
    *nb = n > (size_t)s->n ? s->n : (int)n;
    return AN_OK;
}

static an_status bias_add(an_dev *d, const an_conv_shape *s, an_buf b, an_buf y) {
    return launch_io(d, "im2col", "conv_bias_add", s, s->n, b, y, (size_t)s->k, (size_t)s->n, 1);
}

/* The sizes the im2col paths share: output pixels, columns' rows (all groups, one group),
 * input floats per image, output channels per group; whether the columns are the input itself
 * (1x1, stride 1, no padding) and the images per chunk of the workspace. */
typedef struct im2col_geom {
    size_t ohw, ckk, ckkg, chw, kg;
    int pw, nb;
} im2col_geom;

/* What an im2col pass computes: the forward, the data gradient or the weight gradient. */
typedef enum im2col_dir { IM2COL_FWD, IM2COL_DX, IM2COL_DW } im2col_dir;

/* The geometry, with a workspace of ws_floats holding each image's columns (and, for the
 * weight gradient, its permuted output gradient). A gradient on a CPU takes chunks
 * of at most CONV_BWD_CHUNK_FLOATS, so that col2im and the weight gradient's GEMM read columns
 * still in cache: alexnet-owt's conv1 and conv2 gradients at batch 128 took 0.85 and 0.93 times
 * as long in 6 or 7 images per chunk as in 58 (median of 6 interleaved pairs, `alexnet bench
 * --train`); at batch 32 they were unchanged. Forwards keep whole workspaces: there smaller
 * chunks were slower. */
static an_status im2col_plan(const an_dev *d, const an_conv_shape *s, an_buf ws, size_t ws_floats,
                             im2col_dir dir, im2col_geom *g) {
    int wgrad = dir == IM2COL_DW;
    g->ohw = ohw_of(s);
    g->ckk = ckk_of(s);
    g->ckkg = g->ckk / (size_t)s->groups;
    g->chw = (size_t)s->c * s->h * s->w;
    g->kg = (size_t)(s->k / s->groups);
    g->pw = is_pointwise(s) && !wgrad;
    size_t per = wgrad ? ws_per_image(s) : g->pw ? 0 : g->ckk * g->ohw;
    AN_TRY(chunk_images(s, ws, ws_floats, per, &g->nb));
    if (dir != IM2COL_FWD && per && (d->info.type & CL_DEVICE_TYPE_CPU)) {
        size_t cap = CONV_BWD_CHUNK_FLOATS / per;
        if ((size_t)g->nb > cap) g->nb = cap ? (int)cap : 1;
    }
    return AN_OK;
}

/* Per group gi, for cnt images: C_gi = W_gi B_gi (ta == 0) or W_gi^T B_gi, with W_gi the
 * group's kg x ckkg filters, and B_gi, C_gi the group's rows (b_rows, c_rows of them, of g->ohw
 * floats) of images b_img, c_img rows apart. */
static an_status group_gemms(an_dev *d, const an_conv_shape *s, const im2col_geom *g, int ta,
                             int cnt, an_buf w, an_buf b, size_t b_rows, size_t b_img, an_buf c,
                             size_t c_rows, size_t c_img) {
    for (int gi = 0; gi < s->groups; gi++)
        AN_TRY(an_gemm_batched(d, ta, 0, c_rows, g->ohw, b_rows, 1.0f,
                               an_buf_at(w, gi * g->kg * g->ckkg), g->ckkg, 0,
                               an_buf_at(b, gi * b_rows * g->ohw), g->ohw, b_img * g->ohw, 0.0f,
                               an_buf_at(c, gi * c_rows * g->ohw), g->ohw, c_img * g->ohw,
                               (size_t)cnt));
    return AN_OK;
}

/* Whether im2col's forward and data gradient gather their columns inside the GEMM
 * (an_gemm_cols_batched) instead of storing them first: where the GEMM can, unless
 * ALEXNET_IM2COL=explicit; =implicit where it cannot is an error. A 1x1 convolution's columns
 * are its input: nothing to gather. */
static an_status im2col_gathers(const an_dev *d, const an_conv_shape *s, int *yes) {
    int pick = 0; /* 1: implicit, 2: explicit */
    AN_TRY(an_env_pick("ALEXNET_IM2COL", "implicit", "explicit", &pick));
    *yes = pick != 2 && !is_pointwise(s) && an_gemm_packed_runs(d);
    if (pick == 1 && !*yes && !is_pointwise(s))
        return an_error(AN_ERR_UNSUPPORTED, "ALEXNET_IM2COL=implicit: this device's GEMM (%s) "
                        "stores its columns; unset it or use a CPU device", d->info.name);
    return AN_OK;
}

/* Whether algorithm a's forward is im2col's that stores no columns (0 for a bad ALEXNET_IM2COL:
 * the forward reports it). */
static int forward_gathers(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    int gather = 0;
    if (an_conv_algo_resolve(d, s, a) != AN_CONV_IM2COL || im2col_gathers(d, s, &gather) != AN_OK)
        return 0;
    return gather;
}

size_t an_conv_forward_workspace_floats(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    if (!forward_gathers(d, s, a)) return an_conv_workspace_floats(d, s, a);
    return an_conv_tile_runs(d) ? an_conv_tile_workspace_floats(d, s) : 0;
}

/* y = W cols(x) + b per group (b.mem NULL: no bias), the columns never stored: the tiled
 * forward (conv_tile.c, the bias added in its stores) where it runs and the workspace holds its
 * minimum, else the GEMM gathering them, all images in one call per group, then the bias. */
static an_status gathered_forward(an_dev *d, const an_conv_shape *s, an_buf w, an_buf x,
                                  an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    if (an_conv_tile_runs(d) && ws_floats >= an_conv_tile_min_workspace_floats(d, s))
        return an_conv_tile_forward(d, s, w, x, b, y, ws, ws_floats);
    size_t ohw = ohw_of(s), ckkg = ckk_of(s) / (size_t)s->groups, kg = (size_t)(s->k / s->groups);
    size_t cg_hw = (size_t)(s->c / s->groups) * s->h * s->w, chw = (size_t)s->c * s->h * s->w;
    an_gemm_cols cols = {s->h, s->w, s->kh, s->kw, s->stride, s->pad, an_conv_ow(s)};
    for (int gi = 0; gi < s->groups; gi++)
        AN_TRY(an_gemm_cols_batched(d, &cols, kg, ohw, ckkg, an_buf_at(w, gi * kg * ckkg), ckkg,
                                    an_buf_at(x, gi * cg_hw), chw, an_buf_at(y, gi * kg * ohw),
                                    ohw, (size_t)s->k * ohw, (size_t)s->n));
    return b.mem ? bias_add(d, s, b, y) : AN_OK;
}

/* The data gradient as the forward of dy with the filters flipped (into the workspace), columns
 * gathered: dx = W' cols(dy) per group, padding KH - 1 - P. No column matrix, no col2im: the
 * stored columns' GEMM (TN, K = the filters, short) spends much of its time storing them.
 * Stride 1, square kernels, P < KH, a workspace that holds the filters; *done = 0 where that
 * does not hold. */
static an_status implicit_backward_data(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                        an_buf dx, an_buf ws, size_t ws_floats, int *done) {
    *done = 0;
    an_conv_shape t;
    if (!dx_as_forward(s, &t) || ws_floats < w_floats(s)) return AN_OK;
    AN_TRY(check_buf("workspace", ws, w_floats(s)));
    AN_TRY(launch_io(d, "im2col", "conv_flip_filters", s, s->n, w, ws, (size_t)s->k, 1, 1));
    AN_TRY(gathered_forward(d, &t, ws, dy, (an_buf){NULL, 0}, dx, an_buf_at(ws, w_floats(s)),
                            ws_floats - w_floats(s)));
    *done = 1;
    return AN_OK;
}

/* im2col's forward (dx == 0: the columns of x, then y = W col + b per group) and data gradient
 * (dx: col = W^T dy per group, then col2im into dx; b unused), chunk by chunk: in is x or dy,
 * out y or dx. Where columns are not to be stored, gathered_forward and implicit_backward_data
 * instead. */
static an_status im2col_pass(an_dev *d, const an_conv_shape *s, int dx, an_buf w, an_buf in,
                             an_buf b, an_buf out, an_buf ws, size_t ws_floats) {
    int gather;
    AN_TRY(im2col_gathers(d, s, &gather));
    if (gather && !dx) return gathered_forward(d, s, w, in, b, out, ws, ws_floats);
    if (gather) {
        int done;
        AN_TRY(implicit_backward_data(d, s, w, in, out, ws, ws_floats, &done));
        if (done) return AN_OK;
    }
    im2col_geom g;
    AN_TRY(im2col_plan(d, s, ws, ws_floats, dx ? IM2COL_DX : IM2COL_FWD, &g));
    size_t y_img = (size_t)s->k * g.ohw;
    for (int n0 = 0; n0 < s->n; n0 += g.nb) {
        int cnt = s->n - n0 < g.nb ? s->n - n0 : g.nb;
        an_buf xc = an_buf_at(dx ? out : in, (size_t)n0 * g.chw), col = g.pw ? xc : ws;
        an_buf yc = an_buf_at(dx ? in : out, (size_t)n0 * y_img);
        if (dx) {
            AN_TRY(group_gemms(d, s, &g, 1, cnt, w, yc, g.kg, (size_t)s->k, col, g.ckkg, g.ckk));
            if (!g.pw)
                AN_TRY(launch_io(d, "im2col", "col2im", s, cnt, ws, xc, (size_t)s->h,
                                 (size_t)cnt * s->c, 1));
        } else {
            if (!g.pw)
                AN_TRY(launch_io(d, "im2col", "im2col", s, cnt, xc, ws, g.ckk, (size_t)cnt, 1));
            AN_TRY(group_gemms(d, s, &g, 0, cnt, w, col, g.ckkg, g.ckk, yc, g.kg, (size_t)s->k));
        }
    }
    return !dx && b.mem ? bias_add(d, s, b, out) : AN_OK;
}

static an_status forward_direct(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf b,
                                an_buf y) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_direct", CONV_DIRECT_OPTS, "conv_direct_forward", &k));
    cl_int16 sh = shape_arg(s, s->n);
    an_buf bb = b.mem ? b : x; /* any valid buffer when there is no bias */
    AN_TRY(OP_ARGS(k, OP_VAL(sh), OP_I32(b.mem != NULL), OP_BUF(x), OP_BUF(w), OP_BUF(bb),
                   OP_BUF(y)));
    size_t nob = (size_t)(s->k / s->groups + CONV_DIRECT_OB - 1) / CONV_DIRECT_OB;
    size_t gws[3] = {(size_t)(an_conv_ow(s) + 15) / 16, (size_t)an_conv_oh(s),
                     (size_t)s->n * s->groups * nob};
    size_t lws[3] = {1, 1, 1};
    return an_launch(d, k, 3, gws, lws);
}

int an_conv_forward_tiled(const an_dev *d, const an_conv_shape *s, an_conv_algo a) {
    return forward_gathers(d, s, a) && an_conv_tile_runs(d);
}

/* The forward's checks of the shape, input, bias (when given) and output. */
static an_status check_forward(const an_conv_shape *s, an_buf x, an_buf b, an_buf y) {
    AN_TRY(an_conv_check(s));
    AN_TRY(check_buf("input", x, x_floats(s)));
    if (b.mem) AN_TRY(check_buf("bias", b, (size_t)s->k));
    return check_buf("output", y, y_floats(s));
}

an_status an_conv_forward_packed(an_dev *d, const an_conv_shape *s, an_buf wp, an_buf x,
                                 an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    AN_TRY(check_forward(s, x, b, y));
    return an_conv_tile_forward_packed(d, s, wp, x, b, y, ws, ws_floats);
}

an_status an_conv_forward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                          an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    AN_TRY(check_forward(s, x, b, y));
    AN_TRY(check_buf("weights", w, w_floats(s)));
    an_conv_algo r = an_conv_algo_resolve(d, s, a);
    if (r == AN_CONV_FFT) return an_conv_fft_forward(d, s, x, w, b, y, ws, ws_floats);
    if (r == AN_CONV_FFTGEMM) return an_conv_fftgemm_forward(d, s, x, w, b, y, ws, ws_floats);
    if (an_conv_winograd_tile(r) >= 0)
        return an_conv_winograd_forward(d, s, an_conv_winograd_tile(r), x, w, b, y, ws, ws_floats);
    if (r == AN_CONV_DIRECT) return forward_direct(d, s, x, w, b, y);
    return im2col_pass(d, s, 0, w, x, b, y, ws, ws_floats);
}

/* im2col's weight gradient: the tiled kernel (conv_tile.h) where it runs, the workspace holds
 * an image's need and columns are not to be stored (ALEXNET_IM2COL), with the bias gradient
 * from the same pass (*db then set to none: done); else per chunk of images the transposed
 * columns, dy with its channels first and one GEMM per group. */
static an_status backward_weights_im2col(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                         an_buf dw, an_buf *db, an_buf ws, size_t ws_floats) {
    int gather;
    AN_TRY(im2col_gathers(d, s, &gather));
    if (gather && an_conv_tile_dw_runs(d, s) &&
        ws_floats >= an_conv_tile_dw_min_workspace_floats(s)) {
        AN_TRY(an_conv_tile_backward_weights(d, s, x, dy, dw, *db, ws, ws_floats));
        *db = (an_buf){NULL, 0};
        return AN_OK;
    }
    im2col_geom g;
    AN_TRY(im2col_plan(d, s, ws, ws_floats, IM2COL_DW, &g));
    for (int n0 = 0; n0 < s->n; n0 += g.nb) {
        int cnt = s->n - n0 < g.nb ? s->n - n0 : g.nb;
        size_t np = (size_t)cnt * g.ohw; /* pixels of the chunk: the GEMM's K */
        an_buf colt = ws, dyp = an_buf_at(ws, np * g.ckk);
        AN_TRY(launch_io(d, "im2col", "im2col_t", s, cnt, an_buf_at(x, (size_t)n0 * g.chw), colt,
                         g.ohw, (size_t)cnt, 1));
        AN_TRY(launch_io(d, "im2col", "nchw_to_cnhw", s, cnt,
                         an_buf_at(dy, (size_t)n0 * s->k * g.ohw), dyp, (size_t)s->k,
                         (size_t)cnt, 1));
        for (int gi = 0; gi < s->groups; gi++)
            AN_TRY(an_gemm(d, 0, 0, g.kg, g.ckkg, np, 1.0f, an_buf_at(dyp, gi * g.kg * np), np,
                           an_buf_at(colt, gi * g.ckkg), g.ckk, n0 == 0 ? 0.0f : 1.0f,
                           an_buf_at(dw, gi * g.kg * g.ckkg), g.ckkg));
    }
    return AN_OK;
}

/* Launch conv_direct kernel `name` with arguments (shape, a, a offset, b, b offset, c, c offset)
 * over gws[0..dims-1]. */
static an_status launch_direct3(an_dev *d, const char *name, const an_conv_shape *s, an_buf a,
                                an_buf b, an_buf c, cl_uint dims, const size_t *gws) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_direct", CONV_DIRECT_OPTS, name, &k));
    cl_int16 sh = shape_arg(s, s->n);
    AN_TRY(OP_ARGS(k, OP_VAL(sh), OP_BUF(a), OP_BUF(b), OP_BUF(c)));
    return an_launch(d, k, dims, gws, NULL);
}

static an_status backward_data_direct(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                      an_buf dx) {
    size_t gws[3] = {(size_t)s->w, (size_t)s->h, (size_t)s->n * s->c};
    return launch_direct3(d, "conv_direct_backward_data", s, dy, w, dx, 3, gws);
}

static an_status backward_weights_direct(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                         an_buf dw) {
    size_t gws[2] = {(size_t)(s->c / s->groups) * s->kh * s->kw, (size_t)s->k};
    return launch_direct3(d, "conv_direct_backward_weights", s, x, dy, dw, 2, gws);
}

an_status an_conv_backward(an_dev *d, const an_conv_shape *s, an_conv_algo a, an_buf x, an_buf w,
                           an_buf dy, an_buf dx, an_buf dw, an_buf db, an_buf ws,
                           size_t ws_floats) {
    AN_TRY(an_conv_check(s));
    AN_TRY(check_buf("output gradient", dy, y_floats(s)));
    if (dx.mem) {
        AN_TRY(check_buf("weights", w, w_floats(s)));
        AN_TRY(check_buf("input gradient", dx, x_floats(s)));
    }
    if (dw.mem) {
        AN_TRY(check_buf("input", x, x_floats(s)));
        AN_TRY(check_buf("weight gradient", dw, w_floats(s)));
    }
    if (db.mem) AN_TRY(check_buf("bias gradient", db, (size_t)s->k));
    an_conv_algo r = an_conv_algo_resolve(d, s, a);
    int direct = r == AN_CONV_DIRECT, fft = r == AN_CONV_FFT, m = an_conv_winograd_tile(r);
    int wino = m >= 0, fg = r == AN_CONV_FFTGEMM;
    if (fg) /* one pass over dy for whichever gradients are asked */
        AN_TRY(an_conv_fftgemm_backward(d, s, x, w, dy, dx, dw, ws, ws_floats));
    if (dx.mem && !fg)
        AN_TRY(fft      ? an_conv_fft_backward_data(d, s, w, dy, dx, ws, ws_floats)
               : wino   ? an_conv_winograd_backward_data(d, s, m, w, dy, dx, ws, ws_floats)
               : direct ? backward_data_direct(d, s, w, dy, dx)
                        : im2col_pass(d, s, 1, w, dy, (an_buf){NULL, 0}, dx, ws, ws_floats));
    if (dw.mem && !fg)
        AN_TRY(fft      ? an_conv_fft_backward_weights(d, s, x, dy, dw, ws, ws_floats)
               : wino   ? an_conv_winograd_backward_weights(d, s, m, x, dy, dw, ws, ws_floats)
               : direct ? backward_weights_direct(d, s, x, dy, dw)
                        : backward_weights_im2col(d, s, x, dy, dw, &db, ws, ws_floats));
    if (db.mem)
        AN_TRY(launch_io(d, "im2col", "conv_bias_grad", s, s->n, dy, db, (size_t)s->k, 1, 1));
    return AN_OK;
}
