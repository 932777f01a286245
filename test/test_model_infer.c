/* test/test_model_infer.c - an inference model (an_model_opts.inference) against a training model
 * of the same net and weights: the same logits, probabilities and loss statistics on random
 * images, forward after forward (its activations share buffers, so a stale or overwritten one
 * shows), with a smaller batch too; on one device and, for a two-tower net, on two
 * (POCL_DEVICES="pthread pthread"). Its weights come from a file (an_model_load_weights: mapped
 * on one device, through the host on two). It allocates no gradients, momentum or argmax,
 * its memory stays within a bound computed here from the net's shapes, and every training call
 * on it is refused with a clear error.
 * With ALGO (e.g. winograd) the inference model runs its convolutions so. A Winograd forward keeps
 * its filters' transform between forwards, and a tiled one (im2col on a CPU device) its packed
 * filters: after four rounds both models are given new weights, which the next forwards must use.
 * usage: test_model_infer NET BATCH [BOUND [ALGO]]  (BOUND: check total <= BOUND x (parameters +
 * the two largest activations), for a net whose parameters dominate; 0: no check) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modeltest.h"
#include "net/weights.h"

/* Against the training model's im2col; Winograd's error bound is larger (ops/conv.h). */
static float RTOL = 1e-5f, ATOL = 1e-6f;

/* The largest gathered input (floats, batch included): the whole input of a conv or fc layer that
 * reads across towers. At such a layer three tensors are live: the tower's own piece of the input
 * (the other tower's gather still reads it), the gathered whole and the output. */
static size_t largest_gather(const an_net *net, int batch) {
    size_t g = 0;
    for (int i = 1; net->towers > 1 && i < net->nlayers; i++) {
        const an_layer *l = &net->layers[i];
        int cross = l->kind == AN_LAYER_SOFTMAX ||
                    ((l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC) &&
                     l->input == AN_INPUT_CROSS);
        size_t c = (size_t)an_shape_count(net->layers[i - 1].out);
        if (cross && c > g) g = c;
    }
    return g * (size_t)batch;
}

/* The two largest tensors (floats, batch included) of one tower: the images and every layer's
 * output, as the test reads the net's shapes. */
static size_t two_largest(const an_net *net, int batch) {
    size_t a = (size_t)an_shape_count(net->input), b = 0;
    for (int i = 0; i < net->nlayers; i++) {
        size_t c = (size_t)an_shape_count(net->layers[i].out_tower);
        if (c > a) {
            b = a;
            a = c;
        } else if (c > b) {
            b = c;
        }
    }
    return (a + b) * (size_t)batch;
}

static void refused(const char *what, an_status s) {
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "inference"),
          "%s on an inference model is refused: %s (%s)", what, an_status_name(s),
          an_last_error());
}

static void check_refusals(an_model *m, const float *x, const int *labels, float *buf) {
    refused("a training forward", an_model_forward(m, x, labels, 1, 1, 0));
    refused("backward", an_model_backward(m));
    refused("sgd", an_model_sgd(m, 0.01f, 0.9f, 0.0005f));
    refused("get_grads", an_model_get_grads(m, buf));
    refused("get_momentum", an_model_get_momentum(m, buf));
    refused("set_momentum", an_model_set_momentum(m, buf));
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "alexnet-small";
    int batch = argc > 2 ? atoi(argv[2]) : 4;
    double bound = argc > 3 ? atof(argv[3]) : 0;
    const char *algo = argc > 4 ? argv[4] : NULL;
    an_conv_algo conv = AN_CONV_AUTO;
    if (algo && !an_conv_algo_parse(algo, &conv)) {
        fprintf(stderr, "test_model_infer: unknown convolution algorithm %s\n", algo);
        return 2;
    }
    if (conv == AN_CONV_WINOGRAD) RTOL = 1e-4f, ATOL = 1e-5f;
    an_net *net;
    CHECK_OK(an_net_load(name, &net));
    an_device_info *list, two_infos[2];
    int nlist = mt_device_infos(&list, two_infos);
    int max_dev = net->towers == 2 && nlist > 1 ? 2 : 1;
    if (net->towers == 2 && nlist < 2)
        fprintf(stderr, "one device only: the two-device case is left out (run with "
                        "POCL_DEVICES=\"pthread pthread\")\n");

    /* The reference: a training model on one device, its parameters saved to a file. */
    an_dev rdev;
    an_model *ref = mt_reference(net, list, batch, 4321, &rdev);
    if (!ref) return check_done("test_model_infer");
    size_t W = an_model_whole_floats(ref), L = (size_t)batch * (size_t)net->classes;
    size_t in = (size_t)batch * (size_t)an_shape_count(net->input);
    float *wa = malloc(W * sizeof *wa), *wb = malloc(W * sizeof *wb), *x = malloc(in * sizeof *x);
    float *la = malloc(L * sizeof *la), *lb = malloc(L * sizeof *lb);
    float *pa = malloc(L * sizeof *pa), *pb = malloc(L * sizeof *pb);
    int *labels = malloc((size_t)batch * sizeof *labels);
    CHECK_OK(an_model_get_params(ref, wa));
    char path[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/test_model_infer_%s_%d.anw", tmp ? tmp : "/tmp", name,
             (int)getpid());
    CHECK_OK(an_weights_save(path, net, wa));
    an_model_memory rm = an_model_device_memory(ref, 0);

    for (int ndev = 1; ndev <= max_dev; ndev++) {
        an_dev devs[2];
        CHECK_OK(an_devs_open(two_infos, ndev, devs));
        CHECK_OK(an_model_set_params(ref, wa)); /* a pass before may have changed them */
        an_model_opts io = an_model_defaults();
        io.batch = batch;
        io.inference = 1;
        io.conv_algo = conv;
        an_model *m = NULL;
        CHECK_OK(an_model_create(net, devs, ndev, &io, &m));
        if (!m) break;
        CHECK_OK(an_model_load_weights(m, path));
        check_poison(wb, W);
        CHECK_OK(an_model_get_params(m, wb));
        CHECK(memcmp(wa, wb, W * sizeof *wa) == 0, "%d device(s): parameters loaded from %s",
              ndev, path);

        for (int round = 0; round < 6; round++) {
            int n = round == 1 && batch > 1 ? batch - 1 : batch;
            int with_labels = round >= 2 && round < 4;
            if (round == 4) { /* new weights for both models: the next forwards use them */
                CHECK_OK(an_model_init(ref, 99 + (uint64_t)ndev));
                CHECK_OK(an_model_get_params(ref, wb));
                CHECK_OK(an_model_set_params(m, wb));
            }
            check_fill_uniform(x, in, 77 + (uint64_t)round, -1.5f, 1.5f);
            for (int r = 0; r < batch; r++) labels[r] = (5 * r + round) % net->classes;
            size_t nl = (size_t)n * (size_t)net->classes;
            check_poison(la, L), check_poison(lb, L), check_poison(pa, L), check_poison(pb, L);
            CHECK_OK(an_model_forward(ref, x, with_labels ? labels : NULL, n, 0, 0));
            CHECK_OK(an_model_read_logits(ref, la));
            CHECK_OK(an_model_read_probs(ref, pa));
            CHECK_OK(an_model_forward(m, x, with_labels ? labels : NULL, n, 0, 0));
            /* Probabilities before logits: the logits' buffer must survive the softmax. */
            CHECK_OK(an_model_read_probs(m, pb));
            CHECK_OK(an_model_read_logits(m, lb));
            char what[96];
            snprintf(what, sizeof what, "%d device(s), round %d (%d images): logits", ndev, round,
                     n);
            check_close(what, lb, la, nl, ATOL, RTOL);
            snprintf(what, sizeof what, "%d device(s), round %d: probabilities", ndev, round);
            check_close(what, pb, pa, nl, ATOL, RTOL);
            if (with_labels) {
                float l1, l2;
                int a1, a5, b1, b5;
                CHECK_OK(an_model_read_stats(ref, &l1, &a1, &a5));
                CHECK_OK(an_model_read_stats(m, &l2, &b1, &b5));
                CHECK(fabsf(l1 - l2) <= RTOL * fabsf(l1) && a1 == b1 && a5 == b5,
                      "%d device(s): loss %g top-1 %d top-5 %d, training model %g %d %d", ndev,
                      l2, b1, b5, l1, a1, a5);
            }
        }

        /* Memory: parameters and activations only, the activations packed. */
        size_t pair = two_largest(net, batch) * sizeof(float);
        size_t gathered = largest_gather(net, batch) * sizeof(float);
        for (int di = 0; di < ndev; di++) {
            an_model_memory mm = an_model_device_memory(m, di);
            int towers = net->towers / ndev;
            printf("%s, %d device(s), device %d: %.2f MiB (parameters %.2f, activations %.2f, "
                   "workspace %.2f); training model on one device %.2f MiB\n", name, ndev, di,
                   mm.total / 1048576.0, mm.params / 1048576.0, mm.activations / 1048576.0,
                   mm.workspace / 1048576.0, rm.total / 1048576.0);
            CHECK(mm.total == an_model_device_bytes(m, di) &&
                      mm.total == mm.params + mm.solver + mm.activations + mm.aux +
                                      mm.workspace + mm.other,
                  "device %d: the parts add up to the total", di);
            CHECK(mm.solver == 0 && mm.aux == 0, "device %d: no gradients, momentum, "
                  "argmax or staging (%zu, %zu bytes)", di, mm.solver, mm.aux);
            CHECK(mm.params == rm.params / (size_t)ndev || ndev == 2,
                  "device %d: the parameters as the training model's", di);
            CHECK(mm.activations <= (size_t)towers * pair + gathered,
                  "device %d: activations %zu bytes <= %d tower(s) x the two largest tensors "
                  "(%zu) + the largest gathered input (%zu)", di, mm.activations, towers, pair,
                  gathered);
            if (bound > 0)
                CHECK(mm.total <= bound * (double)(mm.params + pair),
                      "device %d: %zu bytes <= %.2f x (parameters + the two largest tensors: "
                      "%zu)", di, mm.total, bound, mm.params + pair);
        }
        CHECK(an_model_device_bytes(m, 0) < rm.total / 2,
              "inference needs less than half the training model's memory");

        check_refusals(m, x, labels, wb);
        /* After the refusals it still works. */
        CHECK_OK(an_model_forward(m, x, NULL, batch, 0, 0));
        CHECK_OK(an_model_read_logits(m, lb));
        an_model_free(m);
        an_devs_close(devs, ndev);
    }
    remove(path);
    an_model_free(ref);
    an_devs_close(&rdev, 1);
    free(wa), free(wb), free(x), free(la), free(lb), free(pa), free(pb), free(labels), free(list);
    an_net_free(net);
    return check_done("test_model_infer");
}
