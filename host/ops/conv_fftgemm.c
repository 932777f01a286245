/* host/ops/conv_fftgemm.c - FFT convolution (AN_CONV_FFTGEMM) for stride 1 and a padded input of
 * at most 32 x 32: the library's own radix-2 transforms (cl/conv_fftgemm.cl) around real GEMMs,
 * one batched call per group over the frequencies.
 *
 * Planes are zero-padded to FN x FN, FN the smallest power of two from 8 holding h + 2 pad and
 * w + 2 pad, so that no circular wrap reaches a wanted output. With X, W, DY the spectra of the
 * input (placed at (pad, pad)), the filters and the output gradient (both at (0, 0)), per
 * frequency f and group:
 *   forward  Y  = conj(W) X summed over input channels (a cross-correlation), kept at (0, 0);
 *   dx       DX = W DY summed over output channels (a full convolution), kept at (pad, pad);
 *   dw       DW = conj(DY) X summed over images, kept at (0, 0), FKH x FKW of it.
 * A complex product is a real one on split parts, with the images of a chunk (cnt) along the
 * GEMMs' columns and the filters' spectra [Wr | Wi] (kg x 2 cg per group):
 *   forward  [Yr | Yi] = [Wr | Wi] [[Xr, Xi], [Xi, -Xr]]        kg x 2 cnt, summing 2 cg;
 *   dx       [Wr | Wi]^T [DYr | DYi] = [[B00, B01], [B10, B11]]  2 cg x 2 cnt, summing kg, and
 *            DX = (B00 - B11) + i (B01 + B10);
 *   dw       [DWr | DWi] = [DYr | DYi] [[Xr, Xi], [Xi, -Xr]]     kg x 2 cg, summing 2 cnt (the
 *            input's blocks laid out with the images as rows, so that the product is NN).
 * Each complex multiply-add costs four real ones: per frequency 8 kg cg per image, against
 * the definition's kh kw oh ow: for AlexNet's conv2 (5 x 5 on 27 x 27, FN = 32, 544
 * frequencies) 8 x 544 against 25 x 729 per filter and image, about an eighth.
 *
 * Workspace: [filter spectra, or the weight gradient's, nf 2 k cg][on CPU devices the forward's
 * copy of them packed for the GEMM, per group; at least nf 2 k cg, where both gradients in one
 * call (an_conv_fftgemm_backward) sum the weight gradient's][row-pass planes
 * nf 2 cnt max(c, k), or the taps' transform tables if more][spectra of
 * the pass's input and output, nf (4 c + 2 k) cnt in all], nf = FN (FN/2 + 1) frequencies. */
#include "ops/conv_fftgemm.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "ops/gemm.h"
#include "ops/opargs.h"

#define FG_WS_CAP ((size_t)64 << 20) /* floats: 256 MB */
#define FG_MAX_LEN 32
/* Floats of a chunk's planes and spectra, in the forward and in the gradients, and a multiple
 * the images per chunk are rounded down to: the transforms take the chunk's images as their
 * first dimension, the one PoCL vectorises 8 wide. conv2 of alexnet-owt (2.2 MB per image) at
 * batch 128, training, forced to fftgemm (`tools/bench_ab.py`, 3-4 pairs): in chunks of 24
 * images the forward and the backward ran 0.85 and 0.78x as long as in chunks of 16, 0.71 and
 * 0.73x as in chunks of 15; chunks of 26 (not rounded) and 32 ran 0.98-1.13x as long. Larger
 * chunks repack and rewrite the filters' spectra fewer times in the gradients but slowed the
 * forward: in chunks of 64 (48) the forward took 1.18x (1.32x) as long as in chunks of 24, the
 * backward 0.90x (0.91x); the data gradient in chunks of 24 took the backward to 1.17x. */
#define FG_CHUNK_FWD ((size_t)14 << 20)
#define FG_CHUNK_BWD ((size_t)36 << 20)
#define FG_CHUNK_ALIGN 8
/* Floats of the planes between a row pass and its column pass, which run a block of planes at
 * a time so that these stay in cache: conv2 of alexnet-owt at batch 32, all three directions
 * forced to fftgemm, ran 0.88x as long in blocks of 256 K floats as in one pass over the chunk;
 * blocks of 0.5-4 M floats ran alike (0.93-1.0x of 256 K), of 64 K 1.17x (`tools/bench_ab.py`). */
#define FG_BLOCK_FLOATS ((size_t)512 << 10)

int an_conv_fftgemm_len(const an_conv_shape *s) {
    if (s->stride != 1) return 0;
    int need = s->h + 2 * s->pad > s->w + 2 * s->pad ? s->h + 2 * s->pad : s->w + 2 * s->pad;
    int n = 8;
    while (n < need) n *= 2;
    return n <= FG_MAX_LEN ? n : 0;
}

int an_conv_fftgemm_applies(const an_conv_shape *s) { return an_conv_fftgemm_len(s) > 0; }

int an_conv_fftgemm_pays(const an_conv_shape *s) {
    int n = an_conv_fftgemm_len(s);
    long nf = (long)n * (n / 2 + 1);
    return n > 0 && 4 * 8 * nf <= 2L * s->kh * s->kw * an_conv_oh(s) * an_conv_ow(s);
}

/* The sizes a pass needs: transform side and its log, channels per group, the larger channel
 * count, frequencies, and the fixed part of the workspace. */
typedef struct fg_geom {
    int fn, flog, cg, kg, mx;
    size_t nf, spec, packed, fixed; /* filter spectra, each group's packed copy, all regions */
} fg_geom;

static an_status geom_of(const an_dev *d, const an_conv_shape *s, fg_geom *g) {
    g->fn = an_conv_fftgemm_len(s);
    if (!g->fn)
        return an_error(AN_ERR_UNSUPPORTED, "conv fftgemm: stride %d, padded input %dx%d; the "
                        "algorithm computes stride 1 on inputs up to %dx%d with padding (use "
                        "im2col)", s->stride, s->h + 2 * s->pad, s->w + 2 * s->pad, FG_MAX_LEN,
                        FG_MAX_LEN);
    g->flog = 0;
    while ((1 << g->flog) < g->fn) g->flog++;
    g->nf = (size_t)g->fn * (size_t)(g->fn / 2 + 1);
    g->cg = s->c / s->groups;
    g->kg = s->k / s->groups;
    g->mx = s->c > s->k ? s->c : s->k;
    g->spec = g->nf * 2 * (size_t)s->k * (size_t)g->cg;
    /* where the GEMM packs its A operand (CPU devices), the forward packs the filter spectra
     * once instead of once per chunk */
    an_gemm_path path;
    g->packed = an_gemm_path_for(d, &path) == AN_OK && path == AN_GEMM_PATH_PACKED
                    ? an_gemm_prepacked_floats(d, (size_t)g->kg, 2 * (size_t)g->cg, g->nf)
                    : 0;
    size_t second = (size_t)s->groups * g->packed;
    g->fixed = g->spec + (second > g->spec ? second : g->spec);
    return AN_OK;
}

/* Floats of the row-pass planes for cnt images, or of the taps' transform tables (fg_taps) and
 * the filters transposed (fg_wt), if more. */
static size_t planes_floats(const an_conv_shape *s, const fg_geom *g, size_t cnt) {
    size_t img = g->nf * 2 * cnt * (size_t)g->mx;
    size_t tables = (4 * g->nf + (size_t)s->k * g->cg) * (size_t)s->kh * s->kw;
    return img > tables ? img : tables;
}

/* The floats per image of a chunk's planes and spectra (what FG_CHUNK_FWD and _BWD bound). */
static size_t image_floats(const an_conv_shape *s, const fg_geom *g) {
    return g->nf * (2 * (size_t)g->mx + 4 * (size_t)s->c + 2 * (size_t)s->k);
}

/* The workspace for chunks of cnt images. Every pass's spectra: the input side's c channels as
 * blocks of 4 floats per frequency and image, the output gradient's k as rows of 2 (the
 * forward's output is the same size). The planes are sized for a whole chunk, though the passes
 * use a block of them at a time. */
static size_t need_floats(const an_conv_shape *s, const fg_geom *g, size_t cnt) {
    return g->fixed + planes_floats(s, g, cnt) + g->nf * (4 * (size_t)s->c + 2 * (size_t)s->k) *
                                                  cnt;
}

/* Images per chunk: as many as a workspace of room floats holds, at most cap floats of planes
 * and spectra, at least one, a multiple of FG_CHUNK_ALIGN where more. */
static size_t images_fitting(const an_conv_shape *s, const fg_geom *g, size_t room, size_t cap) {
    size_t cnt = (size_t)s->n;
    while (cnt > 1 && (need_floats(s, g, cnt) > room || cnt * image_floats(s, g) > cap))
        cnt--;
    return cnt > FG_CHUNK_ALIGN ? cnt - cnt % FG_CHUNK_ALIGN : cnt;
}

size_t an_conv_fftgemm_workspace_floats(const an_dev *d, const an_conv_shape *s) {
    fg_geom g;
    if (!an_conv_fftgemm_applies(s) || geom_of(d, s, &g) != AN_OK) return 0;
    return need_floats(s, &g, images_fitting(s, &g, FG_WS_CAP, FG_CHUNK_BWD));
}

/* Images per chunk for the workspace given, which is checked. */
static an_status chunk_images(const an_conv_shape *s, const fg_geom *g, an_buf ws,
                              size_t ws_floats, size_t cap, int *nb) {
    size_t one = need_floats(s, g, 1);
    if (ws_floats < one)
        return an_error(AN_ERR_INVALID_ARG, "conv fftgemm: workspace of %zu floats is smaller "
                        "than one image's need of %zu (see an_conv_workspace_floats)", ws_floats,
                        one);
    AN_TRY(op_check_buf("conv fftgemm", "workspace", ws, 0));
    size_t room = ws_floats; /* the part the kernels' 32-bit offsets reach */
    if (ws.off + room > UINT_MAX) room = UINT_MAX - ws.off;
    if (room < one) return an_error(AN_ERR_UNSUPPORTED, "conv fftgemm: workspace past 2^32 floats");
    AN_TRY(op_check_buf_fits("conv fftgemm", "workspace", ws, room));
    *nb = (int)images_fitting(s, g, room, cap);
    return AN_OK;
}

/* The build options: transform side, kernel size and the twiddles cos, sin of 2 pi m / FN. */
static an_status options_of(const an_conv_shape *s, const fg_geom *g, char *buf, size_t size) {
    int len = snprintf(buf, size, "-DFN=%d -DFLOG=%d -DFKH=%d -DFKW=%d -DFTW=", g->fn, g->flog,
                       s->kh, s->kw);
    const double pi = 3.14159265358979323846;
    for (int m = 0; m < g->fn && len > 0 && (size_t)len < size; m++)
        len += snprintf(buf + len, size - (size_t)len, "%s%.9ef,%.9ef", m ? "," : "",
                        cos(2.0 * pi * m / g->fn), sin(2.0 * pi * m / g->fn));
    if (len <= 0 || (size_t)len >= size)
        return an_error(AN_ERR_INTERNAL, "conv fftgemm: build options too long");
    return AN_OK;
}

/* One pass's set-up: geometry, options, images per chunk; the output's size, the input's and
 * output's floats per image, 2 cg, kg and the floats per frequency of the filter spectra. */
typedef struct fg_pass {
    fg_geom g;
    char opts[2048];
    int nb, oh, ow;
    size_t chw, kohw, cg2, kg, mf;
} fg_pass;

static an_status plan(const an_dev *d, const an_conv_shape *s, an_buf ws, size_t ws_floats,
                      size_t cap, fg_pass *p) {
    AN_TRY(geom_of(d, s, &p->g));
    p->oh = an_conv_oh(s);
    p->ow = an_conv_ow(s);
    p->chw = (size_t)s->c * s->h * s->w;
    p->kohw = (size_t)s->k * p->oh * p->ow;
    p->cg2 = 2 * (size_t)p->g.cg;
    p->kg = (size_t)p->g.kg;
    p->mf = 2 * (size_t)s->k * p->g.cg;
    AN_TRY(options_of(s, &p->g, p->opts, sizeof p->opts));
    return chunk_images(s, &p->g, ws, ws_floats, cap, &p->nb);
}

static an_status launch(an_dev *d, const fg_pass *p, const char *name, const op_karg *args,
                        size_t g0, size_t g1, size_t g2) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_fftgemm", p->opts, name, &k));
    AN_TRY(op_set_args(k, 0, args));
    size_t gws[3] = {g0, g1, g2};
    return an_launch(d, k, g2 ? 3 : 2, gws, NULL);
}

#define FG_ARGS(...) ((const op_karg[]){__VA_ARGS__, {0, NULL}})

/* Planes per row-pass block, in multiples of `per`: the row pass and the column pass run a block
 * at a time, so that the planes between them stay in cache (FG_BLOCK_FLOATS); at least one. */
static int block_of(const fg_pass *p, int per) {
    size_t planes = FG_BLOCK_FLOATS / (2 * p->g.nf), n = planes / (size_t)per;
    return n > 0 ? (int)n : 1;
}

/* The row pass over planes (a, b) of h x w at src + (a sa + b sb) h w, placed at (oy, ox). */
static an_status rows(an_dev *d, const fg_pass *p, an_buf src, int h, int w, int oy, int ox,
                      int sa, int sb, int na, int nb, an_buf t) {
    cl_int8 sh = {{h, w, oy, ox, sa, sb, na, nb}};
    return launch(d, p, "fg_rows", FG_ARGS(OP_VAL(sh), OP_BUF(src), OP_BUF(t)), (size_t)na,
                  (size_t)nb, (size_t)p->g.fn / 2);
}

/* Spectra of cnt images' ch channels (chg per group) of h x w at src, placed at (oy, ox), as
 * fg_cols lays them out, channels as rows: nbk = 1 rows [Zr | Zi], nbk = 2 blocks
 * [[Zr, Zi], [Zi, -Zr]]. */
static an_status spectra(an_dev *d, const fg_pass *p, an_buf src, int cnt, int ch, int chg, int h,
                         int w, int oy, int ox, int nbk, an_buf t, an_buf sp) {
    int cb = block_of(p, cnt);
    for (int c0 = 0; c0 < ch; c0 += cb) {
        int nc = ch - c0 < cb ? ch - c0 : cb;
        AN_TRY(rows(d, p, an_buf_at(src, (size_t)c0 * h * w), h, w, oy, ox, ch, 1, cnt, nc, t));
        cl_int8 sh = {{cnt, nc, chg, 2 * nbk * ch * cnt, nbk, c0, 0, 0}};
        AN_TRY(launch(d, p, "fg_cols", FG_ARGS(OP_VAL(sh), OP_BUF(t), OP_BUF(sp)), (size_t)cnt,
                      (size_t)nc, (size_t)(p->g.fn / 2 + 1)));
    }
    return AN_OK;
}

/* The input's spectra for the weight gradient: fg_cols_t's layout, images as rows. */
static an_status spectra_t(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf src,
                           int cnt, an_buf t, an_buf sp) {
    int ib = block_of(p, s->c);
    size_t chw = (size_t)s->c * s->h * s->w;
    for (int a0 = 0; a0 < cnt; a0 += ib) {
        int na = cnt - a0 < ib ? cnt - a0 : ib;
        AN_TRY(rows(d, p, an_buf_at(src, (size_t)a0 * chw), s->h, s->w, s->pad, s->pad, 1, s->c,
                    s->c, na, t));
        cl_int8 sh = {{p->g.cg, cnt, s->c, 4 * s->c * cnt, a0, na, 0, 0}};
        AN_TRY(launch(d, p, "fg_cols_t", FG_ARGS(OP_VAL(sh), OP_BUF(t), OP_BUF(sp)),
                      (size_t)p->g.cg, (size_t)na, (size_t)(p->g.fn / 2 + 1) * (size_t)s->groups));
    }
    return AN_OK;
}

/* fg_taps' tables in e: E = cos, -sin of 2 pi (v i + u j) / FN for frequency f = v FH + u
 * and tap i kw + j (nf x kh kw each), then G, the same weighted for the inverse. */
static an_status taps_tables(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf e) {
    return launch(d, p, "fg_taps", FG_ARGS(OP_BUF(e)), p->g.nf,
                  (size_t)s->kh * s->kw, 0);
}

/* The filters' spectra [Wr | Wi] of w into m, per filter k the GEMMs Er W_k^T and Ei W_k^T
 * (nf x cg, summing the taps), with the tables in e and after them the filters transposed, taps
 * as rows: an NN product (as NT it ran on gemm_dot, 53 ms for conv2, against 15 for a kernel
 * that summed the taps per frequency column). */
static an_status filter_spectra(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf w,
                                an_buf m, an_buf e) {
    size_t taps = (size_t)s->kh * s->kw, nf = p->g.nf, cg = (size_t)p->g.cg;
    size_t kc = (size_t)s->k * cg;
    an_buf wt = an_buf_at(e, 4 * nf * taps);
    AN_TRY(taps_tables(d, p, s, e));
    cl_int4 sh = {{(int)kc, 0, 0, 0}};
    AN_TRY(launch(d, p, "fg_wt", FG_ARGS(OP_VAL(sh), OP_BUF(w), OP_BUF(wt)), kc, taps, 0));
    for (size_t part = 0; part < 2; part++)
        AN_TRY(an_gemm_batched(d, 0, 0, nf, cg, taps, 1.0f, an_buf_at(e, part * nf * taps), taps,
                               0, wt, kc, cg, 0.0f, an_buf_at(m, part * cg), p->mf, 2 * cg,
                               (size_t)s->k));
    return AN_OK;
}

/* From the spectra sp of cnt images' ch channels (mode 1: rows [Zr | Zi]; 2: the blocks of
 * M^T [Zr | Zi], fg_icols) back to planes: rows and columns from (oy, ox), oh x ow of them, into
 * dst [cnt][ch][oh][ow], plus bias where b.mem. */
static an_status planes(an_dev *d, const fg_pass *p, an_buf sp, int cnt, int ch, int chg,
                        int mode, int oy, int ox, int oh, int ow, an_buf b, an_buf t,
                        an_buf dst) {
    int cb = block_of(p, cnt);
    an_buf bb = b.mem ? b : dst; /* any valid buffer when there is no bias */
    for (int c0 = 0; c0 < ch; c0 += cb) {
        int nc = ch - c0 < cb ? ch - c0 : cb;
        cl_int8 ci = {{cnt, nc, chg, 2 * mode * ch * cnt, oy, oy + oh, mode, c0}};
        AN_TRY(launch(d, p, "fg_icols", FG_ARGS(OP_VAL(ci), OP_BUF(sp), OP_BUF(t)), (size_t)cnt,
                      (size_t)nc, (size_t)(p->g.fn / 2 + 1)));
        cl_int16 ri = {{cnt, nc, oy, ox, oh, ow, b.mem != NULL, c0, ch}};
        AN_TRY(launch(d, p, "fg_irows", FG_ARGS(OP_VAL(ri), OP_BUF(t), OP_BUF(bb), OP_BUF(dst)),
                      (size_t)cnt, (size_t)nc, (size_t)(oh + 1) / 2));
    }
    return AN_OK;
}

/* The workspace's regions for a chunk of nb images: filter spectra (or the weight gradient's),
 * their packed copy, planes, and the spectra of a pass's input (in_per floats per frequency and
 * image) and output. */
typedef struct fg_regions {
    an_buf m, pk, t, in, out;
} fg_regions;

static fg_regions regions_of(const an_conv_shape *s, const fg_pass *p, an_buf ws, size_t in_per) {
    fg_regions r;
    r.m = ws;
    r.pk = an_buf_at(ws, p->g.spec);
    r.t = an_buf_at(ws, p->g.fixed);
    r.in = an_buf_at(r.t, planes_floats(s, &p->g, (size_t)p->nb));
    r.out = an_buf_at(r.in, p->g.nf * in_per * (size_t)p->nb);
    return r;
}

an_status an_conv_fftgemm_forward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf b,
                                  an_buf y, an_buf ws, size_t ws_floats) {
    fg_pass p;
    AN_TRY(plan(d, s, ws, ws_floats, FG_CHUNK_FWD, &p));
    fg_regions r = regions_of(s, &p, ws, 4 * (size_t)s->c);
    AN_TRY(filter_spectra(d, &p, s, w, r.m, r.t));
    int pre = p.g.packed && an_gemm_packed_runs(d);
    for (int grp = 0; pre && grp < s->groups; grp++)
        AN_TRY(an_gemm_prepack(d, p.kg, p.cg2, an_buf_at(r.m, grp * p.kg * p.cg2), p.cg2, p.mf,
                               p.g.nf, an_buf_at(r.pk, grp * p.g.packed)));
    for (int n0 = 0; n0 < s->n; n0 += p.nb) {
        int cnt = s->n - n0 < p.nb ? s->n - n0 : p.nb;
        size_t n2 = 2 * (size_t)cnt;
        AN_TRY(spectra(d, &p, an_buf_at(x, (size_t)n0 * p.chw), cnt, s->c, p.g.cg, s->h, s->w,
                       s->pad, s->pad, 2, r.t, r.in));
        /* [Yr | Yi] = [Wr | Wi] [[Xr, Xi], [Xi, -Xr]] */
        for (int grp = 0; grp < s->groups; grp++) {
            an_buf xg = an_buf_at(r.in, grp * p.cg2 * n2), yg = an_buf_at(r.out, grp * p.kg * n2);
            if (pre)
                AN_TRY(an_gemm_prepacked_batched(d, p.kg, n2, p.cg2, 1.0f,
                                                 an_buf_at(r.pk, grp * p.g.packed), xg, n2,
                                                 2 * (size_t)s->c * n2, 0.0f, yg, n2,
                                                 (size_t)s->k * n2, p.g.nf));
            else
                AN_TRY(an_gemm_batched(d, 0, 0, p.kg, n2, p.cg2, 1.0f,
                                       an_buf_at(r.m, grp * p.kg * p.cg2), p.cg2, p.mf, xg, n2,
                                       2 * (size_t)s->c * n2, 0.0f, yg, n2, (size_t)s->k * n2,
                                       p.g.nf));
        }
        AN_TRY(planes(d, &p, r.out, cnt, s->k, p.g.kg, 1, 0, 0, p.oh, p.ow, b, r.t,
                      an_buf_at(y, (size_t)n0 * p.kohw)));
    }
    return AN_OK;
}

/* dx of a chunk of cnt images from n0: [Wr | Wi]^T [DYr | DYi] per group from W's spectra m
 * and DY's (dys, rows [Zr | Zi]) into out, then back to planes. */
static an_status dx_chunk(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf m,
                          an_buf dys, an_buf out, an_buf t, int n0, int cnt, an_buf dx) {
    size_t n2 = 2 * (size_t)cnt;
    an_buf none = {NULL, 0};
    for (int grp = 0; grp < s->groups; grp++)
        AN_TRY(an_gemm_batched(d, 1, 0, p->cg2, n2, p->kg, 1.0f, an_buf_at(m, grp * p->kg * p->cg2),
                               p->cg2, p->mf, an_buf_at(dys, grp * p->kg * n2), n2,
                               (size_t)s->k * n2, 0.0f, an_buf_at(out, grp * p->cg2 * n2), n2,
                               2 * (size_t)s->c * n2, p->g.nf));
    return planes(d, p, out, cnt, s->c, p->g.cg, 2, s->pad, s->pad, s->h, s->w, none, t,
                  an_buf_at(dx, (size_t)n0 * p->chw));
}

/* A chunk of cnt images from n0 into the weight gradient's spectra acc: [DWr | DWi] = [DYr |
 * DYi] [[Xr, Xi], [Xi, -Xr]] per group from DY's spectra (dys) and X's (xs, fg_cols_t's
 * layout), summed over the chunks. */
static an_status dw_chunk(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf dys,
                          an_buf xs, int n0, int cnt, an_buf acc) {
    size_t n2 = 2 * (size_t)cnt;
    for (int grp = 0; grp < s->groups; grp++)
        AN_TRY(an_gemm_batched(d, 0, 0, p->kg, p->cg2, n2, 1.0f,
                               an_buf_at(dys, grp * p->kg * n2), n2, (size_t)s->k * n2,
                               an_buf_at(xs, grp * p->cg2), 2 * (size_t)s->c,
                               2 * (size_t)s->c * n2, n0 == 0 ? 0.0f : 1.0f,
                               an_buf_at(acc, grp * p->kg * p->cg2), p->cg2, p->mf, p->g.nf));
    return AN_OK;
}

/* dw from its spectra acc, per filter k the GEMMs DWr_k^T Gr + DWi_k^T Gi (cg x kh kw, summing
 * the frequencies), with the tables in t. */
static an_status dw_finish(an_dev *d, const fg_pass *p, const an_conv_shape *s, an_buf acc,
                           an_buf t, an_buf dw) {
    size_t taps = (size_t)s->kh * s->kw, nf = p->g.nf, cg = (size_t)p->g.cg;
    AN_TRY(taps_tables(d, p, s, t));
    for (size_t part = 0; part < 2; part++)
        AN_TRY(an_gemm_batched(d, 1, 0, cg, taps, nf, 1.0f, an_buf_at(acc, part * cg), p->mf,
                               2 * cg, an_buf_at(t, (2 + part) * nf * taps), taps, 0,
                               part ? 1.0f : 0.0f, dw, taps, cg * taps, (size_t)s->k));
    return AN_OK;
}

/* dx and dw, or the one of them given a buffer, each chunk of dy transformed once: in holds DY's
 * spectra, out dx's and then X's; the weight gradient's spectra sum in pk where dx keeps W's in
 * m, else in m. */
static an_status backward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf dy,
                          an_buf dx, an_buf dw, an_buf ws, size_t ws_floats) {
    if (!dx.mem && !dw.mem) return AN_OK;
    fg_pass p;
    AN_TRY(plan(d, s, ws, ws_floats, FG_CHUNK_BWD, &p));
    fg_regions r = regions_of(s, &p, ws, 2 * (size_t)s->k);
    an_buf acc = dx.mem ? r.pk : r.m;
    if (dx.mem) AN_TRY(filter_spectra(d, &p, s, w, r.m, r.t));
    for (int n0 = 0; n0 < s->n; n0 += p.nb) {
        int cnt = s->n - n0 < p.nb ? s->n - n0 : p.nb;
        AN_TRY(spectra(d, &p, an_buf_at(dy, (size_t)n0 * p.kohw), cnt, s->k, p.g.kg, p.oh, p.ow,
                       0, 0, 1, r.t, r.in));
        if (dx.mem) AN_TRY(dx_chunk(d, &p, s, r.m, r.in, r.out, r.t, n0, cnt, dx));
        if (!dw.mem) continue;
        AN_TRY(spectra_t(d, &p, s, an_buf_at(x, (size_t)n0 * p.chw), cnt, r.t, r.out));
        AN_TRY(dw_chunk(d, &p, s, r.in, r.out, n0, cnt, acc));
    }
    return dw.mem ? dw_finish(d, &p, s, acc, r.t, dw) : AN_OK;
}

an_status an_conv_fftgemm_backward_data(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                        an_buf dx, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    return backward(d, s, none, w, dy, dx, none, ws, ws_floats);
}

an_status an_conv_fftgemm_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                           an_buf dw, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    return backward(d, s, x, none, dy, none, dw, ws, ws_floats);
}

an_status an_conv_fftgemm_backward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w,
                                   an_buf dy, an_buf dx, an_buf dw, an_buf ws, size_t ws_floats) {
    return backward(d, s, x, w, dy, dx, dw, ws, ws_floats);
}
