/* host/ops/conv_fft.c - FFT convolution (AN_CONV_FFT) through clFFT, stride 1.
 *
 * Planes are zero-padded to fh x fw (the smallest even 2^a 3^b 5^c at least h + 2 pad, and the
 * same for w), so that no circular wrap reaches the wanted outputs, and transformed real-to-
 * complex in batches. With X, W, DY the spectra of the input (placed at (pad, pad)), the weights
 * and the output gradient (placed at (0, 0)), per frequency and group:
 *   forward  Y[n][k]  = sum over c of X[n][c] conj(W[k][c])   (cross-correlation), crop at (0, 0)
 *   dx       DX[n][c] = sum over k of DY[n][k] W[k][c]        (full convolution), crop at
 *            (pad, pad)
 *   dw       DW[k][c] = sum over n of conj(DY[n][k]) X[n][c]  (correlation), crop at (0, 0)
 * then inverse transforms, and cl/conv_fft.cl's fft_crop takes the region out with the 1/(fh fw)
 * scale and the bias. The products are one kernel, fft_cmac.
 *
 * Workspace (one caller buffer, each region aligned to the device's sub-buffer alignment, since
 * clFFT takes whole cl_mem objects and no offsets: its views are sub-buffers): filter spectra
 * (k c/groups planes), input-side spectra (nb c planes), output-side spectra (nb k planes) and
 * real planes (max(k c/groups, nb max(c, k))), nb the images of a chunk.
 *
 * clFFT plans are per queue, length and batch, and costly to bake: they are kept in a small
 * table (least recently used replaced) for the life of the process; clfftSetup runs once.
 * clfftTeardown is not called: clFFT 2.12 deletes its plans' actions through the wrong type
 * (AddressSanitizer: new-delete-type-mismatch), so clFFT prints a note at exit instead; the
 * same holds for clfftDestroyPlan, which runs only when a process needs more than 64 plans. A
 * device closed and another opened at the same queue address would find stale plans: the net
 * and the tests open their devices once. */
#include "ops/conv_fft.h"
#include "ops/opargs.h"

#include <clFFT.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#define FFT_WS_CAP ((size_t)64 << 20) /* floats: 256 MB */
#define FFT_PLANS 64
#define FFT_TI 4 /* fft_cmac's tile (cl/conv_fft.cl's TI, TJ defaults) */
#define FFT_TJ 4

typedef struct fft_plan {
    cl_command_queue q;
    int fh, fw, inverse;
    size_t batch;
    clfftPlanHandle h;
    unsigned long used;
} fft_plan;

/* clFFT's one-time set-up and the plan cache (clFFT's own state is process-wide): the only
 * mutable state of this file, every access but the set-up under the lock. */
static struct {
    pthread_once_t once;
    clfftStatus setup_rc;
    pthread_mutex_t lock;
    fft_plan plans[FFT_PLANS];
    int n;
    unsigned long tick;
} fft = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER};

/* clfftInitSetupData is an inline function C does not get: the structure is filled here. */
static void fft_setup(void) {
    clfftSetupData sd;
    memset(&sd, 0, sizeof sd);
    sd.major = clfftVersionMajor;
    sd.minor = clfftVersionMinor;
    sd.patch = clfftVersionPatch;
    sd.debugFlags = 0;
    fft.setup_rc = clfftSetup(&sd);
}

static an_status fft_fail(clfftStatus rc, const char *what) {
    if ((int)rc < 0 && (int)rc > -100)
        return an_error((int)rc, "conv fft: clFFT %s failed: %s", what, an_cl_error_name((int)rc));
    return an_error(rc == CLFFT_NOTIMPLEMENTED ? AN_ERR_UNSUPPORTED : AN_ERR_INTERNAL,
                    "conv fft: clFFT %s failed with clFFT status %d", what, (int)rc);
}

#define FFT_CHECK(expr, what)                                   \
    do {                                                        \
        clfftStatus fft_rc_ = (expr);                           \
        if (fft_rc_ != CLFFT_SUCCESS) return fft_fail(fft_rc_, what); \
    } while (0)

/* The sizes of one transform shape: real planes fh x fw, spectra of nf complex numbers. */
typedef struct fft_geom {
    int fh, fw;
    size_t nf, real, cplx; /* complex numbers, and floats of a real and of a spectrum plane */
} fft_geom;

int an_conv_fft_len(int n) {
    for (int m = n + (n & 1);; m += 2) {
        int r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return m;
    }
}

static fft_geom geom_of(const an_conv_shape *s) {
    fft_geom g;
    g.fh = an_conv_fft_len(s->h + 2 * s->pad);
    g.fw = an_conv_fft_len(s->w + 2 * s->pad);
    g.nf = (size_t)g.fh * (size_t)(g.fw / 2 + 1);
    g.real = (size_t)g.fh * (size_t)g.fw;
    g.cplx = 2 * g.nf;
    return g;
}

/* Region offsets (floats from the aligned start) for chunks of nb images; total includes the
 * slack for aligning the start. */
typedef struct fft_layout {
    fft_geom g;
    int nb;
    size_t filt, in, out, real, total, align;
} fft_layout;

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

static size_t align_floats(const an_dev *d) {
    cl_uint bits = 0;
    if (clGetDeviceInfo(d->info.id, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits, &bits, NULL) !=
        CL_SUCCESS)
        bits = 4096;
    return max_sz(bits / 32, 32);
}

static void layout_of(const an_conv_shape *s, size_t align, int nb, fft_layout *l) {
    size_t kcg = (size_t)s->k * (size_t)(s->c / s->groups);
    size_t nc = (size_t)nb * s->c, nk = (size_t)nb * s->k;
    l->g = geom_of(s);
    l->nb = nb;
    l->align = align;
    l->filt = 0;
    l->in = an_round_up(l->filt + kcg * l->g.cplx, align);
    l->out = an_round_up(l->in + nc * l->g.cplx, align);
    l->real = an_round_up(l->out + nk * l->g.cplx, align);
    l->total = l->real + max_sz(kcg, max_sz(nc, nk)) * l->g.real + align;
}

size_t an_conv_fft_workspace_floats(const an_dev *d, const an_conv_shape *s) {
    if (s->stride != 1) return 0;
    fft_layout l;
    size_t align = align_floats(d);
    int nb = s->n;
    layout_of(s, align, nb, &l);
    while (nb > 1 && l.total > FFT_WS_CAP) layout_of(s, align, --nb, &l);
    return l.total;
}

/* The layout for the largest chunk the workspace holds, and the aligned start of the regions. */
static an_status plan_chunks(const an_dev *d, const an_conv_shape *s, an_buf ws, size_t ws_floats,
                             fft_layout *l, size_t *base) {
    if (s->stride != 1)
        return an_error(AN_ERR_UNSUPPORTED, "conv fft: stride %d; the FFT algorithm computes "
                        "stride 1 only (use im2col or direct)", s->stride);
    size_t align = align_floats(d);
    int nb = s->n;
    layout_of(s, align, nb, l);
    while (nb > 1 && l->total > ws_floats) layout_of(s, align, --nb, l);
    if (l->total > ws_floats)
        return an_error(AN_ERR_INVALID_ARG, "conv fft: workspace of %zu floats is smaller than "
                        "one image's need of %zu (see an_conv_workspace_floats)", ws_floats,
                        l->total);
    AN_TRY(op_check_buf_fits("conv fft", "workspace", ws, ws_floats));
    *base = an_round_up(ws.off, align);
    return AN_OK;
}

/* The cached plan for (queue, size, direction, batch), baked on first use. Called locked. */
static an_status plan_get(an_dev *d, const fft_geom *g, int inverse, size_t batch,
                          clfftPlanHandle *out) {
    int slot = -1;
    for (int i = 0; i < fft.n; i++)
        if (fft.plans[i].q == d->q && fft.plans[i].fh == g->fh && fft.plans[i].fw == g->fw &&
            fft.plans[i].inverse == inverse && fft.plans[i].batch == batch) {
            fft.plans[i].used = ++fft.tick;
            *out = fft.plans[i].h;
            return AN_OK;
        }
    if (fft.n < FFT_PLANS) {
        slot = fft.n;
    } else {
        slot = 0;
        for (int i = 1; i < fft.n; i++)
            if (fft.plans[i].used < fft.plans[slot].used) slot = i;
        FFT_CHECK(clfftDestroyPlan(&fft.plans[slot].h), "clfftDestroyPlan");
        fft.plans[slot] = fft.plans[--fft.n];
        slot = fft.n;
    }
    clfftPlanHandle h;
    size_t lens[2] = {(size_t)g->fw, (size_t)g->fh};
    size_t rs[2] = {1, (size_t)g->fw}, cs[2] = {1, (size_t)(g->fw / 2 + 1)};
    FFT_CHECK(clfftCreateDefaultPlan(&h, d->ctx, CLFFT_2D, lens), "clfftCreateDefaultPlan");
    clfftStatus rc = clfftSetPlanPrecision(h, CLFFT_SINGLE);
    if (rc == CLFFT_SUCCESS)
        rc = clfftSetLayout(h, inverse ? CLFFT_HERMITIAN_INTERLEAVED : CLFFT_REAL,
                            inverse ? CLFFT_REAL : CLFFT_HERMITIAN_INTERLEAVED);
    if (rc == CLFFT_SUCCESS) rc = clfftSetResultLocation(h, CLFFT_OUTOFPLACE);
    if (rc == CLFFT_SUCCESS) rc = clfftSetPlanInStride(h, CLFFT_2D, inverse ? cs : rs);
    if (rc == CLFFT_SUCCESS) rc = clfftSetPlanOutStride(h, CLFFT_2D, inverse ? rs : cs);
    if (rc == CLFFT_SUCCESS)
        rc = clfftSetPlanDistance(h, inverse ? g->nf : g->real, inverse ? g->real : g->nf);
    if (rc == CLFFT_SUCCESS) rc = clfftSetPlanScale(h, CLFFT_FORWARD, 1.0f);
    if (rc == CLFFT_SUCCESS) rc = clfftSetPlanScale(h, CLFFT_BACKWARD, 1.0f);
    if (rc == CLFFT_SUCCESS) rc = clfftSetPlanBatchSize(h, batch);
    if (rc == CLFFT_SUCCESS) rc = clfftBakePlan(h, 1, &d->q, NULL, NULL);
    if (rc != CLFFT_SUCCESS) {
        clfftDestroyPlan(&h);
        return fft_fail(rc, "plan set-up");
    }
    fft.plans[slot] = (fft_plan){d->q, g->fh, g->fw, inverse, batch, h, ++fft.tick};
    fft.n++;
    *out = h;
    return AN_OK;
}

static an_status sub_buffer(an_buf ws, size_t at, size_t floats, cl_mem *out) {
    cl_buffer_region r = {at * sizeof(float), floats * sizeof(float)};
    cl_int err = CL_SUCCESS;
    *out = clCreateSubBuffer(ws.mem, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
    CL_CHECK(err);
    return AN_OK;
}

static an_status enqueue_locked(an_dev *d, const fft_geom *g, int inverse, size_t batch,
                                cl_mem in, cl_mem out) {
    clfftPlanHandle h = 0;
    AN_TRY(plan_get(d, g, inverse, batch, &h));
    cl_event ev = NULL;
    FFT_CHECK(clfftEnqueueTransform(h, inverse ? CLFFT_BACKWARD : CLFFT_FORWARD, 1, &d->q, 0,
                                    NULL, &ev, &in, &out, NULL),
              "clfftEnqueueTransform");
    if (d->prof && ev) return an_profile_event(d, ev);
    if (ev) clReleaseEvent(ev);
    return AN_OK;
}

/* A batch of 2-D transforms between workspace regions (offsets from base): real to complex
 * forward, or complex to real (unscaled) when inverse. */
static an_status transform(an_dev *d, const fft_layout *l, int inverse, size_t batch, an_buf ws,
                           size_t base, size_t from, size_t to) {
    pthread_once(&fft.once, fft_setup);
    if (fft.setup_rc != CLFFT_SUCCESS) return fft_fail(fft.setup_rc, "clfftSetup");
    size_t real = batch * l->g.real, cplx = batch * l->g.cplx;
    cl_mem in = NULL, out = NULL;
    AN_TRY(sub_buffer(ws, base + from, inverse ? cplx : real, &in));
    an_status st = sub_buffer(ws, base + to, inverse ? real : cplx, &out);
    if (st == AN_OK) {
        pthread_mutex_lock(&fft.lock);
        st = enqueue_locked(d, &l->g, inverse, batch, in, out);
        pthread_mutex_unlock(&fft.lock);
    }
    if (out) clReleaseMemObject(out);
    clReleaseMemObject(in);
    return st;
}

/* planes planes of h x w from src into fh x fw planes at workspace offset `to`, at (oy, ox). */
static an_status pad(an_dev *d, const fft_layout *l, an_buf src, int planes, int h, int w,
                     int o, an_buf ws, size_t base, size_t to) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_fft", NULL, "fft_pad", &k));
    AN_TRY(OP_ARGS(k, OP_BUF(src), OP_VAL(ws.mem), OP_U32(base + to), OP_I32(h), OP_I32(w),
                   OP_I32(l->g.fh), OP_I32(l->g.fw), OP_I32(o), OP_I32(o)));
    size_t gws[3] = {(size_t)l->g.fw, (size_t)l->g.fh, (size_t)planes};
    return an_launch(d, k, 3, gws, NULL);
}

/* dst planes (h x w) = the fh x fw planes at workspace offset `from` from (o, o), scaled by
 * 1/(fh fw), plus bias[plane % nk] when b.mem. */
static an_status crop(an_dev *d, const fft_layout *l, an_buf ws, size_t base, size_t from,
                      an_buf dst, int planes, int h, int w, int o, an_buf b, int nk) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_fft", NULL, "fft_crop", &k));
    an_buf bb = b.mem ? b : dst;
    AN_TRY(OP_ARGS(k, OP_VAL(ws.mem), OP_U32(base + from), OP_BUF(dst), OP_BUF(bb),
                   OP_I32(b.mem != NULL), OP_I32(nk), OP_I32(h), OP_I32(w), OP_I32(l->g.fh),
                   OP_I32(l->g.fw), OP_I32(o), OP_I32(o), OP_F32(1.0f / (float)l->g.real)));
    size_t gws[3] = {(size_t)w, (size_t)h, (size_t)planes};
    return an_launch(d, k, 3, gws, NULL);
}

/* One operand of fft_cmac: a workspace region and its plane strides (group, row/col, sum). */
typedef struct cmac_op {
    size_t at;
    int sg, s1, s2;
    float sign; /* -1: conjugated */
} cmac_op;

/* out[g][i][j] (+)= sum over l < nl of a[g][i][l] b[g][l][j] per frequency (fft_cmac). */
static an_status cmac(an_dev *d, const fft_layout *l, an_buf ws, size_t base, int groups, int ni,
                      int nj, int nl, cmac_op a, cmac_op b, cmac_op o, int accumulate) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "conv_fft", NULL, "fft_cmac", &k));
    int jb = (nj + FFT_TJ - 1) / FFT_TJ;
    cl_int16 dd = {{ni, nj, nl, (cl_int)l->g.nf, a.sg, a.s1, a.s2, b.sg, b.s1, b.s2, o.sg, o.s1,
                    o.s2, jb, 0, 0}};
    AN_TRY(OP_ARGS(k, OP_VAL(dd), OP_F32(a.sign), OP_F32(b.sign), OP_I32(accumulate),
                   OP_VAL(ws.mem), OP_U32(base + a.at), OP_VAL(ws.mem), OP_U32(base + b.at),
                   OP_VAL(ws.mem), OP_U32(base + o.at)));
    size_t gws[3] = {l->g.nf, (size_t)(ni + FFT_TI - 1) / FFT_TI, (size_t)groups * jb};
    return an_launch(d, k, 3, gws, NULL);
}

/* Spectra of the weights into the filter region. */
static an_status weight_spectra(an_dev *d, const an_conv_shape *s, const fft_layout *l, an_buf w,
                                an_buf ws, size_t base) {
    int kcg = s->k * (s->c / s->groups);
    AN_TRY(pad(d, l, w, kcg, s->kh, s->kw, 0, ws, base, l->real));
    return transform(d, l, 0, (size_t)kcg, ws, base, l->real, l->filt);
}

/* One side of a convolution in the spectral domain: planes of h x w, cropped or padded by
 * pad, with their spectra in the workspace region at `at`. */
typedef struct fft_side {
    int planes, h, w, pad;
    size_t at;
} fft_side;

static fft_side input_side(const an_conv_shape *s, const fft_layout *l) {
    fft_side sd = {s->c, s->h, s->w, s->pad, l->in};
    return sd;
}

static fft_side output_side(const an_conv_shape *s, const fft_layout *l) {
    fft_side sd = {s->k, an_conv_oh(s), an_conv_ow(s), 0, l->out};
    return sd;
}

static size_t side_floats(fft_side sd) { return (size_t)sd.planes * sd.h * sd.w; }

/* The spectra of cnt images of side sd, image n0 on of `from`. */
static an_status side_spectra(an_dev *d, const fft_layout *l, fft_side sd, an_buf from, int n0,
                              int cnt, an_buf ws, size_t base) {
    AN_TRY(pad(d, l, an_buf_at(from, (size_t)n0 * side_floats(sd)), cnt * sd.planes, sd.h, sd.w,
               sd.pad, ws, base, l->real));
    return transform(d, l, 0, (size_t)cnt * sd.planes, ws, base, l->real, sd.at);
}

/* The forward's and dx's shared sequence: the weights' spectra, then per chunk the source's
 * spectra, one product per frequency with the filters (wb), and the destination cropped out
 * of the inverse transform, plus bias b when b.mem. */
static an_status run_conv(an_dev *d, const an_conv_shape *s, an_buf ws, size_t ws_floats,
                          int dx, an_buf from, an_buf w, an_buf b, an_buf to) {
    fft_layout l;
    size_t base;
    AN_TRY(plan_chunks(d, s, ws, ws_floats, &l, &base));
    int cg = s->c / s->groups, kg = s->k / s->groups;
    fft_side src = dx ? output_side(s, &l) : input_side(s, &l);
    fft_side dst = dx ? input_side(s, &l) : output_side(s, &l);
    int si = src.planes / s->groups, di = dst.planes / s->groups;
    cmac_op wb = {l.filt, kg * cg, dx ? cg : 1, dx ? 1 : cg, dx ? 1.0f : -1.0f};
    AN_TRY(weight_spectra(d, s, &l, w, ws, base));
    for (int n0 = 0; n0 < s->n; n0 += l.nb) {
        int cnt = s->n - n0 < l.nb ? s->n - n0 : l.nb;
        AN_TRY(side_spectra(d, &l, src, from, n0, cnt, ws, base));
        cmac_op a = {src.at, si, src.planes, 1, 1.0f}, o = {dst.at, di, dst.planes, 1, 1.0f};
        AN_TRY(cmac(d, &l, ws, base, s->groups, cnt, di, si, a, wb, o, 0));
        AN_TRY(transform(d, &l, 1, (size_t)cnt * dst.planes, ws, base, dst.at, l.real));
        AN_TRY(crop(d, &l, ws, base, l.real, an_buf_at(to, (size_t)n0 * side_floats(dst)),
                    cnt * dst.planes, dst.h, dst.w, dst.pad, b, dst.planes));
    }
    return AN_OK;
}

an_status an_conv_fft_forward(an_dev *d, const an_conv_shape *s, an_buf x, an_buf w, an_buf b,
                              an_buf y, an_buf ws, size_t ws_floats) {
    return run_conv(d, s, ws, ws_floats, 0, x, w, b, y);
}

an_status an_conv_fft_backward_data(an_dev *d, const an_conv_shape *s, an_buf w, an_buf dy,
                                    an_buf dx, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    return run_conv(d, s, ws, ws_floats, 1, dy, w, none, dx);
}

an_status an_conv_fft_backward_weights(an_dev *d, const an_conv_shape *s, an_buf x, an_buf dy,
                                       an_buf dw, an_buf ws, size_t ws_floats) {
    fft_layout l;
    size_t base;
    AN_TRY(plan_chunks(d, s, ws, ws_floats, &l, &base));
    int cg = s->c / s->groups, kg = s->k / s->groups;
    an_buf none = {NULL, 0};
    for (int n0 = 0; n0 < s->n; n0 += l.nb) {
        int cnt = s->n - n0 < l.nb ? s->n - n0 : l.nb;
        AN_TRY(side_spectra(d, &l, input_side(s, &l), x, n0, cnt, ws, base));
        AN_TRY(side_spectra(d, &l, output_side(s, &l), dy, n0, cnt, ws, base));
        cmac_op dya = {l.out, kg, 1, s->k, -1.0f}, xb = {l.in, cg, s->c, 1, 1.0f},
                dwo = {l.filt, kg * cg, cg, 1, 1.0f};
        AN_TRY(cmac(d, &l, ws, base, s->groups, kg, cg, cnt, dya, xb, dwo, n0 > 0));
    }
    int kcg = s->k * cg;
    AN_TRY(transform(d, &l, 1, (size_t)kcg, ws, base, l.filt, l.real));
    return crop(d, &l, ws, base, l.real, dw, kcg, s->kh, s->kw, 0, none, 1);
}
