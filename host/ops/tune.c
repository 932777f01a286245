/* host/ops/tune.c - the convolution auto-tuner (see tune.h): the candidates, timing them on
 * random inputs, checking their results against exact values (tune_accuracy.c) and the error of
 * the reference candidate (im2col), and running a direction with a chosen algorithm and GEMM
 * backend. The cache is tune_cache.c. */
#include "ops/tune.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/conv_fftgemm.h"
#include "ops/conv_winograd.h"
#include "ops/tune_accuracy.h"
#include "ops/tune_cache.h"
#include "ops/tune_limits.h"
#include "util/clock.h"

#define TUNE_REPS 3     /* timed repetitions after the untimed warm-up call (best kept) */
#define TUNE_PASSES 3   /* rounds over the candidates (each keeps its best over all) */
#define TUNE_SLOW_X 3.0 /* a repetition this many times the best so far ends the candidate */
/* A candidate may err at most this many times what the reference candidate (im2col, a float32
 * GEMM) errs on the same inputs: the forward less, since ReLU and max-pooling downstream turn
 * its rounding into a different gradient wherever two values nearly tie (the golden test of
 * caffenet flipped a pool2 window with conv2's forward at 2.9x), while a gradient's rounding
 * only propagates linearly. Measured with `alexnet tune --net alexnet --batch 2 --train`
 * (docs/CONV.md): F(2x2, 3x3) errs 0.5-1.7x, direct 1-4.6x, F(4x4, 3x3) and the 5x5 tiles
 * 2-18x im2col. */
#define TUNE_ACCURACY_FWD_X 2.0
#define TUNE_ACCURACY_GRAD_X 3.0
/* A model that never trains has no gradient for a flipped pool window to misdirect: its forward's
 * rounding reaches the output through ReLU and max-pooling, which pass a difference on no larger
 * than it came. F(4x4, 3x3) and F(3x3, 5x5) forwards err 4.9-8.2x im2col on AlexNet's layers (4
 * bits of the 24 leave room for the sampling's spread), and with them in conv2-5 the logits and
 * features stay as close to PyTorch's float64 as im2col's do (docs/CONV.md, "Inference"). */
#define TUNE_ACCURACY_INFER_X 16.0
#define TUNE_MARGIN 0.95 /* another candidate wins only if it takes under 95% of the reference */

/* The algorithms the tuner tries, in order (the first is the reference), and whether each runs
 * on an_gemm (then it is tried once per GEMM backend). A new algorithm joins with one line. */
static const struct {
    an_conv_algo algo;
    int gemm;
} conv_algos[] = {
    {AN_CONV_IM2COL, 1},
    {AN_CONV_DIRECT, 0},
    {AN_CONV_FFT, 0},
    {AN_CONV_WINOGRAD, 1},
    {AN_CONV_WINOGRAD2, 1}, /* only where the default tile is larger (else the same) */
    {AN_CONV_FFTGEMM, 1},
};
#define N_ALGOS ((int)(sizeof conv_algos / sizeof *conv_algos))

static const an_gemm_backend gemm_backends[] = {AN_GEMM_OWN, AN_GEMM_CLBLAST};

void an_tune_set_mode(an_dev *d, int mode) { d->tune_mode = mode; }

int an_tune_mode(const an_dev *d) {
    if (d && d->tune_mode != AN_TUNE_MODE_ENV) return d->tune_mode;
    const char *e = getenv("ALEXNET_TUNE");
    if (e && (strcmp(e, "off") == 0 || strcmp(e, "0") == 0)) return AN_TUNE_MODE_OFF;
    if (e && strcmp(e, "retune") == 0) return AN_TUNE_MODE_RETUNE;
    return AN_TUNE_MODE_ON;
}

const char *an_tune_dir_name(an_tune_dir dir) {
    switch (dir) {
    case AN_TUNE_FORWARD: return "fwd";
    case AN_TUNE_BACKWARD_DATA: return "bwd-data";
    case AN_TUNE_BACKWARD_WEIGHTS: return "bwd-weights";
    case AN_TUNE_INFERENCE: return "fwd-infer";
    default: return "?";
    }
}

const char *an_tune_source_name(an_tune_source src) {
    switch (src) {
    case AN_TUNE_FORCED: return "forced";
    case AN_TUNE_RULE: return "rule";
    case AN_TUNE_TIMED: return "timed";
    case AN_TUNE_CACHED: return "cache";
    default: return "?";
    }
}

static int uses_gemm(an_conv_algo a) {
    for (int i = 0; i < N_ALGOS; i++)
        if (conv_algos[i].algo == a) return conv_algos[i].gemm;
    return 0;
}

void an_conv_choice_name(an_conv_choice c, char *buf, size_t cap) {
    if (uses_gemm(c.algo) && c.gemm != AN_GEMM_AUTO)
        snprintf(buf, cap, "%s+%s", an_conv_algo_name(c.algo), an_gemm_backend_name(c.gemm));
    else
        snprintf(buf, cap, "%s", an_conv_algo_name(c.algo));
}

int an_conv_choice_parse(const char *name, an_conv_choice *c) {
    char algo[32];
    const char *plus = strchr(name, '+');
    size_t n = plus ? (size_t)(plus - name) : strlen(name);
    if (n >= sizeof algo) return 0;
    memcpy(algo, name, n);
    algo[n] = 0;
    for (int i = 0; i < N_ALGOS; i++) {
        if (strcmp(algo, an_conv_algo_name(conv_algos[i].algo)) != 0) continue;
        c->algo = conv_algos[i].algo;
        c->gemm = AN_GEMM_AUTO;
        if (!plus) return 1;
        for (size_t b = 0; conv_algos[i].gemm && b < sizeof gemm_backends / sizeof *gemm_backends;
             b++)
            if (strcmp(plus + 1, an_gemm_backend_name(gemm_backends[b])) == 0) {
                c->gemm = gemm_backends[b];
                return 1;
            }
        return 0;
    }
    return 0;
}

int an_conv_choice_eq(an_conv_choice a, an_conv_choice b) {
    return a.algo == b.algo && (a.gemm == b.gemm || !uses_gemm(a.algo));
}

/* ALEXNET_TUNE_CANDIDATES=name,name,...: 1 when c is listed. Unset: every candidate, except on
 * CPU devices fft and (unless ALEXNET_GEMM fixes it) the +clblast ones, which lost there by
 * 3-80x on every AlexNet layer and cost minutes to try (CLBlast's first call and clFFT's plans
 * are compiled, not cached on disk). */
static an_status listed(const an_dev *d, an_conv_choice c, an_gemm_backend fixed, int *yes) {
    const char *e = getenv("ALEXNET_TUNE_CANDIDATES");
    *yes = 1;
    if (!e || !*e) {
        if (d->info.type & CL_DEVICE_TYPE_CPU)
            *yes = c.algo != AN_CONV_FFT && (fixed != AN_GEMM_AUTO || c.gemm != AN_GEMM_CLBLAST);
        return AN_OK;
    }
    char buf[512], name[64];
    snprintf(buf, sizeof buf, "%s", e);
    an_conv_choice_name(c, name, sizeof name);
    *yes = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        an_conv_choice p;
        if (!an_conv_choice_parse(t, &p))
            return an_error(AN_ERR_INVALID_ARG, "ALEXNET_TUNE_CANDIDATES: \"%s\" is not a "
                            "convolution choice (im2col+own, im2col+clblast, direct, fft, "
                            "winograd+own, ...)", t);
        if (an_conv_choice_eq(p, c) || (p.algo == c.algo && p.gemm == AN_GEMM_AUTO)) *yes = 1;
    }
    return AN_OK;
}

an_status an_conv_tune_candidates(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                                  an_tune_result *out) {
    (void)dir; /* every algorithm has all three directions */
    memset(out, 0, sizeof *out);
    an_gemm_backend fixed;
    AN_TRY(an_gemm_backend_fixed(d, &fixed));
    for (int i = 0; i < N_ALGOS; i++) {
        an_conv_algo a = conv_algos[i].algo;
        if (an_conv_algo_resolve(d, s, a) != a) continue; /* e.g. FFT with stride 4 */
        if (a == AN_CONV_WINOGRAD2 && an_conv_winograd_default_m(s) == 2) continue;
        if (a == AN_CONV_FFTGEMM && !an_conv_fftgemm_pays(s)) continue;
        int nb = conv_algos[i].gemm && fixed == AN_GEMM_AUTO
                     ? (int)(sizeof gemm_backends / sizeof *gemm_backends) : 1;
        for (int b = 0; b < nb && out->ncand < AN_TUNE_MAX_CANDIDATES; b++) {
            an_conv_choice c = {a, AN_GEMM_AUTO};
            if (conv_algos[i].gemm) c.gemm = fixed != AN_GEMM_AUTO ? fixed : gemm_backends[b];
            int yes;
            AN_TRY(listed(d, c, fixed, &yes));
            if (yes && an_tune_fits_limits(d, s, c, NULL, 0)) out->cand[out->ncand++] = c;
        }
    }
    return AN_OK;
}

double an_tune_accuracy_factor(an_tune_dir dir) {
    return dir == AN_TUNE_INFERENCE ? TUNE_ACCURACY_INFER_X
           : dir == AN_TUNE_FORWARD ? TUNE_ACCURACY_FWD_X : TUNE_ACCURACY_GRAD_X;
}

void an_tune_counts(const an_dev *devs, int ndev, unsigned long *timed, unsigned long *read) {
    *timed = *read = 0;
    for (int i = 0; i < ndev; i++) {
        *timed += devs[i].tune_timed;
        *read += devs[i].tune_read;
    }
}

void an_tune_forget(void) { an_tune_cache_forget(); }

void an_tune_inject_fault(an_dev *d, an_conv_choice c, int wrong) {
    d->tune_fault[0] = (int)c.algo;
    d->tune_fault[1] = (int)c.gemm;
    d->tune_fault[2] = wrong;
}

an_status an_conv_forward_choice(an_dev *d, const an_conv_shape *s, an_conv_choice c, an_buf x,
                                 an_buf w, an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    an_gemm_backend prev = an_gemm_prefer(d, c.gemm);
    an_status st = an_conv_forward(d, s, c.algo, x, w, b, y, ws, ws_floats);
    an_gemm_prefer(d, prev);
    return st;
}

size_t an_conv_choice_filter_floats(an_dev *d, const an_conv_shape *s, an_conv_choice c) {
    int m = an_conv_winograd_tile(c.algo);
    if (m < 0) return 0;
    an_gemm_backend prev = an_gemm_prefer(d, c.gemm);
    size_t n = an_conv_winograd_filter_floats(d, s, m);
    an_gemm_prefer(d, prev);
    return n;
}

an_status an_conv_choice_transform_filters(an_dev *d, const an_conv_shape *s, an_conv_choice c,
                                           an_buf w, an_buf u) {
    int m = an_conv_winograd_tile(c.algo);
    if (m < 0) return an_error(AN_ERR_INVALID_ARG, "conv: transformed filters are Winograd's only");
    an_gemm_backend prev = an_gemm_prefer(d, c.gemm);
    an_status st = an_conv_winograd_transform_filters(d, s, m, w, u);
    an_gemm_prefer(d, prev);
    return st;
}

an_status an_conv_forward_choice_transformed(an_dev *d, const an_conv_shape *s, an_conv_choice c,
                                            an_buf x, an_buf u, an_buf b, an_buf y, an_buf ws,
                                            size_t ws_floats) {
    int m = an_conv_winograd_tile(c.algo);
    if (m < 0) return an_error(AN_ERR_INVALID_ARG, "conv: transformed filters are Winograd's only");
    an_gemm_backend prev = an_gemm_prefer(d, c.gemm);
    an_status st = an_conv_winograd_forward_transformed(d, s, m, x, u, b, y, ws, ws_floats);
    an_gemm_prefer(d, prev);
    return st;
}

an_status an_conv_backward_choice(an_dev *d, const an_conv_shape *s, an_conv_choice cd,
                                  an_conv_choice cw, an_buf x, an_buf w, an_buf dy, an_buf dx,
                                  an_buf dw, an_buf db, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    an_gemm_backend prev = an_gemm_prefer(d, cd.gemm);
    an_status st = AN_OK;
    if (an_conv_choice_eq(cd, cw)) {
        st = an_conv_backward(d, s, cd.algo, x, w, dy, dx, dw, db, ws, ws_floats);
    } else {
        if (dx.mem) st = an_conv_backward(d, s, cd.algo, x, w, dy, dx, none, none, ws, ws_floats);
        an_gemm_prefer(d, cw.gemm);
        if (st == AN_OK && (dw.mem || db.mem))
            st = an_conv_backward(d, s, cw.algo, x, w, dy, none, dw, db, ws, ws_floats);
    }
    an_gemm_prefer(d, prev);
    return st;
}

/* The tensors of one timing run, filled with uniform random numbers in [-1, 1). */
typedef struct tune_bufs {
    cl_mem m[7];
    an_buf x, w, b, y, dy, dx, dw;
    size_t nx, nw, ny;
    float *host[5]; /* x, w, b, y, dy as written to the device: the exact results' inputs */
} tune_bufs;

static void free_bufs(tune_bufs *t) {
    for (int i = 0; i < 7; i++) an_free(&t->m[i]);
    for (int i = 0; i < 5; i++) free(t->host[i]);
}

/* Floats of the seven tensors of tune_bufs, in its order; the first five have host copies. */
static void tensor_counts(const an_conv_shape *s, size_t count[7]) {
    size_t nx = (size_t)s->n * s->c * s->h * s->w;
    size_t nw = (size_t)s->k * (s->c / s->groups) * s->kh * s->kw;
    size_t ny = (size_t)s->n * s->k * an_conv_oh(s) * an_conv_ow(s);
    const size_t c[7] = {nx, nw, (size_t)s->k, ny, ny, nx, nw};
    memcpy(count, c, sizeof c);
}

int an_tune_fits_memory(const an_dev *d, const an_conv_shape *s, size_t room, char *why,
                        size_t cap) {
    size_t count[7];
    tensor_counts(s, count);
    double largest = 0, need = 0; /* bytes: the largest tensor; all of them and the host's */
    for (int i = 0; i < 7; i++) {
        double b = (double)count[i] * sizeof(float);
        if (b > largest) largest = b;
        need += i < 5 ? 2 * b : b;
    }
    if (largest > (double)d->info.max_alloc) {
        if (why)
            snprintf(why, cap, "its tensors of up to %.1f GiB are over the largest buffer, "
                     "%.1f GiB", largest / 1073741824.0, (double)d->info.max_alloc / 1073741824.0);
        return 0;
    }
    if (need > (double)room / 2) {
        if (why)
            snprintf(why, cap, "its tensors and their host copies, %.1f GiB, are over half of "
                     "the %.1f GiB of %s's memory free", need / 1073741824.0,
                     (double)room / 1073741824.0, d->info.name);
        return 0;
    }
    return 1;
}

static an_status make_bufs(an_dev *d, const an_conv_shape *s, tune_bufs *t) {
    memset(t, 0, sizeof *t);
    size_t count[7];
    tensor_counts(s, count);
    t->nx = count[0];
    t->nw = count[1];
    t->ny = count[3];
    const char *const names[7] = {"tune x", "tune w", "tune b", "tune y", "tune dy", "tune dx",
                                  "tune dw"};
    uint64_t r = 0x2545f4914f6cdd1dull;
    an_status st = AN_OK;
    for (int i = 0; i < 7 && st == AN_OK; i++) {
        st = an_alloc(d, names[i], count[i] * sizeof(float), &t->m[i]);
        if (i >= 5) { /* dx and dw: outputs only */
            if (st == AN_OK) st = an_fill(d, (an_buf){t->m[i], 0}, NAN, count[i]);
            continue;
        }
        float *host = t->host[i] = malloc(count[i] * sizeof *host);
        if (!host && st == AN_OK) st = an_error(AN_ERR_NOMEM, "out of host memory for tuning");
        for (size_t j = 0; j < count[i] && st == AN_OK; j++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            host[j] = (float)((double)(r >> 40) / (double)(1ull << 23) - 1.0);
        }
        if (st == AN_OK) st = an_write(d, (an_buf){t->m[i], 0}, host, count[i]);
    }
    if (st != AN_OK) {
        free_bufs(t);
        return st;
    }
    an_buf *b[7] = {&t->x, &t->w, &t->b, &t->y, &t->dy, &t->dx, &t->dw};
    for (int i = 0; i < 7; i++) *b[i] = (an_buf){t->m[i], 0};
    return AN_OK;
}

static an_buf out_of(const tune_bufs *t, an_tune_dir dir, size_t *count) {
    int fwd = an_tune_is_forward(dir);
    *count = fwd ? t->ny : dir == AN_TUNE_BACKWARD_DATA ? t->nx : t->nw;
    return fwd ? t->y : dir == AN_TUNE_BACKWARD_DATA ? t->dx : t->dw;
}

static an_status run_once(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_conv_choice c,
                          const tune_bufs *t, an_buf ws, size_t wsf) {
    an_buf none = {NULL, 0};
    an_conv_choice fault = {(an_conv_algo)d->tune_fault[0], (an_gemm_backend)d->tune_fault[1]};
    int faulty = fault.algo != AN_CONV_AUTO && an_conv_choice_eq(c, fault);
    if (faulty && !d->tune_fault[2])
        return an_error(AN_ERR_INTERNAL, "tune: fault injected into this candidate");
    an_status st;
    if (an_tune_is_forward(dir))
        st = an_conv_forward_choice(d, s, c, t->x, t->w, t->b, t->y, ws, wsf);
    else if (dir == AN_TUNE_BACKWARD_DATA)
        st = an_conv_backward_choice(d, s, c, c, t->x, t->w, t->dy, t->dx, none, none, ws, wsf);
    else
        st = an_conv_backward_choice(d, s, c, c, t->x, t->w, t->dy, none, t->dw, none, ws, wsf);
    if (st == AN_OK && faulty) {
        size_t n;
        an_buf o = out_of(t, dir, &n);
        st = an_fill(d, o, 0.5f, n);
    }
    return st;
}

/* Time candidate i of r into r->ms[i], after checking its warm-up's output against the exact
 * values of probe: r->err[i] is its error as a multiple of *ref_err, the reference candidate's
 * (set by the first candidate, im2col, when it is right). best: the fastest so far (0: none). */
static an_status time_candidate(an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                                an_tune_result *r, int i, const tune_bufs *t,
                                const an_tune_probe *probe, double *ref_err, float *got,
                                double best) {
    an_conv_choice c = r->cand[i];
    size_t wsf = an_conv_workspace_floats(d, s, c.algo), n;
    cl_mem wsm = NULL;
    an_buf o = out_of(t, dir, &n);
    r->ms[i] = AN_TUNE_FAILED;
    an_status st = wsf ? an_alloc(d, "tune workspace", wsf * sizeof(float), &wsm) : AN_OK;
    an_buf ws = {wsm, 0};
    /* The workspace written once before the warm-up, so that the pages' first touch (a fresh
     * allocation each pass) is not timed: the model's workspace stays allocated, and on a VM
     * the faults cost fftgemm's large workspace its place among the timed candidates (a
     * warm-up past TUNE_SLOW_X of the best is all that gets timed). */
    if (st == AN_OK && wsm) st = an_fill(d, ws, 0.0f, wsf);
    if (st == AN_OK) st = an_fill(d, o, NAN, n);
    if (st == AN_OK) st = an_finish(d);
    /* The warm-up's device time, builds excluded: it can only understate the wall time. */
    if (st == AN_OK) st = an_profile_start(d);
    if (st == AN_OK) st = run_once(d, s, dir, c, t, ws, wsf);
    if (st == AN_OK) st = an_read(d, o, got, n); /* waits */
    double warm_ms = 0;
    an_profile_row *rows = NULL;
    int nrows = 0;
    if (st == AN_OK) st = an_profile_collect(d, &rows, &nrows);
    for (int k = 0; k < nrows; k++) warm_ms += rows[k].ms;
    free(rows);
    an_profile_stop(d);
    if (st == AN_OK) {
        double e = an_tune_probe_error(probe, got, n);
        if (i == 0 && e <= an_tune_probe_bound(probe)) *ref_err = e;
        /* No reference error (im2col failed, or only one backend listed without it): a float32
         * dot product's typical error, 2^-24 sqrt(terms) of the sum of |terms|. */
        double base = *ref_err > 0 ? *ref_err : 0x1p-24 * sqrt((double)probe->terms);
        r->err[i] = e / base;
        if (!(e <= an_tune_probe_bound(probe))) {
            r->ms[i] = AN_TUNE_WRONG;
            st = AN_ERR_FORMAT;
        } else if (i > 0 && e > an_tune_accuracy_factor(dir) * base) {
            r->ms[i] = AN_TUNE_INACCURATE;
            st = AN_ERR_FORMAT;
        }
    }
    if (st == AN_OK && best > 0 && warm_ms > TUNE_SLOW_X * best) {
        r->ms[i] = warm_ms; /* too slow already on the device: not worth timing runs */
    } else if (st == AN_OK) { /* the warm-up built the kernels; now the runs themselves */
        double ms = 0;
        for (int rep = 0; rep < TUNE_REPS && st == AN_OK; rep++) {
            double t1 = an_now_s();
            st = run_once(d, s, dir, c, t, ws, wsf);
            if (st == AN_OK) st = an_finish(d);
            double dt = 1e3 * (an_now_s() - t1);
            if (st == AN_OK && (rep == 0 || dt < ms)) ms = dt;
            if (best > 0 && ms > TUNE_SLOW_X * best) break;
        }
        if (st == AN_OK) r->ms[i] = ms;
    }
    an_free(&wsm);
    if (st != AN_OK) {
        an_error_clear();
        clFinish(d->q);
    }
    return AN_OK;
}

static void shape_text(const an_conv_shape *s, char *buf, size_t cap) {
    snprintf(buf, cap, "n%d c%d %dx%d k%d %dx%d/%d pad %d g%d", s->n, s->c, s->h, s->w, s->k,
             s->kh, s->kw, s->stride, s->pad, s->groups);
}

static an_status time_all(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_tune_progress fn,
                          void *ctx, an_tune_result *r) {
    tune_bufs t;
    AN_TRY(make_bufs(d, s, &t));
    size_t most = t.nx > t.ny ? t.nx : t.ny;
    if (t.nw > most) most = t.nw;
    float *got = malloc(most * sizeof *got);
    an_status st = got ? AN_OK : an_error(AN_ERR_NOMEM, "out of host memory for tuning");
    an_tune_probe probe = {0};
    double ref_err = 0;
    if (st == AN_OK)
        st = an_tune_probe_make(s, dir, t.host[0], t.host[1], t.host[2], t.host[4], &probe);
    char sh[96], name[64], line[256];
    shape_text(s, sh, sizeof sh);
    /* Round-robin passes over the candidates: a burst of other work on a shared machine outlasts
     * a candidate's few milliseconds of runs, and with one pass it once made conv3's bwd-data
     * pick im2col at 3.5 ms over Winograd at 2.0 ms (alexnet-fmnist, batch 64, PoCL; conv4 has
     * the same shape: four launches a step, about 10 % of it). Later passes time every
     * candidate that ran again (one slowed by the burst past TUNE_SLOW_X of the best got only
     * its warm-up timed), each keeping its best; one that fails or disagrees with the reference
     * in any pass is out. best: the fastest so far, the yardstick of TUNE_SLOW_X. */
    double best = 0;
    for (int pass = 0; pass < TUNE_PASSES && st == AN_OK; pass++) {
        for (int i = 0; i < r->ncand && st == AN_OK; i++) {
            double before = r->ms[i], t0 = an_now_s();
            if (pass > 0 && before < 0) continue;
            st = time_candidate(d, s, dir, r, i, &t, &probe, &ref_err, got, best);
            if (pass > 0 && r->ms[i] > before) r->ms[i] = before;
            double ms = r->ms[i];
            if (ms >= 0 && (best == 0 || ms < best)) best = ms;
            if (pass > 0 || !fn || st != AN_OK) continue;
            an_conv_choice_name(r->cand[i], name, sizeof name);
            if (ms >= 0)
                snprintf(line, sizeof line, "tune %s %s: %s %.3f ms (%.1f s)", sh,
                         an_tune_dir_name(dir), name, ms, an_now_s() - t0);
            else if (ms == AN_TUNE_INACCURATE)
                snprintf(line, sizeof line, "tune %s %s: %s errs %.1fx im2col (over %.0fx), "
                         "skipped", sh, an_tune_dir_name(dir), name, r->err[i],
                         an_tune_accuracy_factor(dir));
            else
                snprintf(line, sizeof line, "tune %s %s: %s %s, skipped", sh,
                         an_tune_dir_name(dir), name, ms == AN_TUNE_WRONG ? "wrong" : "failed");
            fn(ctx, line);
        }
    }
    int pick = -1;
    for (int i = 0; i < r->ncand; i++)
        if (r->ms[i] >= 0 && (pick < 0 || r->ms[i] < r->ms[pick])) pick = i;
    free(got);
    an_tune_probe_free(&probe);
    free_bufs(&t);
    AN_TRY(st);
    /* Timing noise should not move a layer off the reference (today's rule) for nothing. */
    if (pick > 0 && r->ms[0] >= 0 && r->ms[pick] > TUNE_MARGIN * r->ms[0]) pick = 0;
    if (pick < 0)
        return an_error(AN_ERR_UNSUPPORTED, "tune: no convolution algorithm ran correctly for "
                        "%s %s on %s", sh, an_tune_dir_name(dir), d->info.name);
    r->choice = r->cand[pick];
    r->source = AN_TUNE_TIMED;
    return AN_OK;
}

/* The candidates into r, then the cache's choice into out (*found), counted as a read. */
static an_status lookup(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_tune_result *r,
                        an_tune_result *out, int *found) {
    *found = 0;
    AN_TRY(an_conv_check(s));
    AN_TRY(an_conv_tune_candidates(d, s, dir, r));
    if (r->ncand == 0) return AN_OK;
    AN_TRY(an_tune_cache_lookup(d, s, dir, r, an_tune_mode(d) == AN_TUNE_MODE_RETUNE, out,
                                found));
    if (*found) d->tune_read++;
    return AN_OK;
}

an_status an_conv_tune_cached(an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                              an_tune_result *out, int *found) {
    an_tune_result r;
    return lookup(d, s, dir, &r, out, found);
}

an_status an_conv_tune(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_tune_progress fn,
                       void *ctx, an_tune_result *out) {
    an_tune_result r;
    int found;
    AN_TRY(lookup(d, s, dir, &r, out, &found));
    if (r.ncand == 0)
        return an_error(AN_ERR_INVALID_ARG, "tune: no candidate algorithm for this shape (see "
                        "ALEXNET_TUNE_CANDIDATES and ALEXNET_GEMM)");
    if (found) return AN_OK;
    an_profile *prof = d->prof; /* keep the timing runs out of the caller's profile */
    d->prof = NULL;
    an_status st = an_finish(d);
    if (st == AN_OK) st = time_all(d, s, dir, fn, ctx, &r);
    d->prof = prof;
    AN_TRY(st);
    d->tune_timed++;
    *out = r;
    return an_tune_cache_store(d, s, dir, &r);
}

an_status an_conv_tune_put(an_dev *d, const an_conv_shape *s, an_tune_dir dir, an_conv_choice c) {
    AN_TRY(an_conv_check(s));
    an_tune_result r;
    AN_TRY(an_conv_tune_candidates(d, s, dir, &r));
    int k = -1;
    for (int i = 0; i < r.ncand; i++) {
        r.ms[i] = AN_TUNE_FAILED;
        if (an_conv_choice_eq(r.cand[i], c)) k = i;
    }
    char name[64];
    an_conv_choice_name(c, name, sizeof name);
    if (k < 0)
        return an_error(AN_ERR_INVALID_ARG, "tune: %s is not a candidate for this shape on %s",
                        name, d->info.name);
    r.ms[k] = 0;
    r.choice = r.cand[k];
    r.source = AN_TUNE_CACHED;
    return an_tune_cache_store(d, s, dir, &r);
}
