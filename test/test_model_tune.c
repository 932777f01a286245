/* test/test_model_tune.c - a net whose conv layers run the tuner's choices against the same net
 * on im2col: choices other than im2col are pinned in the tune cache for every conv layer and
 * direction (a different candidate each), the AUTO model must read them (no timing, source
 * cache, visible through an_model_conv_choice), and its logits, loss and gradients must agree
 * with im2col's within float tolerance (FFT rounds differently). With ALEXNET_TUNE=off the
 * choice is the rule's, and a forced algorithm is reported as forced. Temporary XDG_CACHE_HOME.
 * usage: test_model_tune [NET [BATCH]] */
#include <stdlib.h>
#include <string.h>

#include "devtest.h"
#include "net/model.h"
#include "ops/tune.h"

#define RTOL 2e-3f
#define ATOL 2e-5f

static an_model *make(const an_net *net, an_dev *d, int batch, an_conv_algo a) {
    an_model_opts o = an_model_defaults();
    o.batch = batch;
    o.conv_algo = a;
    an_model *m = NULL;
    CHECK_OK(an_model_create(net, d, 1, &o, &m));
    if (m) CHECK_OK(an_model_init(m, 77));
    return m;
}

/* Forward (training) and backward; logits and gradients into lo and g. */
static void step(an_model *m, const float *x, const int *labels, int batch, float *lo, float *g,
                 float *loss) {
    int t1, t5;
    CHECK_OK(an_model_forward(m, x, labels, batch, 1, 0));
    CHECK_OK(an_model_read_logits(m, lo));
    CHECK_OK(an_model_read_stats(m, loss, &t1, &t5));
    CHECK_OK(an_model_backward(m));
    CHECK_OK(an_model_get_grads(m, g));
}

/* Pin candidate (layer + dir + 1) mod n of every conv layer and direction; returns how many
 * pinned choices are not im2col+own (the rule's on a CPU). */
static int pin(const an_net *net, an_dev *d, int batch) {
    int other = 0;
    for (int i = 0; i < net->nlayers; i++) {
        if (net->layers[i].kind != AN_LAYER_CONV) continue;
        an_conv_shape s = an_layer_conv_shape(&net->layers[i], batch);
        for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
            an_tune_result r;
            CHECK_OK(an_conv_tune_candidates(d, &s, (an_tune_dir)dir, &r));
            an_conv_choice c = r.cand[(i + dir + 1) % r.ncand];
            CHECK_OK(an_conv_tune_put(d, &s, (an_tune_dir)dir, c));
            other += c.algo != AN_CONV_IM2COL || c.gemm != AN_GEMM_OWN;
        }
    }
    return other;
}

static void check_sources(const an_net *net, const an_model *m, an_tune_source want) {
    for (int i = 0; i < net->nlayers; i++) {
        if (net->layers[i].kind != AN_LAYER_CONV) continue;
        for (int dir = 0; dir < AN_TUNE_DIRS; dir++) {
            an_conv_choice c;
            an_tune_source src;
            CHECK_OK(an_model_conv_choice(m, i, (an_tune_dir)dir, &c, &src));
            CHECK(src == want, "%s %s: source %s, want %s", net->layers[i].name,
                  an_tune_dir_name((an_tune_dir)dir), an_tune_source_name(src),
                  an_tune_source_name(want));
        }
    }
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "alexnet-small";
    int batch = argc > 2 ? atoi(argv[2]) : 4;
    char dir[] = "/tmp/test_model_tune_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temporary cache directory");
    setenv("XDG_CACHE_HOME", dir, 1);
    unsetenv("ALEXNET_GEMM");
    unsetenv("ALEXNET_TUNE_CANDIDATES");
    an_net *net;
    CHECK_OK(an_net_load(name, &net));
    an_dev d;
    if (!dt_open(&d, 1)) return check_done("test_model_tune");
    an_tune_set_mode(&d, AN_TUNE_MODE_ON);
    int other = pin(net, &d, batch);
    CHECK(other > 0, "some pinned choices are not the rule's (%d)", other);
    an_tune_forget(); /* the model must find them in the file */

    size_t in = (size_t)batch * (size_t)an_shape_count(net->input);
    size_t L = (size_t)batch * (size_t)net->classes;
    float *x = malloc(in * sizeof *x);
    int *labels = malloc((size_t)batch * sizeof *labels);
    check_fill_uniform(x, in, 4242, -1.5f, 1.5f);
    for (int i = 0; i < batch; i++) labels[i] = (5 * i + 1) % net->classes;

    unsigned long t0, r0, t1, r1;
    an_tune_counts(&d, 1, &t0, &r0);
    an_model *tuned = make(net, &d, batch, AN_CONV_AUTO);
    an_model *ref = make(net, &d, batch, AN_CONV_IM2COL);
    if (!tuned || !ref) return check_done("test_model_tune");
    size_t W = an_model_whole_floats(ref);
    float *la = malloc(L * sizeof *la), *lb = malloc(L * sizeof *lb);
    float *ga = malloc(W * sizeof *ga), *gb = malloc(W * sizeof *gb);
    float loss_a, loss_b;
    step(tuned, x, labels, batch, la, ga, &loss_a);
    step(ref, x, labels, batch, lb, gb, &loss_b);
    an_tune_counts(&d, 1, &t1, &r1);
    CHECK(t1 == t0 && r1 > r0, "the model read the pinned choices (timed %lu, read %lu)",
          t1 - t0, r1 - r0);
    check_sources(net, tuned, AN_TUNE_CACHED);
    check_sources(net, ref, AN_TUNE_FORCED);
    for (int i = 0; i < net->nlayers; i++) {
        if (net->layers[i].kind != AN_LAYER_CONV) continue;
        an_conv_choice c;
        an_tune_source src;
        an_conv_shape s = an_layer_conv_shape(&net->layers[i], batch);
        an_tune_result r;
        CHECK_OK(an_model_conv_choice(tuned, i, AN_TUNE_FORWARD, &c, &src));
        CHECK_OK(an_conv_tune_candidates(&d, &s, AN_TUNE_FORWARD, &r));
        CHECK(an_conv_choice_eq(c, r.cand[(i + 1) % r.ncand]), "%s runs its pinned choice",
              net->layers[i].name);
    }
    printf("loss: tuned %.6f, im2col %.6f\n", loss_a, loss_b);
    check_close("logits", la, lb, L, ATOL, RTOL);
    CHECK(fabsf(loss_a - loss_b) <= RTOL * fabsf(loss_b), "loss %g vs %g", loss_a, loss_b);
    const an_layout *lay = an_model_whole_layout(ref);
    for (int e = 0; e < lay->n; e++) {
        float scale = 0; /* gradients near zero: tolerance relative to the tensor's largest */
        for (size_t j = 0; j < lay->e[e].count; j++)
            scale = fmaxf(scale, fabsf(gb[lay->e[e].offset + j]));
        char what[96];
        snprintf(what, sizeof what, "grad %s", lay->e[e].name);
        check_close(what, ga + lay->e[e].offset, gb + lay->e[e].offset, lay->e[e].count,
                    ATOL + RTOL * scale, RTOL);
    }
    an_model_free(tuned);

    /* Tuning off: the rule, for every direction. */
    an_tune_set_mode(&d, AN_TUNE_MODE_OFF);
    an_model *rule = make(net, &d, batch, AN_CONV_AUTO);
    if (rule) {
        step(rule, x, labels, batch, la, ga, &loss_a);
        check_sources(net, rule, AN_TUNE_RULE);
        check_close("logits (rule)", la, lb, L, ATOL, RTOL);
    }
    an_model_free(rule);
    an_model_free(ref);
    an_devs_close(&d, 1);
    an_net_free(net);
    free(x);
    free(labels);
    free(la);
    free(lb);
    free(ga);
    free(gb);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "remove %s", dir);
    return check_done("test_model_tune");
}
