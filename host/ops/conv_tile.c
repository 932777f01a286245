/* host/ops/conv_tile.c - launchers of cl/conv_tile.cl (see conv_tile.h). Forward: per call the
 * filters are packed into panels of NR output channels, then, chunk by chunk of images, the
 * input is padded into the workspace (unless the padding is 0) and conv_tile_forward runs once
 * per group over all of the chunk's images. Weight gradient: per chunk the input padded and dy
 * transposed into the workspace, then per group conv_tile_dw's partial sums per run of images
 * and conv_tile_dw_sum adding them into dw. */
#include "ops/conv_tile.h"

#include <stdio.h>

#include "ops/gemm.h"
#include "ops/gemm_packed.h"
#include "ops/opargs.h"

#define TILE8_MR_MIN 4                 /* 8-float vectors: pixels per work-item, at least */
#define TILE8_MR_MAX 5                 /* and at most: 10 AVX2 registers of sums (gemm_tile's
                                        * 12 spilled one, see gemm_packed.c's pick_tile) */
#define TILE8_DW_KW_MIN 4              /* 8-float vectors: kernel widths of the tiled dw */
#define TILE8_DW_KW_MAX 7
#define TILE_MR_MIN 6                  /* output pixels per work-item, at least */
#define TILE_MR_MAX 9                  /* and at most (see fwd_mr) */
#define TILE_NV 2                      /* float16 of output channels per work-item */
#define TILE_NV_WIDE 4                 /* or, where the filters are few (TILE_WIDE_ROWS), this */
#define TILE_MR_WIDE_MIN 4             /* with this many pixels */
#define TILE_MR_WIDE 6                 /* to this many */
#define TILE_WIDE_ROWS 512             /* rows of a group's filters that allow TILE_NV_WIDE */
#define TILE_ROWS 512                  /* rows of a block of the sums, at most */
#define TILE_GROUP 16                  /* pixel tiles per work-group, sharing a filter panel */
#define TILE_DW_GROUP 64               /* tap rows per work-group of the weight gradient */
#define TILE_DW_RUN_BYTES (512u << 10) /* a group's dyt rows per run of images: in L2 */
#define TILE_DW_SLACK 64               /* floats after dyt: a part-filled panel's loads run past */
#define TILE_WS_CAP ((size_t)4 << 20)  /* floats of padded input per chunk: 16 MB */

int an_conv_tile_runs(const an_dev *d) { return an_gemm_packed_runs(d); }

/* Whether d's vectors hold 16 floats (AVX-512: 32 registers); else 8 (AVX2: 16 registers, a
 * float16 in two), where the tiles hold half as many accumulators. */
static int wide(const an_dev *d) { return an_gemm_vector_width(d) >= 16; }

static size_t rows_of(const an_conv_shape *s) {
    return (size_t)(s->c / s->groups) * s->kh * s->kw;
}

static size_t padded_per_image(const an_conv_shape *s) {
    if (s->pad == 0) return 0;
    return (size_t)s->c * (s->h + 2 * s->pad) * (s->w + 2 * s->pad);
}

/* Pixels per work-item: a run of an output row, lo..hi of them, the length that covers the row
 * with the fewest pixels computed twice (then the longest); the whole row when it is shorter. */
static int run_length(int ow, int lo, int hi) {
    if (ow <= lo) return ow;
    int best = lo, waste = -1;
    for (int mr = lo; mr <= hi && mr <= ow; mr++) {
        int wst = (ow + mr - 1) / mr * mr - ow;
        if (waste < 0 || wst <= waste) {
            best = mr;
            waste = wst;
        }
    }
    return best;
}

/* The forward's channels per work-item, in float16: 64 channels by up to TILE_MR_WIDE pixels
 * where the group's filters have at most TILE_WIDE_ROWS rows (a 64-channel panel within 128
 * KB), its channels fill whole panels and such runs cover the output row exactly; else 32
 * channels by up to TILE_MR_MAX pixels. Each input value then feeds 4 FMAs rather than 2:
 * alexnet-owt's conv1 (363 rows, 55 = 11 x 5 pixels per row) ran 0.84x as long (`tools/
 * bench_ab.py`, batch 32, docs/BENCH.md); conv2 (1600 rows) ran 1.3x as long with 64. */
static int fwd_nv(const an_dev *d, const an_conv_shape *s) {
    if (!wide(d)) return 1;
    int ow = an_conv_ow(s), mr = run_length(ow, TILE_MR_WIDE_MIN, TILE_MR_WIDE);
    return rows_of(s) <= TILE_WIDE_ROWS && (s->k / s->groups) % 64 == 0 && ow % mr == 0
               ? TILE_NV_WIDE
               : TILE_NV;
}

/* Pixels per work-item. The inner loop holds MR x NV accumulators, NV filter vectors and the
 * input values that neighbouring taps share (the compiler loads each once per row of taps):
 * with 13 x 2 accumulators they spilled to the stack in every row (a quarter of conv3's
 * samples were stack moves in `perf`), and 13-pixel rows (conv3-5) ran 0.80-0.98 times as long
 * in runs of 7 and 6 (docs/BENCH.md); 9 x 2 (conv2's 27 = 3 x 9) ran as fast as 7. */
static int fwd_mr(const an_dev *d, const an_conv_shape *s) {
    if (!wide(d)) return run_length(an_conv_ow(s), TILE8_MR_MIN, TILE8_MR_MAX);
    return fwd_nv(d, s) == TILE_NV_WIDE
               ? run_length(an_conv_ow(s), TILE_MR_WIDE_MIN, TILE_MR_WIDE)
               : run_length(an_conv_ow(s), TILE_MR_MIN, TILE_MR_MAX);
}

/* The packed filters: per group, fwd_panels panels of 16 x fwd_nv channels by the group's
 * rows, group_packed_floats floats; packed_floats in all. */
static size_t fwd_panels(const an_dev *d, const an_conv_shape *s) {
    size_t nr = 16 * (size_t)fwd_nv(d, s);
    return ((size_t)(s->k / s->groups) + nr - 1) / nr;
}

static size_t group_packed_floats(const an_dev *d, const an_conv_shape *s) {
    return fwd_panels(d, s) * 16 * (size_t)fwd_nv(d, s) * rows_of(s);
}

static size_t packed_floats(const an_dev *d, const an_conv_shape *s) {
    return (size_t)s->groups * group_packed_floats(d, s);
}

size_t an_conv_tile_workspace_floats(const an_dev *d, const an_conv_shape *s) {
    size_t per = padded_per_image(s), nb = per ? TILE_WS_CAP / per : 0;
    if (per && nb < 1) nb = 1;
    if (nb > (size_t)s->n) nb = (size_t)s->n;
    return packed_floats(d, s) + nb * per;
}

size_t an_conv_tile_min_workspace_floats(const an_dev *d, const an_conv_shape *s) {
    return packed_floats(d, s) + padded_per_image(s);
}

static void build_opts(const an_conv_shape *s, int mr, int nv, char *opts, size_t n) {
    int cg = s->c / s->groups, taps = s->kh * s->kw, cb = TILE_ROWS / taps, ow = an_conv_ow(s);
    if (cb < 1) cb = 1;
    snprintf(opts, n, "-DMR=%d -DNV=%d -DCV_C=%d -DCV_CG=%d -DCV_K=%d -DCV_H=%d -DCV_W=%d "
             "-DCV_P=%d -DCV_HP=%d -DCV_WP=%d -DCV_KH=%d -DCV_KW=%d -DCV_S=%d -DCV_OH=%d "
             "-DCV_OW=%d -DCV_SEGS=%d -DCV_CB=%d", mr, nv, s->c, cg, s->k, s->h, s->w, s->pad,
             s->h + 2 * s->pad, s->w + 2 * s->pad, s->kh, s->kw, s->stride, an_conv_oh(s), ow,
             (ow + mr - 1) / mr, cb);
}

/* Pad the cnt images of x (n0 on) into xp, or point xp at them where the padding is 0. */
static an_status pad_input(an_dev *d, const an_conv_shape *s, cl_kernel pad, an_buf x,
                           size_t n0, size_t cnt, an_buf ws, an_buf *xp) {
    *xp = an_buf_at(x, n0 * s->c * s->h * s->w);
    if (s->pad == 0) return AN_OK;
    cl_uint xo = (cl_uint)xp->off, wo = (cl_uint)ws.off;
    AN_TRY(OP_ARGS(pad, OP_VAL(xp->mem), OP_VAL(xo), OP_VAL(ws.mem), OP_VAL(wo)));
    size_t gws[2] = {(size_t)s->c, cnt};
    *xp = ws;
    return an_launch(d, pad, 2, gws, NULL);
}

size_t an_conv_tile_packed_floats(const an_dev *d, const an_conv_shape *s) {
    return packed_floats(d, s);
}

static an_status require_tile(const an_dev *d) {
    if (an_conv_tile_runs(d)) return AN_OK;
    return an_error(AN_ERR_UNSUPPORTED, "conv: the tiled forward needs a CPU device where the "
                    "GEMM takes its packed path (%s)", d->info.name);
}

an_status an_conv_tile_pack_filters(an_dev *d, const an_conv_shape *s, an_buf w, an_buf wp) {
    AN_TRY(require_tile(d));
    AN_TRY(op_check_buf_fits("conv", "packed filters", wp, packed_floats(d, s)));
    char opts[320];
    build_opts(s, fwd_mr(d, s), fwd_nv(d, s), opts, sizeof opts);
    cl_kernel pack;
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_pack", &pack));
    size_t kg = (size_t)(s->k / s->groups), rows = rows_of(s), gp = group_packed_floats(d, s);
    cl_uint m_ = (cl_uint)kg;
    for (int gi = 0; gi < s->groups; gi++) {
        cl_uint wo = (cl_uint)(w.off + gi * kg * rows), po = (cl_uint)(wp.off + gi * gp);
        AN_TRY(OP_ARGS(pack, OP_VAL(m_), OP_VAL(w.mem), OP_VAL(wo), OP_VAL(wp.mem), OP_VAL(po)));
        size_t gws[2] = {rows, fwd_panels(d, s)};
        AN_TRY(an_launch(d, pack, 2, gws, NULL));
    }
    return AN_OK;
}

an_status an_conv_tile_forward_packed(an_dev *d, const an_conv_shape *s, an_buf wp, an_buf x,
                                      an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    AN_TRY(require_tile(d));
    size_t per = padded_per_image(s);
    if (ws_floats < per)
        return an_error(AN_ERR_INVALID_ARG, "conv: workspace of %zu floats is smaller than one "
                        "padded image, %zu", ws_floats, per);
    AN_TRY(op_check_buf_fits("conv", "packed filters", wp, packed_floats(d, s)));
    if (per) AN_TRY(op_check_buf_fits("conv", "workspace", ws, ws_floats));
    char opts[320];
    int mr = fwd_mr(d, s), segs = (an_conv_ow(s) + mr - 1) / mr;
    build_opts(s, mr, fwd_nv(d, s), opts, sizeof opts);
    cl_kernel pad, fwd;
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_pad", &pad));
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_forward", &fwd));
    size_t kg = (size_t)(s->k / s->groups), gp = group_packed_floats(d, s);
    size_t cg = (size_t)(s->c / s->groups), hw = (size_t)s->h * s->w;
    size_t hpwp = (size_t)(s->h + 2 * s->pad) * (s->w + 2 * s->pad);
    size_t n_out = (size_t)an_conv_oh(s) * an_conv_ow(s);
    cl_uint m_ = (cl_uint)kg;
    size_t nb = per ? ws_floats / per : (size_t)s->n;
    if (nb > (size_t)s->n) nb = (size_t)s->n;
    an_buf bias = b.mem ? b : y; /* any valid buffer when there is no bias */
    for (size_t n0 = 0; n0 < (size_t)s->n; n0 += nb) {
        size_t cnt = (size_t)s->n - n0 < nb ? (size_t)s->n - n0 : nb;
        an_buf xc;
        AN_TRY(pad_input(d, s, pad, x, n0, cnt, ws, &xc));
        size_t x_img = (size_t)s->c * (per ? hpwp : hw);
        size_t tiles = (size_t)an_conv_oh(s) * segs;
        size_t lws[3] = {tiles < TILE_GROUP ? tiles : TILE_GROUP, 1, 1};
        size_t gws[3] = {an_round_up(tiles, lws[0]), fwd_panels(d, s), cnt};
        for (int gi = 0; gi < s->groups; gi++) {
            cl_uint po = (cl_uint)(wp.off + gi * gp);
            cl_uint xo = (cl_uint)(xc.off + gi * cg * (per ? hpwp : hw));
            cl_uint yo = (cl_uint)(y.off + n0 * s->k * n_out + gi * kg * n_out);
            cl_ulong xbs = x_img, ybs = (cl_ulong)s->k * n_out;
            cl_uint bo = (cl_uint)(b.off + gi * kg);
            AN_TRY(OP_ARGS(fwd, OP_VAL(m_), OP_VAL(wp.mem), OP_VAL(po),
                           OP_VAL(xc.mem), OP_VAL(xo), OP_VAL(xbs), OP_VAL(y.mem), OP_VAL(yo),
                           OP_VAL(ybs), OP_VAL(bias.mem), OP_VAL(bo), OP_I32(b.mem != NULL)));
            AN_TRY(an_launch(d, fwd, 3, gws, lws));
        }
    }
    return AN_OK;
}

an_status an_conv_tile_forward(an_dev *d, const an_conv_shape *s, an_buf w, an_buf x, an_buf b,
                               an_buf y, an_buf ws, size_t ws_floats) {
    AN_TRY(require_tile(d));
    size_t pf = packed_floats(d, s), per = padded_per_image(s);
    if (ws_floats < pf + per)
        return an_error(AN_ERR_INVALID_ARG, "conv: workspace of %zu floats is smaller than the "
                        "tiled forward's least, %zu (see an_conv_tile_min_workspace_floats)",
                        ws_floats, pf + per);
    AN_TRY(op_check_buf_fits("conv", "workspace", ws, ws_floats));
    AN_TRY(an_conv_tile_pack_filters(d, s, w, ws));
    return an_conv_tile_forward_packed(d, s, ws, x, b, y, an_buf_at(ws, pf), ws_floats - pf);
}

/* The weight gradient's accumulators: a row of KW taps by NV float16 of channels, within 28 of
 * AVX-512's 32 registers; 64 channels where they fill whole panels of the group, else 32. With
 * 8-float vectors 16 channels: KW x 2 of AVX2's 16 registers. */
static int dw_vectors(const an_dev *d, const an_conv_shape *s) {
    int kg = s->k / s->groups;
    if (!wide(d)) return 1;
    return s->kw * 4 <= 28 && kg % 64 == 0 ? 4 : 2;
}

/* Where a row of taps fills at least 16 accumulators (8 with 8-float vectors, within 14 of
 * AVX2's registers): fewer (3x3 kernels: 12) cannot cover the FMAs' latency, and there the
 * tiled gradient lost to the GEMM's (`alexnet tune --train`). */
int an_conv_tile_dw_runs(const an_dev *d, const an_conv_shape *s) {
    if (!an_conv_tile_runs(d)) return 0;
    if (!wide(d)) return s->kw >= TILE8_DW_KW_MIN && s->kw <= TILE8_DW_KW_MAX;
    return s->kw * 2 <= 28 && s->kw * dw_vectors(d, s) >= 16;
}

/* The bias gradient's partial sums per image: one per channel and block of 16 pixels. */
static size_t db_per_image(const an_conv_shape *s) {
    return ((size_t)an_conv_oh(s) * an_conv_ow(s) + 15) / 16 * s->k;
}

/* Floats per image of the weight gradient's workspace: its padded input, dy transposed, (at
 * most) a run's partial sums of a group's weights and the bias gradient's partial sums. */
static size_t dw_per_image(const an_conv_shape *s) {
    return padded_per_image(s) + (size_t)s->k * an_conv_oh(s) * an_conv_ow(s) +
           (size_t)(s->k / s->groups) * rows_of(s) + db_per_image(s);
}

size_t an_conv_tile_dw_min_workspace_floats(const an_conv_shape *s) {
    return dw_per_image(s) + TILE_DW_SLACK;
}

an_status an_conv_tile_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                        an_buf dw, an_buf db, an_buf ws, size_t ws_floats) {
    if (!an_conv_tile_dw_runs(d, s))
        return an_error(AN_ERR_UNSUPPORTED, "conv: the tiled weight gradient does not run for a "
                        "kernel %d wide on %s (see an_conv_tile_dw_runs)", s->kw, d->info.name);
    size_t per = dw_per_image(s), pad = padded_per_image(s);
    if (ws_floats < per + TILE_DW_SLACK)
        return an_error(AN_ERR_INVALID_ARG, "conv: workspace of %zu floats is smaller than the "
                        "tiled weight gradient's least, %zu", ws_floats, per + TILE_DW_SLACK);
    AN_TRY(op_check_buf_fits("conv", "workspace", ws, ws_floats));
    int nv = dw_vectors(d, s), nr = 16 * nv;
    char opts[320];
    build_opts(s, 1, nv, opts, sizeof opts);
    cl_kernel kpad, kt, kdw, ksum, kdb = NULL;
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_pad", &kpad));
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_dy_t", &kt));
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_dw", &kdw));
    AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_dw_sum", &ksum));
    if (db.mem) {
        AN_TRY(an_kernel(d, "conv_tile", opts, "conv_tile_db_sum", &kdb));
        AN_TRY(op_check_buf_fits("conv", "bias gradient", db, (size_t)s->k));
    }
    size_t nb = (ws_floats - TILE_DW_SLACK) / per, ohw = (size_t)an_conv_oh(s) * an_conv_ow(s);
    if (nb > (size_t)s->n) nb = (size_t)s->n;
    size_t kg = (size_t)(s->k / s->groups), cg = (size_t)(s->c / s->groups), rows = rows_of(s);
    size_t chan = pad ? (size_t)(s->h + 2 * s->pad) * (s->w + 2 * s->pad) : (size_t)s->h * s->w;
    /* images per run: a group's dyt rows of a run within TILE_DW_RUN_BYTES */
    size_t ipw = TILE_DW_RUN_BYTES / (ohw * (size_t)nr * sizeof(float));
    if (ipw < 1) ipw = 1;
    an_buf dyt = an_buf_at(ws, nb * pad);
    an_buf part = an_buf_at(dyt, nb * s->k * ohw + TILE_DW_SLACK);
    an_buf dbp = an_buf_at(part, nb * kg * rows);
    size_t blocks = (ohw + 15) / 16;
    for (size_t n0 = 0; n0 < (size_t)s->n; n0 += nb) {
        size_t cnt = (size_t)s->n - n0 < nb ? (size_t)s->n - n0 : nb, runs = (cnt + ipw - 1) / ipw;
        an_buf xc, dc = an_buf_at(dy, n0 * s->k * ohw);
        AN_TRY(pad_input(d, s, kpad, x, n0, cnt, ws, &xc));
        cl_uint dyo = (cl_uint)dc.off, dto = (cl_uint)dyt.off, dbo = (cl_uint)dbp.off;
        AN_TRY(OP_ARGS(kt, OP_VAL(dc.mem), OP_VAL(dyo), OP_VAL(dyt.mem), OP_VAL(dto),
                       OP_I32(db.mem != NULL), OP_VAL(dbp.mem), OP_VAL(dbo)));
        size_t tg[2] = {blocks, cnt};
        AN_TRY(an_launch(d, kt, 2, tg, NULL));
        if (db.mem) {
            cl_uint rows_ = (cl_uint)blocks, imgs_ = (cl_uint)cnt, dbo_ = (cl_uint)db.off;
            float beta = n0 == 0 ? 0.0f : 1.0f;
            AN_TRY(OP_ARGS(kdb, OP_VAL(rows_), OP_VAL(imgs_), OP_VAL(beta), OP_VAL(dbp.mem),
                           OP_VAL(dbo), OP_VAL(db.mem), OP_VAL(dbo_)));
            size_t bg[1] = {((size_t)s->k + 15) / 16};
            AN_TRY(an_launch(d, kdb, 1, bg, NULL));
        }
        cl_uint m_ = (cl_uint)kg, k_ = (cl_uint)s->k, imgs = (cl_uint)cnt, ipw_ = (cl_uint)ipw;
        cl_uint runs_ = (cl_uint)runs, po = (cl_uint)part.off;
        float beta = n0 == 0 ? 0.0f : 1.0f;
        cl_ulong xbs = (cl_ulong)s->c * chan;
        for (int gi = 0; gi < s->groups; gi++) {
            cl_uint xo = (cl_uint)(xc.off + gi * cg * chan), dgo = (cl_uint)(dyt.off + gi * kg);
            cl_uint wo = (cl_uint)(dw.off + gi * kg * rows);
            AN_TRY(OP_ARGS(kdw, OP_VAL(m_), OP_VAL(k_), OP_VAL(imgs), OP_VAL(ipw_),
                           OP_VAL(xc.mem), OP_VAL(xo), OP_VAL(xbs), OP_VAL(dyt.mem), OP_VAL(dgo),
                           OP_VAL(part.mem), OP_VAL(po)));
            size_t gws[3] = {cg * s->kh, (kg + nr - 1) / nr, runs}, lws[3] = {1, 1, 1};
            lws[0] = gws[0] < TILE_DW_GROUP ? gws[0] : TILE_DW_GROUP;
            gws[0] = an_round_up(gws[0], lws[0]);
            AN_TRY(an_launch(d, kdw, 3, gws, lws));
            AN_TRY(OP_ARGS(ksum, OP_VAL(m_), OP_VAL(runs_), OP_VAL(beta), OP_VAL(part.mem),
                           OP_VAL(po), OP_VAL(dw.mem), OP_VAL(wo)));
            size_t sg[1] = {kg * rows};
            AN_TRY(an_launch(d, ksum, 1, sg, NULL));
        }
    }
    return AN_OK;
}
