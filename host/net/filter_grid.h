/* host/net/filter_grid.h - a conv layer's kernels as one image, as the paper's Figure 3 shows
 * conv1's: each kernel a tile, normalised on its own, the towers' kernels in panels side by side.
 *
 * Geometry (g = AN_GRID_GAP pixels, s = scale, k = kernel size): a tile is k·s pixels square.
 * A kernel over 3 input channels is one colour tile (RGB; a BGR net's channels are swapped), over
 * 1 a grey tile; over C other counts, a row of C grey tiles (one per input channel). A panel of n
 * colour or grey tiles has cols = ceil(sqrt(n)) columns and rows = ceil(n / cols); a panel of
 * n kernels of C channels has C columns and n rows. Tiles have g pixels between them and
 * around them: a panel is cols·k·s + (cols+1)·g wide and rows·k·s + (rows+1)·g high. A layer on
 * all T towers gives T panels (tower t: kernels [t·out/T, (t+1)·out/T)), a layer on one tower
 * one panel; panels stand side by side, AN_GRID_TOWER_GAP pixels apart. The background is white.
 *
 * Normalisation: every kernel (all its input channels together) is mapped linearly from its own
 * [min, max] to [0, 255]; a constant kernel is grey 128. */
#ifndef AN_NET_FILTER_GRID_H
#define AN_NET_FILTER_GRID_H

#include <stdint.h>

#include "net/netdesc.h"

#define AN_GRID_GAP 2
#define AN_GRID_TOWER_GAP 8

typedef struct an_grid_image {
    int width, height, channels; /* channels 3 (RGB) or 1 (grey) */
    uint8_t *pixels;             /* rows top to bottom, malloc'ed */
    int kernels, in_channels, ksize, panels;
} an_grid_image;

/* The image of conv layer `layer`'s kernels from whole (an an_layout_whole buffer of net) with
 * tiles scaled by scale (>= 1). A layer that is not a convolution is an error naming the conv
 * layers. */
an_status an_filter_grid(const an_net *net, const float *whole, const char *layer, int scale,
                         an_grid_image *out);

#endif
