/* host/net/filter_grid.c - kernels into tiles into panels into one image (filter_grid.h). */
#include "net/filter_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/layout.h"
#include "util/try.h"

static void conv_layers(const an_net *net, char *buf, size_t n) {
    buf[0] = 0;
    for (int i = 0; i < net->nlayers; i++) {
        if (net->layers[i].kind != AN_LAYER_CONV) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? ", " : "", net->layers[i].name);
    }
}

typedef struct geom {
    int tile, cols, rows, pw, ph; /* a tile's side; a panel's grid and size */
} geom;

/* Paint kernel o (C channels of k×k at w) with its top-left tile at (x0, y0). */
static void paint(an_grid_image *img, const float *w, int C, int k, int s, int colour,
                  const int *order, int x0, int y0, int tile_step) {
    size_t n = (size_t)C * k * k;
    float lo = w[0], hi = w[0];
    for (size_t i = 1; i < n; i++) {
        if (w[i] < lo) lo = w[i];
        if (w[i] > hi) hi = w[i];
    }
    double span = (double)hi - (double)lo;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < k * s; y++)
            for (int x = 0; x < k * s; x++) {
                float v = w[((size_t)c * k + (size_t)(y / s)) * k + (size_t)(x / s)];
                double u = span > 0 ? ((double)v - lo) / span * 255.0 : 128.0;
                uint8_t b = (uint8_t)lrint(u < 0 ? 0 : u > 255 ? 255 : u);
                int px = colour ? x0 + x : x0 + c * tile_step + x, py = y0 + y;
                size_t at = ((size_t)py * img->width + (size_t)px) * (size_t)img->channels;
                if (colour)
                    img->pixels[at + order[c]] = b;
                else
                    img->pixels[at] = b;
            }
}

an_status an_filter_grid(const an_net *net, const float *whole, const char *layer, int scale,
                         an_grid_image *out) {
    memset(out, 0, sizeof *out);
    char list[512];
    int li = an_net_find_layer(net, layer);
    if (li < 0 || net->layers[li].kind != AN_LAYER_CONV) {
        conv_layers(net, list, sizeof list);
        return an_error(AN_ERR_INVALID_ARG, "net %s has no conv layer named '%s' (its conv "
                        "layers: %s)", net->name, layer, list);
    }
    if (scale < 1 || scale > 64)
        return an_error(AN_ERR_INVALID_ARG, "scale %d: use 1..64", scale);
    const an_layer *L = &net->layers[li];
    const an_tensor *t = &net->tensors[L->weight];
    an_layout lay;
    AN_TRY(an_layout_whole(net, &lay));
    const an_layout_entry *e = an_layout_find(&lay, t->name);
    size_t off = e ? e->offset : 0;
    an_layout_free(&lay);
    if (!e) return an_error(AN_ERR_INTERNAL, "no %s in the layout", t->name);
    int K = t->dims[0], C = t->dims[1], k = t->dims[2];
    int T = L->tower == 0 ? net->towers : 1, per = K / T;
    int colour = C == 3, grey = C == 1;
    geom g;
    g.tile = k * scale;
    if (colour || grey) {
        g.cols = (int)ceil(sqrt((double)per));
        g.rows = (per + g.cols - 1) / g.cols;
    } else {
        g.cols = C;
        g.rows = per;
    }
    g.pw = g.cols * g.tile + (g.cols + 1) * AN_GRID_GAP;
    g.ph = g.rows * g.tile + (g.rows + 1) * AN_GRID_GAP;
    long long W = (long long)T * g.pw + (long long)(T - 1) * AN_GRID_TOWER_GAP, H = g.ph;
    int ch = colour ? 3 : 1;
    if (W * H * ch > (1LL << 30))
        return an_error(AN_ERR_INVALID_ARG, "the kernels of %s make a %lld×%lld image: too large "
                        "(use a smaller scale)", layer, W, H);
    out->pixels = malloc((size_t)(W * H * ch));
    if (!out->pixels) return an_error(AN_ERR_NOMEM, "out of memory for a %lld×%lld image", W, H);
    memset(out->pixels, 255, (size_t)(W * H * ch));
    out->width = (int)W;
    out->height = (int)H;
    out->channels = ch;
    out->kernels = K;
    out->in_channels = C;
    out->ksize = k;
    out->panels = T;
    int bgr = strcmp(net->pre.order, "bgr") == 0;
    int order[3] = {bgr ? 2 : 0, 1, bgr ? 0 : 2};
    int step = g.tile + AN_GRID_GAP;
    for (int tw = 0; tw < T; tw++)
        for (int j = 0; j < per; j++) {
            int o = tw * per + j;
            int col = colour || grey ? j % g.cols : 0, row = colour || grey ? j / g.cols : j;
            int x0 = tw * (g.pw + AN_GRID_TOWER_GAP) + AN_GRID_GAP + col * step;
            int y0 = AN_GRID_GAP + row * step;
            paint(out, whole + off + (size_t)o * t->row_size, C, k, scale, colour, order, x0, y0,
                  step);
        }
    return AN_OK;
}
