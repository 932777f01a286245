/* host/cli/cmd_filters.c - `alexnet filters`: a conv layer's kernels as a PNG image grid, each
 * kernel normalised on its own, the towers side by side (the paper's Figure 3 for conv1). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "net/filter_grid.h"
#include "net/layout.h"
#include "net/weights.h"
#include "util/png.h"

int cmd_filters(int argc, char **argv) {
    const char *weights = NULL, *layer = "conv1", *out = NULL;
    int scale = 0;
    const cli_opt opts[] = {
        {"--weights", CLI_STR, &weights, "FILE", "weights file (required)", NULL},
        {"--layer", CLI_STR, &layer, "NAME", "conv layer (default conv1)", NULL},
        {"-o", CLI_STR, &out, "FILE.png", "the image to write (required)", NULL},
        {"--scale", CLI_INT, &scale, "S",
         "pixels per kernel weight (default: tiles of about 44 pixels)", NULL},
        {0}};
    int npos;
    int rc = cli_parse("filters", "--weights FILE [--layer conv1] -o FILE.png", opts, argc, argv,
                       NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    if (!weights || !out) {
        fprintf(stderr, "alexnet filters: --weights FILE and -o FILE.png are required\n");
        return 2;
    }
    if (scale < 0 || scale > 64) {
        fprintf(stderr, "alexnet filters: --scale wants 1..64\n");
        return 2;
    }
    an_net *net = NULL;
    an_status s = an_net_from_weights(weights, &net);
    if (s != AN_OK) return cli_fail("filters", s);
    an_layout lay;
    float *whole = NULL;
    an_grid_image img = {0};
    s = an_layout_whole(net, &lay);
    if (s == AN_OK) {
        whole = malloc(lay.total * sizeof *whole);
        s = whole ? an_weights_load(weights, net, whole, NULL)
                  : an_error(AN_ERR_NOMEM, "out of memory for %s", weights);
        an_layout_free(&lay);
    }
    if (s == AN_OK && !scale) {
        int li = an_net_find_layer(net, layer);
        int k = li >= 0 && net->layers[li].kind == AN_LAYER_CONV ? net->layers[li].conv.ksize : 11;
        scale = (44 + k - 1) / k;
    }
    if (s == AN_OK) s = an_filter_grid(net, whole, layer, scale, &img);
    if (s == AN_OK) s = an_png_write(out, img.width, img.height, img.channels, img.pixels);
    if (s == AN_OK)
        printf("%s of %s: %d kernels %dx%dx%d, %d tower%s -> %s (%dx%d, %s)\n", layer, net->name,
               img.kernels, img.ksize, img.ksize, img.in_channels, img.panels,
               img.panels == 1 ? "" : "s side by side", out, img.width, img.height,
               img.channels == 3 ? "RGB" : "grey");
    free(img.pixels);
    free(whole);
    an_net_free(net);
    return s == AN_OK ? 0 : cli_fail("filters", s);
}
