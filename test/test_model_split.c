/* test/test_model_split.c - one device against two: the same net, weights and images must give
 * the same logits, loss and gradients, and the same parameters after SGD steps with dropout on,
 * whether the towers share a device or each has its own (POCL_DEVICES="pthread pthread"), and
 * when the two devices are of two platforms (host-staged crossovers, user events, pinned buffers:
 * the path that two vendors' GPUs take).
 * usage: test_model_split NET BATCH STEPS [DEVICES]   DEVICES: "A,B" as --device takes it (the
 * one-device run uses A); default: the first two devices listed. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/model.h"

typedef struct run {
    an_dev devs[2];
    int ndev;
    an_model *m;
} run;

static int open_run(run *r, const an_device_info *pair, int ndev, const an_net *net, int batch) {
    memset(r, 0, sizeof *r);
    an_device_info infos[2] = {pair[0], pair[1]};
    r->ndev = ndev;
    an_status s = an_devs_open(infos, ndev, r->devs);
    CHECK(s == AN_OK, "open %d device(s): %s", ndev, an_last_error());
    if (s != AN_OK) return 1;
    an_model_opts o = an_model_defaults();
    o.batch = batch;
    o.seed = 99;
    s = an_model_create(net, r->devs, ndev, &o, &r->m);
    CHECK(s == AN_OK, "model on %d device(s): %s", ndev, an_last_error());
    if (s != AN_OK) return 1;
    CHECK_OK(an_model_init(r->m, 1234));
    return 0;
}

static void close_run(run *r) {
    an_model_free(r->m);
    an_devs_close(r->devs, r->ndev);
}

/* Relative tolerance for float rounding; on devices of one kind the numbers agree exactly. */
#define RTOL 1e-5f
#define ATOL 1e-7f

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "alexnet-small";
    int batch = argc > 2 ? atoi(argv[2]) : 4;
    int steps = argc > 3 ? atoi(argv[3]) : 3;
    const char *spec = argc > 4 ? argv[4] : NULL;
    an_net *net;
    CHECK_OK(an_net_load(name, &net));
    an_device_info *list;
    int n;
    CHECK_OK(check_devices_list(&list, &n));
    an_device_info pair[2];
    if (spec) {
        int np = 0;
        CHECK_OK(an_devices_pick(list, n, spec, 2, pair, &np));
        if (np != 2) return check_done("test_model_split");
    } else if (n < 2) {
        fprintf(stderr, "needs two OpenCL devices: run with POCL_DEVICES=\"pthread pthread\"\n");
        return 1;
    } else {
        pair[0] = list[0];
        pair[1] = list[1];
    }
    printf("devices: %s (%s) and %s (%s)\n", pair[0].name, pair[0].platform_name, pair[1].name,
           pair[1].platform_name);

    run one, two;
    if (open_run(&one, pair, 1, net, batch) || open_run(&two, pair, 2, net, batch))
        return check_done("test_model_split");
    const char *sep = getenv("ALEXNET_SEPARATE_CONTEXTS");
    if (pair[0].platform != pair[1].platform)
        CHECK(two.devs[0].ctx != two.devs[1].ctx, "two platforms: a context each");
    else if (sep && strcmp(sep, "1") == 0)
        CHECK(two.devs[0].ctx != two.devs[1].ctx, "separate contexts: the host-staged path runs");
    else
        CHECK(two.devs[0].ctx == two.devs[1].ctx, "one platform: one shared context");
    size_t in = (size_t)batch * (size_t)an_shape_count(net->input);
    float *x = malloc(in * sizeof *x);
    int *labels = malloc((size_t)batch * sizeof *labels);
    size_t W = an_model_whole_floats(one.m), L = (size_t)batch * (size_t)net->classes;
    float *a = malloc(W * sizeof *a), *b = malloc(W * sizeof *b);
    float *la = malloc(L * sizeof *la), *lb = malloc(L * sizeof *lb);
    for (int step = 0; step < steps; step++) {
        check_fill_uniform(x, in, 1000 + (uint64_t)step, -1.5f, 1.5f);
        for (int i = 0; i < batch; i++) labels[i] = (7 * i + 3 * step + 1) % net->classes;
        float loss1, loss2;
        int t1a, t5a, t1b, t5b;
        CHECK_OK(an_model_forward(one.m, x, labels, batch, 1, (uint32_t)step));
        CHECK_OK(an_model_forward(two.m, x, labels, batch, 1, (uint32_t)step));
        CHECK_OK(an_model_read_logits(one.m, la));
        CHECK_OK(an_model_read_logits(two.m, lb));
        CHECK_OK(an_model_read_stats(one.m, &loss1, &t1a, &t5a));
        CHECK_OK(an_model_read_stats(two.m, &loss2, &t1b, &t5b));
        printf("%s step %d: loss %.6f (one device) %.6f (two devices)\n", name, step, loss1, loss2);
        CHECK(loss1 == loss1 && loss1 > 0, "loss is a positive number: %g", loss1);
        check_close("logits", lb, la, L, ATOL, RTOL);
        CHECK(fabsf(loss1 - loss2) <= RTOL * fabsf(loss1), "loss %g vs %g", loss1, loss2);
        CHECK(t1a == t1b && t5a == t5b, "top-1/top-5 %d/%d vs %d/%d", t1a, t5a, t1b, t5b);
        CHECK_OK(an_model_backward(one.m));
        CHECK_OK(an_model_backward(two.m));
        CHECK_OK(an_model_get_grads(one.m, a));
        CHECK_OK(an_model_get_grads(two.m, b));
        const an_layout *lay = an_model_whole_layout(one.m);
        for (int e = 0; e < lay->n; e++) {
            char what[96];
            snprintf(what, sizeof what, "step %d grad %s", step, lay->e[e].name);
            check_close(what, b + lay->e[e].offset, a + lay->e[e].offset, lay->e[e].count, ATOL,
                        RTOL);
        }
        double gn = 0;
        for (size_t i = 0; i < W; i++) gn += (double)a[i] * a[i];
        CHECK(gn > 0, "gradients are not all zero (norm² %g)", gn);
        CHECK_OK(an_model_sgd(one.m, 0.01f, 0.9f, 0.0005f));
        CHECK_OK(an_model_sgd(two.m, 0.01f, 0.9f, 0.0005f));
    }
    CHECK_OK(an_model_get_params(one.m, a));
    CHECK_OK(an_model_get_params(two.m, b));
    check_close("parameters after SGD", b, a, W, ATOL, RTOL);
    CHECK(an_model_xfer_bytes(two.m) > 0 && an_model_xfer_bytes(one.m) == 0,
          "crossover bytes: %llu on two devices, %llu on one", an_model_xfer_bytes(two.m),
          an_model_xfer_bytes(one.m));

    /* Errors: a forward larger than the batch, and a label outside the classes. */
    an_status s = an_model_forward(one.m, x, labels, batch + 1, 1, 0);
    CHECK(s == AN_ERR_INVALID_ARG, "too large a batch is refused: %s", an_status_name(s));
    labels[0] = net->classes;
    s = an_model_forward(one.m, x, labels, batch, 1, 0);
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "label"),
          "a bad label is refused: %s", an_last_error());

    close_run(&one);
    close_run(&two);

    /* A one-tower net cannot be split. */
    an_net *owt;
    CHECK_OK(an_net_load("alexnet-owt", &owt));
    an_dev devs[2];
    CHECK_OK(an_devs_open(pair, 2, devs));
    an_model *m = NULL;
    an_model_opts o = an_model_defaults();
    o.batch = 1;
    s = an_model_create(owt, devs, 2, &o, &m);
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "two-tower"),
          "two devices need a two-tower net: %s", an_last_error());
    an_devs_close(devs, 2);
    an_net_free(owt);

    free(x), free(labels), free(a), free(b), free(la), free(lb), free(list);
    an_net_free(net);
    return check_done("test_model_split");
}
