/* host/cli/cmd_selfcheck.c - `alexnet selfcheck`: build every kernel file on the chosen device(s)
 * and run an op against the CPU, so a user learns at once whether this device works. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/cli.h"
#include "runtime/kernels.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int build_all(an_dev *d) {
    int failed = 0;
    for (const an_kernel_source *k = an_embedded_kernels; k->name; k++) {
        double t0 = now_s();
        cl_kernel unused;
        /* Building the program is the check; an_fill is in every program (common.cl). */
        an_status s = an_kernel(d, k->name, NULL, "an_fill", &unused);
        if (s != AN_OK) {
            fprintf(stderr, "  cl/%s.cl: FAILED\n%s\n", k->name, an_last_error());
            failed++;
        } else {
            printf("  cl/%-16s built in %.2f s\n", k->name, now_s() - t0);
        }
    }
    return failed;
}

static int check_fill(an_dev *d) {
    enum { N = 1000 };
    float host[N];
    cl_mem m;
    an_status s = an_alloc(d, "selfcheck", sizeof host, &m);
    if (s != AN_OK) return cli_fail("selfcheck", s);
    an_buf b = {m, 0};
    for (int i = 0; i < N; i++) host[i] = NAN;
    int bad = 0;
    s = an_write(d, b, host, N);
    if (s == AN_OK) s = an_fill(d, an_buf_at(b, 17), 3.25f, N - 40);
    if (s == AN_OK) s = an_read(d, b, host, N);
    an_free(&m);
    if (s != AN_OK) return cli_fail("selfcheck", s);
    for (int i = 0; i < N; i++) {
        int inside = i >= 17 && i < N - 23;
        if (inside ? host[i] != 3.25f : !isnan(host[i])) bad++;
    }
    printf("  op an_fill on 1000 floats: %s\n", bad ? "WRONG" : "ok");
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
        printf("device %d:%d %s (%s)\n", devs[i].info.platform_index, devs[i].info.device_index,
               devs[i].info.name, an_device_type_name(devs[i].info.type));
        failed += build_all(&devs[i]);
        failed += check_fill(&devs[i]);
    }
    an_devs_close(devs, n);
    printf("selfcheck: %s\n", failed ? "FAILED" : "ok");
    return failed ? 1 : 0;
}
