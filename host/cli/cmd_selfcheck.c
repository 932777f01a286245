/* host/cli/cmd_selfcheck.c - `alexnet selfcheck`: build every kernel file on the chosen device(s)
 * and run a convolution against the CPU reference, so a user learns at once whether this device
 * works. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
#include "ops/conv.h"
#include "ref/ref_conv.h"
#include "runtime/kernels.h"
#include "util/clock.h"

static int build_all(an_dev *d) {
    int failed = 0;
    for (const an_kernel_source *k = an_embedded_kernels; k->name; k++) {
        double t0 = an_now_s();
        cl_kernel unused;
        /* Building the program is the check; an_fill is in every program (common.cl). */
        an_status s = an_kernel(d, k->name, NULL, "an_fill", &unused);
        if (s != AN_OK) {
            fprintf(stderr, "  cl/%s.cl: FAILED\n%s\n", k->name, an_last_error());
            failed++;
        } else {
            printf("  cl/%-16s built in %.2f s\n", k->name, an_now_s() - t0);
        }
    }
    return failed;
}

/* One AlexNet-like convolution (conv2 of a tower at batch 2: 5x5, pad 2, groups 2, on 48
 * channels of 13x13) on the device against the CPU reference, on random inputs, with the
 * output poisoned first so that an unwritten element shows. */
static int check_conv(an_dev *d) {
    an_conv_shape s = {2, 48, 13, 13, 64, 5, 5, 1, 2, 2};
    ref_conv_shape r = {s.n, s.c, s.h, s.w, s.k, s.kh, s.kw, s.stride, s.pad, s.groups};
    size_t nx = (size_t)s.n * s.c * s.h * s.w, nw = (size_t)s.k * (s.c / s.groups) * s.kh * s.kw;
    size_t ny = (size_t)s.n * s.k * an_conv_oh(&s) * an_conv_ow(&s);
    size_t nt = nx + nw + s.k + ny;
    float *h = malloc(nt * sizeof *h), *got = malloc(ny * sizeof *got);
    double *hd = malloc(nt * sizeof *hd);
    cl_mem m = NULL, ws = NULL;
    if (!h || !got || !hd) {
        free(h), free(got), free(hd);
        fprintf(stderr, "alexnet selfcheck: out of host memory\n");
        return 1;
    }
    uint64_t st = 0x5eed;
    for (size_t i = 0; i < nx + nw + s.k; i++) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        h[i] = (float)((double)(st >> 40) / 16777216.0 - 0.5);
        hd[i] = h[i];
    }
    ref_conv_forward(&r, hd, hd + nx, hd + nx + nw, hd + nx + nw + s.k);
    size_t wsf = an_conv_workspace_floats(d, &s, AN_CONV_AUTO);
    an_status rc = an_alloc(d, "selfcheck tensors", nt * sizeof(float), &m);
    if (rc == AN_OK && wsf) rc = an_alloc(d, "selfcheck workspace", wsf * sizeof(float), &ws);
    an_buf x = {m, 0}, w = {m, nx}, b = {m, nx + nw}, y = {m, nx + nw + s.k};
    if (rc == AN_OK) rc = an_write(d, x, h, nx + nw + s.k);
    if (rc == AN_OK) rc = an_fill(d, y, NAN, ny);
    if (rc == AN_OK) rc = an_conv_forward(d, &s, AN_CONV_AUTO, x, w, b, y, (an_buf){ws, 0}, wsf);
    if (rc == AN_OK) rc = an_read(d, y, got, ny);
    an_free(&m);
    an_free(&ws);
    int bad = 0;
    double worst = 0;
    for (size_t i = 0; rc == AN_OK && i < ny; i++) {
        double ref = hd[nx + nw + s.k + i], e = fabs((double)got[i] - ref);
        if (!(e <= 1e-5 + 1e-4 * fabs(ref))) bad++;
        if (e > worst || e != e) worst = e;
    }
    free(h), free(got), free(hd);
    if (rc != AN_OK) return cli_fail("selfcheck", rc);
    printf("  op conv (%s, 2x48x13x13, 64 5x5 filters, groups 2) against the CPU: %s "
           "(largest error %.2g)\n", an_conv_algo_name(an_conv_algo_resolve(d, &s, AN_CONV_AUTO)),
           bad ? "WRONG" : "ok", worst);
    return bad ? 1 : 0;
}

int cmd_selfcheck(int argc, char **argv) {
    cli_device_opts dev = {0};
    const cli_opt opts[] = {CLI_DEVICE_OPTIONS(dev), {0}};
    int npos;
    int rc = cli_parse("selfcheck", "[--device SPEC]", opts, argc, argv, NULL, 0, &npos);
    if (rc) return rc < 0 ? 0 : rc;
    an_dev devs[AN_MAX_SELECTED];
    int n;
    if (cli_open_devices(&dev, 0, devs, &n)) return 1;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char id[32];
        printf("device %s %s (%s)\n", an_device_id(&devs[i].info, id, sizeof id),
               devs[i].info.name, an_device_type_name(devs[i].info.type));
        failed += build_all(&devs[i]);
        failed += check_conv(&devs[i]);
    }
    an_devs_close(devs, n);
    printf("selfcheck: %s\n", failed ? "FAILED" : "ok");
    return failed ? 1 : 0;
}
