/* test/test_features.c - an_model_read_layer, which `alexnet features` reads activations with:
 * on a training model of alexnet-small (two towers), every layer's whole output after a forward
 * of random images; fc7 equals W·x + b computed on the host in double from drop6's output (so the
 * towers' channel blocks are pasted in order), every ReLU's output is its input clamped at 0 (also
 * relu5's, which the pool after it applies), fc8 the logits and prob the probabilities. An inference model made with keep_layer gives the same numbers for the kept
 * layer (fc7 even though relu7 would work in place on it, conv1, pool5), forward after forward,
 * on one device and on two (POCL_DEVICES="pthread pthread"), and refuses another layer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modeltest.h"
#include "net/weights.h"

#define RTOL 1e-5f
#define ATOL 1e-6f
#define BATCH 5

static size_t out_floats(const an_net *net, int i) {
    return (size_t)BATCH * (size_t)an_shape_count(net->layers[i].out);
}

int main(void) {
    an_net *net;
    CHECK_OK(an_net_load("alexnet-small", &net));
    an_device_info *list, two[2];
    int nlist = mt_device_infos(&list, two);
    an_dev rdev;
    an_model *ref = mt_reference(net, list, BATCH, 99, &rdev);
    if (!ref) return check_done("test_features");
    an_model_opts o = an_model_defaults(); /* as the reference's */
    o.batch = BATCH;
    size_t W = an_model_whole_floats(ref);
    size_t in = (size_t)BATCH * (size_t)an_shape_count(net->input);
    float *w = malloc(W * sizeof *w), *x = malloc(in * sizeof *x);
    check_fill_uniform(x, in, 5, -1.5f, 1.5f);
    CHECK_OK(an_model_get_params(ref, w));
    /* Biases of fc7 away from zero, so that relu7 has work to do and fc7 has negative values. */
    const an_layout *lay = an_model_whole_layout(ref);
    const an_layout_entry *b7 = an_layout_find(lay, "fc7.bias");
    for (size_t j = 0; j < b7->count; j++) w[b7->offset + j] = 0.3f * ((int)(j % 5) - 2);
    CHECK_OK(an_model_set_params(ref, w));
    CHECK_OK(an_model_forward(ref, x, NULL, BATCH, 0, 0));
    float **act = calloc((size_t)net->nlayers, sizeof *act);
    for (int i = 0; i < net->nlayers; i++) {
        act[i] = malloc(out_floats(net, i) * sizeof(float));
        check_poison(act[i], out_floats(net, i));
        CHECK_OK(an_model_read_layer(ref, i, act[i]));
    }
    int i6 = an_net_find_layer(net, "drop6"), i7 = an_net_find_layer(net, "fc7");
    int r7 = an_net_find_layer(net, "relu7"), i8 = an_net_find_layer(net, "fc8");
    int ip = an_net_find_layer(net, "prob");
    /* fc7 = W7 · drop6 + b7 in double. */
    const an_layout_entry *w7 = an_layout_find(lay, "fc7.weight");
    size_t O = (size_t)net->layers[i7].out.c, I = (size_t)an_shape_count(net->layers[i6].out);
    float *want = malloc((size_t)BATCH * O * sizeof *want);
    int negative = 0;
    for (size_t n = 0; n < BATCH; n++)
        for (size_t o7 = 0; o7 < O; o7++) {
            double s = w[b7->offset + o7];
            for (size_t k = 0; k < I; k++)
                s += (double)w[w7->offset + o7 * I + k] * act[i6][n * I + k];
            want[n * O + o7] = (float)s;
            negative += s < 0;
        }
    CHECK(check_close("fc7 against the host", act[i7], want, (size_t)BATCH * O, ATOL, RTOL) == 0,
          "fc7 read back is W7·drop6 + b7");
    CHECK(negative > 0, "fc7 has negative values (it is read before relu7)");
    int relu_ok = 1;
    for (size_t j = 0; j < (size_t)BATCH * O; j++)
        relu_ok &= act[r7][j] == (act[i7][j] > 0 ? act[i7][j] : 0);
    CHECK(relu_ok, "relu7 = max(fc7, 0)");
    /* Every ReLU's output, also where the training model's pool applies it (relu5 before pool5:
     * no pass of its own, its output computed on reading), is the layer before it clamped at 0. */
    for (int i = 1; i < net->nlayers; i++) {
        if (net->layers[i].kind != AN_LAYER_RELU) continue;
        size_t bad = 0, nz = 0, cnt = out_floats(net, i);
        for (size_t j = 0; j < cnt; j++) {
            float v = act[i - 1][j];
            bad += act[i][j] != (v < 0 ? 0.0f : v);
            nz += v < 0;
        }
        CHECK(bad == 0 && nz > 0, "%s = max(%s, 0): %zu of %zu values differ (%zu below 0)",
              net->layers[i].name, net->layers[i - 1].name, bad, cnt, nz);
    }
    size_t L = (size_t)BATCH * (size_t)net->classes;
    float *lg = malloc(L * sizeof *lg), *pr = malloc(L * sizeof *pr);
    CHECK_OK(an_model_read_logits(ref, lg));
    CHECK(memcmp(lg, act[i8], L * sizeof *lg) == 0, "fc8's output is the logits");
    CHECK_OK(an_model_read_probs(ref, pr));
    CHECK(memcmp(pr, act[ip], L * sizeof *pr) == 0, "prob's output is the probabilities");

    char path[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/test_features_%d.anw", tmp ? tmp : "/tmp", (int)getpid());
    CHECK_OK(an_weights_save(path, net, w));
    const char *keep[] = {"fc7", "conv1", "pool5"};
    float *y = malloc(out_floats(net, 0) * sizeof *y);
    float *x2 = malloc(in * sizeof *x2);
    check_fill_uniform(x2, in, 6, -1.5f, 1.5f);
    for (int ndev = 1; ndev <= (nlist > 1 ? 2 : 1); ndev++) {
        an_dev devs[2];
        CHECK_OK(an_devs_open(two, ndev, devs));
        for (int k = 0; k < 3; k++) {
            int li = an_net_find_layer(net, keep[k]);
            an_model_opts io = o;
            io.inference = 1;
            io.keep_layer = li + 1;
            an_model *m = NULL;
            CHECK_OK(an_model_create(net, devs, ndev, &io, &m));
            if (!m) continue;
            CHECK_OK(an_model_load_weights(m, path));
            /* Another batch first: the kept buffer must hold the latest forward's values. */
            CHECK_OK(an_model_forward(m, x2, NULL, BATCH, 0, 0));
            CHECK_OK(an_model_forward(m, x, NULL, BATCH, 0, 0));
            check_poison(y, out_floats(net, li));
            CHECK_OK(an_model_read_layer(m, li, y));
            char what[64];
            snprintf(what, sizeof what, "%s, %d device(s), inference", keep[k], ndev);
            CHECK(check_close(what, y, act[li], out_floats(net, li), ATOL, RTOL) == 0,
                  "%s equals the training model's", what);
            an_status s = an_model_read_layer(m, r7, y);
            CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "keep_layer"),
                  "%s: another layer is refused: %s", what, an_last_error());
            an_model_free(m);
        }
        an_devs_close(devs, ndev);
    }
    an_model_opts bad = o;
    bad.keep_layer = net->nlayers + 1;
    an_model *m = NULL;
    CHECK(an_model_create(net, &rdev, 1, &bad, &m) == AN_ERR_INVALID_ARG,
          "keep_layer out of range");
    unlink(path);
    for (int i = 0; i < net->nlayers; i++) free(act[i]);
    free(act);
    free(w);
    free(x);
    free(x2);
    free(y);
    free(want);
    free(lg);
    free(pr);
    an_model_free(ref);
    an_devs_close(&rdev, 1);
    an_net_free(net);
    free(list);
    return check_done("test_features");
}
