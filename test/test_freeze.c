/* test/test_freeze.c - per-layer learning-rate multipliers and frozen layers
 * (an_model_opts.layer_lr_mult) against a plain model of the same net and parameters: after one
 * training forward and backward of the same images, the layers that learn have bitwise the same
 * gradients (skipping the frozen layers' gradients and the input gradients below them changes
 * nothing above), the frozen ones none (their buffers stay zero); after an SGD step the frozen
 * tensors are bitwise unchanged, and a layer at multiplier 10 moved by momentum·0 − lr·10·(g +
 * decay·w), as the host computes it. On one device and on two (POCL_DEVICES="pthread pthread"),
 * freezing conv1..conv3, and conv1..conv5 (the first layer that learns, fc6, then gathers its
 * input across the towers). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "modeltest.h"

#define BATCH 6
#define LR 0.01f
#define DECAY 0.0005f

static int frozen_layer(const char *name, int upto) {
    return strncmp(name, "conv", 4) == 0 && name[4] - '0' >= 1 && name[4] - '0' <= upto;
}

static void run(const an_net *net, an_dev *devs, int ndev, int upto) {
    an_model_opts o = an_model_defaults();
    o.batch = BATCH;
    float *mult = malloc((size_t)net->nlayers * sizeof *mult);
    for (int i = 0; i < net->nlayers; i++)
        mult[i] = frozen_layer(net->layers[i].name, upto) ? 0.0f
                  : strcmp(net->layers[i].name, "fc8") == 0 ? 10.0f : 1.0f;
    an_model_opts fo = o;
    fo.layer_lr_mult = mult;
    an_model *a = NULL, *b = NULL;
    CHECK_OK(an_model_create(net, devs, ndev, &o, &a));
    CHECK_OK(an_model_create(net, devs, ndev, &fo, &b));
    free(mult); /* copied by the model */
    if (!a || !b) return;
    CHECK_OK(an_model_init(a, 17));
    size_t W = an_model_whole_floats(a);
    size_t in = (size_t)BATCH * (size_t)an_shape_count(net->input);
    float *w = malloc(W * sizeof *w), *ga = malloc(W * sizeof *ga), *gb = malloc(W * sizeof *gb);
    float *w1 = malloc(W * sizeof *w1), *x = malloc(in * sizeof *x);
    int labels[BATCH];
    for (int i = 0; i < BATCH; i++) labels[i] = (i * 7) % net->classes;
    check_fill_uniform(x, in, 3, -1.5f, 1.5f);
    CHECK_OK(an_model_get_params(a, w));
    CHECK_OK(an_model_set_params(b, w));
    for (int k = 0; k < 2; k++) {
        an_model *m = k ? b : a;
        CHECK_OK(an_model_forward(m, x, labels, BATCH, 1, 5));
        CHECK_OK(an_model_backward(m));
    }
    CHECK_OK(an_model_get_grads(a, ga));
    check_poison(gb, W);
    CHECK_OK(an_model_get_grads(b, gb));
    CHECK_OK(an_model_sgd(b, LR, 0.9f, DECAY));
    CHECK_OK(an_model_get_params(b, w1));
    const an_layout *lay = an_model_whole_layout(b);
    for (int j = 0; j < lay->n; j++) {
        const an_layout_entry *e = &lay->e[j];
        const an_tensor *t = &net->tensors[e->tensor];
        const char *layer = net->layers[t->layer].name;
        size_t o0 = e->offset, n = e->count;
        if (frozen_layer(layer, upto)) {
            int zero = 1;
            for (size_t i = 0; i < n; i++) zero &= gb[o0 + i] == 0.0f;
            CHECK(zero, "%d device(s), conv1..conv%d frozen: %s has no gradient", ndev, upto,
                  t->name);
            CHECK(memcmp(w + o0, w1 + o0, n * sizeof *w) == 0,
                  "%d device(s), conv1..conv%d frozen: %s bitwise unchanged", ndev, upto, t->name);
            continue;
        }
        CHECK(memcmp(ga + o0, gb + o0, n * sizeof *ga) == 0,
              "%d device(s), conv1..conv%d frozen: %s's gradient equals the plain model's", ndev,
              upto, t->name);
        if (strcmp(layer, "fc8") != 0) continue;
        float *want = malloc(n * sizeof *want);
        for (size_t i = 0; i < n; i++) {
            double e10 = (double)LR * 10;
            want[i] = (float)(w[o0 + i] - e10 * DECAY * w[o0 + i] - e10 * ga[o0 + i]);
        }
        CHECK(check_close(t->name, w1 + o0, want, n, 1e-7f, 1e-5f) == 0,
              "%d device(s): %s moved by lr x10", ndev, t->name);
        free(want);
    }
    an_model_free(a);
    an_model_free(b);
    free(w), free(ga), free(gb), free(w1), free(x);
}

int main(void) {
    an_net *net;
    CHECK_OK(an_net_load("alexnet-small", &net));
    an_device_info *list, two[2];
    int nlist = mt_device_infos(&list, two);
    for (int ndev = 1; ndev <= (nlist > 1 ? 2 : 1); ndev++) {
        an_dev devs[2];
        CHECK_OK(an_devs_open(two, ndev, devs));
        run(net, devs, ndev, 3);
        run(net, devs, ndev, 5);
        an_devs_close(devs, ndev);
    }
    an_net_free(net);
    free(list);
    return check_done("test_freeze");
}
