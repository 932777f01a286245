/* host/ops/conv_winograd.c - Winograd convolution (AN_CONV_WINOGRAD), F(m x m, r x r) for stride 1
 * and square 3x3 or 5x5 kernels (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural
 * Networks").
 *
 * The output is cut into m x m tiles (th x tw per image, the last ones overhanging the edge);
 * each needs an a x a input tile, a = m + r - 1, starting m apart. Per tile, channel pair and
 * transform point xi (a^2 of them): U = G g G^T (filters), V = B^T d B (inputs), and the output
 * tile is y = A^T M A with M[xi] = sum over input channels of U[xi] V[xi]: for each point and
 * group one GEMM (k/groups x tiles, summing c/groups), issued as one an_gemm_batched over the
 * points per group. The three gradients reuse the same pieces:
 *   dx: the forward from dy (k channels, oh x ow, padding r - 1 - pad) to dx (c channels, h x w)
 *       with the filters turned by 180 degrees and their channels swapped (wino_filter, flip).
 *   dw: transposing y = A^T[U .* V]A gives dU[xi] = sum over tiles of Z[xi] V[xi]^T with
 *       Z = A dy A^T (wino_dy), one GEMM per point and group summing over the tiles (NT), and
 *       dw = G^T dU G (wino_filter_grad). Tiles overhanging the output see dy = 0 there.
 *
 * Transform matrices come from the Cook-Toom construction with interpolation points 0, 1, -1, 1/2,
 * -2, 2 (the first a - 1 of them) and infinity (for a = 6, {0, 1, -1, 1/2, -2} errs about half as
 * much as {0, 1, -1, 2, -2}: `alexnet tune --net alexnet --batch 2 --train`, docs/CONV.md): A^T[i][j] = p_j^i, G[j][k] = p_j^k / f_j with
 * f_j = prod over l != j of (p_j - p_l), row j of B^T the coefficients of
 * prod over l != j of (x - p_l); the point at infinity adds A^T's last column e_(m-1), G's last row
 * e_(r-1) and B^T's last row, the coefficients of prod over all l of (x - p_l). They are computed
 * in double and reach cl/winograd.cl as -D initialiser lists.
 *
 * Workspace: [filters' transform a^2 k c/groups][inputs' transform a^2 cin P][products
 * a^2 cout P], P = images of a chunk x tiles per image; cin, cout are c, k (forward, dw: the
 * products region holds Z) or k, c (dx). */
#include "ops/conv_winograd.h"

#include <limits.h>
#include <stdio.h>

#include "ops/gemm.h"
#include "ops/opargs.h"

#define WINO_WS_CAP ((size_t)64 << 20) /* floats: 256 MB */
#define WINO_AMAX 7                     /* largest a: F(3, 5) */
/* Floats of a chunk's transformed inputs and products: the chunk's images are cut so that these
 * stay near the size of a CPU's last-level cache, where the output transform reads the GEMM's
 * products. conv2 of alexnet-owt at batch 32 (4 MB per image) ran 0.80-0.89x as long with 8
 * images per chunk as with 32; conv3-5 (1.3-1.5 MB per image) were unchanged (`alexnet bench
 * --kernels`, both interleaved in one process). */
#define WINO_CHUNK_FLOATS ((size_t)8 << 20)

static const double wino_points[WINO_AMAX - 1] = {0.0, 1.0, -1.0, 0.5, -2.0, 2.0};

int an_conv_winograd_has(int m, int r) {
    return (r == 3 && (m == 2 || m == 4)) || (r == 5 && (m == 2 || m == 3));
}

static int tiles_of(int n, int m) { return (n + m - 1) / m; }

/* The large tile (F(4,3), F(3,5)) unless the small one, F(2,r), needs no more transform points
 * per image: where the large tiles overhang the output as far as on 6x6 (F(4,3): 4 tiles of 36
 * points, F(2,3): 9 of 16), the GEMMs are the same size and the small tile's transforms are
 * cheaper (alexnet-fmnist-wide conv3-5, `test_conv_winograd --bench 64 fmnist`). */
int an_conv_winograd_default_m(const an_conv_shape *s) {
    int r = s->kh, big = r == 3 ? 4 : 3, oh = an_conv_oh(s), ow = an_conv_ow(s);
    long small_pts = (long)tiles_of(oh, 2) * tiles_of(ow, 2) * (r + 1) * (r + 1);
    long big_pts = (long)tiles_of(oh, big) * tiles_of(ow, big) * (big + r - 1) * (big + r - 1);
    return small_pts <= big_pts ? 2 : big;
}

int an_conv_winograd_tile(an_conv_algo a) {
    return a == AN_CONV_WINOGRAD ? 0 : a == AN_CONV_WINOGRAD2 ? 2 : -1;
}

int an_conv_winograd_applies(const an_conv_shape *s) {
    return s->stride == 1 && s->kh == s->kw && (s->kh == 3 || s->kh == 5);
}

an_status an_conv_winograd_matrices(int m, int r, double *bt, double *g, double *at) {
    if (!an_conv_winograd_has(m, r))
        return an_error(AN_ERR_UNSUPPORTED, "conv winograd: F(%dx%d, %dx%d) is not implemented "
                        "(F(2,3), F(4,3), F(2,5), F(3,5) are)", m, m, r, r);
    int a = m + r - 1, nf = a - 1;
    const double *p = wino_points;
    double all[WINO_AMAX + 1] = {1.0}; /* prod over all l of (x - p_l), low degree first */
    for (int l = 0; l < nf; l++)
        for (int i = l + 1; i >= 0; i--)
            all[i] = (i > 0 ? all[i - 1] : 0.0) - p[l] * all[i];
    for (int j = 0; j < nf; j++) {
        double q[WINO_AMAX + 1] = {1.0}, f = 1.0;
        int deg = 0;
        for (int l = 0; l < nf; l++) {
            if (l == j) continue;
            f *= p[j] - p[l];
            deg++;
            for (int i = deg; i >= 0; i--) q[i] = (i > 0 ? q[i - 1] : 0.0) - p[l] * q[i];
        }
        for (int i = 0; i < a; i++) bt[j * a + i] = i < nf ? q[i] : 0.0;
        double pw = 1.0;
        for (int i = 0; i < m || i < r; i++, pw *= p[j]) {
            if (i < m) at[i * a + j] = pw;
            if (i < r) g[j * r + i] = pw / f;
        }
    }
    for (int i = 0; i < a; i++) bt[nf * a + i] = all[i];
    for (int i = 0; i < m; i++) at[i * a + nf] = i == m - 1 ? 1.0 : 0.0;
    for (int i = 0; i < r; i++) g[nf * r + i] = i == r - 1 ? 1.0 : 0.0;
    return AN_OK;
}

/* One direction's geometry: the transformed input has cin channels of ih x iw, padded by pad
 * (negative: cropped), and the output cout channels of oh x ow in th x tw tiles. */
typedef struct wino_geom {
    int m, r, a, cin, cout, ih, iw, oh, ow, pad, th, tw;
    size_t a2, tiles, fixed, per; /* points, tiles per image; workspace floats: filters, image */
} wino_geom;

enum { WINO_FWD, WINO_DX };

static void geom_of(const an_conv_shape *s, int m, int dir, wino_geom *g) {
    g->m = m;
    g->r = s->kh;
    g->a = m + g->r - 1;
    g->a2 = (size_t)g->a * g->a;
    int fwd = dir == WINO_FWD;
    g->cin = fwd ? s->c : s->k;
    g->cout = fwd ? s->k : s->c;
    g->ih = fwd ? s->h : an_conv_oh(s);
    g->iw = fwd ? s->w : an_conv_ow(s);
    g->oh = fwd ? an_conv_oh(s) : s->h;
    g->ow = fwd ? an_conv_ow(s) : s->w;
    g->pad = fwd ? s->pad : g->r - 1 - s->pad;
    g->th = tiles_of(g->oh, m);
    g->tw = tiles_of(g->ow, m);
    g->tiles = (size_t)g->th * g->tw;
    g->fixed = g->a2 * (size_t)s->k * (size_t)(s->c / s->groups);
    g->per = g->a2 * (size_t)(s->c + s->k) * g->tiles;
}

static an_status pick_m(const an_conv_shape *s, int *m) {
    if (!an_conv_winograd_applies(s))
        return an_error(AN_ERR_UNSUPPORTED, "conv winograd: stride %d, kernel %dx%d; the "
                        "Winograd algorithm computes stride 1 with 3x3 or 5x5 kernels only "
                        "(use im2col)", s->stride, s->kh, s->kw);
    if (*m == 0) *m = an_conv_winograd_default_m(s);
    if (!an_conv_winograd_has(*m, s->kh))
        return an_error(AN_ERR_UNSUPPORTED, "conv winograd: F(%dx%d, %dx%d) is not implemented",
                        *m, *m, s->kh, s->kh);
    return AN_OK;
}

size_t an_conv_winograd_workspace_floats(const an_conv_shape *s, int m) {
    if (pick_m(s, &m) != AN_OK) return 0;
    wino_geom f, b;
    geom_of(s, m, WINO_FWD, &f);
    geom_of(s, m, WINO_DX, &b);
    size_t per = f.per > b.per ? f.per : b.per;
    size_t nb = WINO_WS_CAP > f.fixed ? (WINO_WS_CAP - f.fixed) / per : 1;
    if (nb > WINO_CHUNK_FLOATS / per) nb = WINO_CHUNK_FLOATS / per;
    if (nb < 1) nb = 1;
    if (nb > (size_t)s->n) nb = (size_t)s->n;
    return f.fixed + nb * per;
}

/* Images per chunk for this direction, with the workspace checked. */
static an_status chunk_images(const an_conv_shape *s, const wino_geom *g, an_buf ws,
                              size_t ws_floats, int *nb) {
    size_t need = g->fixed + g->per;
    if (ws_floats < need)
        return an_error(AN_ERR_INVALID_ARG, "conv winograd: workspace of %zu floats is smaller "
                        "than one image's need of %zu (see an_conv_workspace_floats)", ws_floats,
                        need);
    AN_TRY(op_check_buf("conv winograd", "workspace", ws, 0));
    /* the part of the workspace the kernels' 32-bit offsets reach */
    size_t room = ws_floats;
    if (ws.off + room > UINT_MAX) room = UINT_MAX - ws.off;
    if (room < need)
        return an_error(AN_ERR_UNSUPPORTED, "conv winograd: workspace past 2^32 floats");
    AN_TRY(op_check_buf_fits("conv winograd", "workspace", ws, room));
    size_t n = (room - g->fixed) / g->per, cache = WINO_CHUNK_FLOATS / g->per;
    if (n > cache) n = cache > 0 ? cache : 1;
    *nb = n > (size_t)s->n ? s->n : (int)n;
    return AN_OK;
}

/* The build options carrying F(m, r)'s matrices as float initialiser lists. */
static an_status options_of(const wino_geom *g, char *buf, size_t size) {
    double bt[WINO_AMAX * WINO_AMAX], gm[WINO_AMAX * 5], at[WINO_AMAX * 4];
    AN_TRY(an_conv_winograd_matrices(g->m, g->r, bt, gm, at));
    const double *mats[3] = {bt, gm, at};
    const char *names[3] = {"WBT", "WG", "WAT"};
    size_t counts[3] = {g->a2, (size_t)g->a * g->r, (size_t)g->m * g->a};
    int exact = g->oh % g->m == 0 && g->ow % g->m == 0;
    int len = snprintf(buf, size, "-DWM=%d -DWR=%d -DWEXACT=%d", g->m, g->r, exact);
    for (int i = 0; i < 3; i++) {
        len += snprintf(buf + len, size - (size_t)len, " -D%s=", names[i]);
        for (size_t j = 0; j < counts[i] && (size_t)len < size; j++)
            len += snprintf(buf + len, size - (size_t)len, "%s%.9ef", j ? "," : "",
                            (double)(float)mats[i][j]);
        if ((size_t)len >= size)
            return an_error(AN_ERR_INTERNAL, "conv winograd: build options too long");
    }
    return AN_OK;
}

/* Launch kernel `name` with arguments (d, in, in offset, out, out offset) over (g0, g1). */
static an_status launch_io(an_dev *d, const char *opts, const char *name, cl_int8 sh, an_buf in,
                           an_buf out, size_t g0, size_t g1) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "winograd", opts, name, &k));
    AN_TRY(OP_ARGS(k, OP_VAL(sh), OP_BUF(in), OP_BUF(out)));
    size_t gws[2] = {g0, g1};
    return an_launch(d, k, 2, gws, NULL);
}

static cl_int8 int8_of(int a, int b, int c, int e, int f, int g, int h) {
    cl_int8 v = {{a, b, c, e, f, g, h, 0}};
    return v;
}

/* The transformed filters of w into u: the forward's layout, or flipped for dx. */
static an_status filters(an_dev *d, const char *opts, const an_conv_shape *s, int flip, an_buf w,
                         an_buf u) {
    int cg = s->c / s->groups, kg = s->k / s->groups;
    size_t k = (size_t)s->k, c = (size_t)cg;
    return launch_io(d, opts, "wino_filter", int8_of(s->k, cg, kg, s->c, flip, 0, 0), w, u,
                     flip ? k : c, flip ? c : k);
}

/* Inputs' transform of cnt images from src into v. */
static an_status inputs(an_dev *d, const char *opts, const wino_geom *g, int cnt, an_buf src,
                        an_buf v) {
    int np = cnt * (int)g->tiles;
    return launch_io(d, opts, "wino_input",
                     int8_of(g->cin, g->ih, g->iw, g->pad, g->tw, g->th, np), src, v,
                     (size_t)np, (size_t)g->cin);
}

/* Output transform of the products mm (cnt images) into dst, plus bias when b.mem. */
static an_status outputs(an_dev *d, const char *opts, const wino_geom *g, int cnt, an_buf mm,
                         an_buf b, an_buf dst) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "winograd", opts, "wino_output", &k));
    int np = cnt * (int)g->tiles;
    cl_int8 sh = int8_of(g->cout, g->oh, g->ow, g->tw, g->th, np, b.mem != NULL);
    an_buf bb = b.mem ? b : dst; /* any valid buffer when there is no bias */
    AN_TRY(OP_ARGS(k, OP_VAL(sh), OP_BUF(mm), OP_BUF(bb), OP_BUF(dst)));
    size_t gws[2] = {(size_t)np, (size_t)g->cout};
    return an_launch(d, k, 2, gws, NULL);
}

/* The floats of one group's a^2 filter transforms (cout/groups x cin/groups each) packed for
 * the GEMM by an_gemm_prepack; u holds the groups one after the other. */
static size_t packed_group_floats(const an_dev *d, const an_conv_shape *s, const wino_geom *g) {
    return an_gemm_prepacked_floats(d, (size_t)(g->cout / s->groups),
                                    (size_t)(g->cin / s->groups), g->a2);
}

/* mm[xi] = u[xi] v[xi] per group over the a^2 points: cout/groups x P, summing cin/groups. u is
 * [xi][cout][cin/groups], or with prepacked each group's a^2 matrices as an_gemm_prepack left
 * them, one group after the other; v [xi][cin][P], mm [xi][cout][P]. */
static an_status products(an_dev *d, const an_conv_shape *s, const wino_geom *g, int cnt,
                          an_buf u, int prepacked, an_buf v, an_buf mm) {
    size_t np = (size_t)cnt * g->tiles, og = (size_t)(g->cout / s->groups);
    size_t ig = (size_t)(g->cin / s->groups);
    size_t packed = prepacked ? packed_group_floats(d, s, g) : 0;
    for (int grp = 0; grp < s->groups; grp++) {
        an_buf vg = an_buf_at(v, grp * ig * np), mg = an_buf_at(mm, grp * og * np);
        if (prepacked)
            AN_TRY(an_gemm_prepacked_batched(d, og, np, ig, 1.0f, an_buf_at(u, grp * packed), vg,
                                             np, (size_t)g->cin * np, 0.0f, mg, np,
                                             (size_t)g->cout * np, g->a2));
        else
            AN_TRY(an_gemm_batched(d, 0, 0, og, np, ig, 1.0f, an_buf_at(u, grp * og * ig), ig,
                                   (size_t)g->cout * ig, vg, np, (size_t)g->cin * np, 0.0f, mg,
                                   np, (size_t)g->cout * np, g->a2));
    }
    return AN_OK;
}

/* Every direction's set-up: the tile size, the geometry, the kernels' build options and how
 * many images a chunk of the workspace holds. */
static an_status plan(const an_conv_shape *s, int m, int dir, an_buf ws, size_t ws_floats,
                      wino_geom *g, char *opts, size_t cap, int *nb) {
    AN_TRY(pick_m(s, &m));
    geom_of(s, m, dir, g);
    AN_TRY(options_of(g, opts, cap));
    return chunk_images(s, g, ws, ws_floats, nb);
}

/* The forward's and dx's shared sequence: filters, then per chunk inputs, products, outputs.
 * pre.mem: the filters' transform is already there (an_conv_winograd_transform_filters'
 * layout), w is not read. */
static an_status run_conv(an_dev *d, const an_conv_shape *s, int m, int dir, an_buf src, an_buf w,
                          an_buf pre, an_buf b, an_buf dst, an_buf ws, size_t ws_floats) {
    wino_geom g;
    char opts[4096];
    int nb;
    AN_TRY(plan(s, m, dir, ws, ws_floats, &g, opts, sizeof opts, &nb));
    an_buf u = pre.mem ? pre : ws, v = an_buf_at(ws, g.fixed);
    an_buf mm = an_buf_at(v, g.a2 * (size_t)g.cin * (size_t)nb * g.tiles);
    size_t in_img = (size_t)g.cin * g.ih * g.iw, out_img = (size_t)g.cout * g.oh * g.ow;
    if (!pre.mem) AN_TRY(filters(d, opts, s, dir == WINO_DX, w, u));
    int prepacked = pre.mem && an_gemm_packed_runs(d);
    for (int n0 = 0; n0 < s->n; n0 += nb) {
        int cnt = s->n - n0 < nb ? s->n - n0 : nb;
        AN_TRY(inputs(d, opts, &g, cnt, an_buf_at(src, (size_t)n0 * in_img), v));
        AN_TRY(products(d, s, &g, cnt, u, prepacked, v, mm));
        AN_TRY(outputs(d, opts, &g, cnt, mm, b, an_buf_at(dst, (size_t)n0 * out_img)));
    }
    return AN_OK;
}

an_status an_conv_winograd_forward(an_dev *d, const an_conv_shape *s, int m, an_buf x, an_buf w,
                                   an_buf b, an_buf y, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    return run_conv(d, s, m, WINO_FWD, x, w, none, b, y, ws, ws_floats);
}

size_t an_conv_winograd_filter_floats(const an_dev *d, const an_conv_shape *s, int m) {
    if (pick_m(s, &m) != AN_OK) return 0;
    wino_geom g;
    geom_of(s, m, WINO_FWD, &g);
    return an_gemm_packed_runs(d) ? (size_t)s->groups * packed_group_floats(d, s, &g) : g.fixed;
}

an_status an_conv_winograd_transform_filters(an_dev *d, const an_conv_shape *s, int m, an_buf w,
                                             an_buf u) {
    wino_geom g;
    char opts[4096];
    AN_TRY(pick_m(s, &m));
    geom_of(s, m, WINO_FWD, &g);
    AN_TRY(options_of(&g, opts, sizeof opts));
    if (!an_gemm_packed_runs(d)) return filters(d, opts, s, 0, w, u);
    /* transformed into a scratch buffer, then each group's a^2 matrices packed into u */
    cl_mem tmp = NULL;
    AN_TRY(an_alloc(d, "Winograd filters to pack", g.fixed * sizeof(float), &tmp));
    an_buf t = {tmp, 0};
    size_t og = (size_t)(s->k / s->groups), ig = (size_t)(s->c / s->groups);
    size_t packed = packed_group_floats(d, s, &g);
    an_status st = filters(d, opts, s, 0, w, t);
    for (int grp = 0; st == AN_OK && grp < s->groups; grp++)
        st = an_gemm_prepack(d, og, ig, an_buf_at(t, grp * og * ig), ig, (size_t)s->k * ig,
                             g.a2, an_buf_at(u, grp * packed));
    an_free(&tmp); /* the queued launches keep it until they are done */
    return st;
}

an_status an_conv_winograd_forward_transformed(an_dev *d, const an_conv_shape *s, int m, an_buf x,
                                               an_buf u, an_buf b, an_buf y, an_buf ws,
                                               size_t ws_floats) {
    if (!u.mem) return an_error(AN_ERR_INVALID_ARG, "conv winograd: no transformed filters");
    an_buf none = {NULL, 0};
    return run_conv(d, s, m, WINO_FWD, x, none, u, b, y, ws, ws_floats);
}

an_status an_conv_winograd_backward_data(an_dev *d, const an_conv_shape *s, int m, an_buf w,
                                         an_buf dy, an_buf dx, an_buf ws, size_t ws_floats) {
    an_buf none = {NULL, 0};
    return run_conv(d, s, m, WINO_DX, dy, w, none, none, dx, ws, ws_floats);
}

an_status an_conv_winograd_backward_weights(an_dev *d, const an_conv_shape *s, int m, an_buf x,
                                            an_buf dy, an_buf dw, an_buf ws, size_t ws_floats) {
    wino_geom g;
    char opts[4096];
    int nb;
    AN_TRY(plan(s, m, WINO_FWD, ws, ws_floats, &g, opts, sizeof opts, &nb));
    an_buf du = ws, v = an_buf_at(ws, g.fixed);
    an_buf z = an_buf_at(v, g.a2 * (size_t)s->c * (size_t)nb * g.tiles);
    size_t chw = (size_t)s->c * s->h * s->w, kohw = (size_t)s->k * g.oh * g.ow;
    size_t cg = (size_t)(s->c / s->groups), kg = (size_t)(s->k / s->groups);
    for (int n0 = 0; n0 < s->n; n0 += nb) {
        int cnt = s->n - n0 < nb ? s->n - n0 : nb;
        size_t np = (size_t)cnt * g.tiles;
        AN_TRY(inputs(d, opts, &g, cnt, an_buf_at(x, (size_t)n0 * chw), v));
        AN_TRY(launch_io(d, opts, "wino_dy",
                         int8_of(s->k, g.oh, g.ow, g.tw, g.th, (int)np, 0),
                         an_buf_at(dy, (size_t)n0 * kohw), z, np, (size_t)s->k));
        for (int grp = 0; grp < s->groups; grp++)
            AN_TRY(an_gemm_batched(d, 0, 1, kg, cg, np, 1.0f, an_buf_at(z, grp * kg * np), np,
                                   (size_t)s->k * np, an_buf_at(v, grp * cg * np), np,
                                   (size_t)s->c * np, n0 == 0 ? 0.0f : 1.0f,
                                   an_buf_at(du, grp * kg * cg), cg, (size_t)s->k * cg, g.a2));
    }
    return launch_io(d, opts, "wino_filter_grad", int8_of(s->k, (int)cg, 0, 0, 0, 0, 0), du, dw,
                     cg, (size_t)s->k);
}
