/* test/test_netdesc.c - net descriptions, shape inference, parameter layout and initialisation:
 * the built-ins' parameter counts and per-layer shapes, the nets/ files equal to the built-ins,
 * errors in broken descriptions naming the line or layer, input overrides, tower slices of the
 * layout, and the initial values' statistics and independence of the device split. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/init.h"
#include "net/layout.h"
#include "net/netdesc.h"

static const an_layer *layer(const an_net *n, const char *name) {
    int i = an_net_find_layer(n, name);
    CHECK(i >= 0, "layer %s missing", name);
    return i >= 0 ? &n->layers[i] : &n->layers[0];
}

static int same_shape(an_shape s, int c, int h, int w) { return s.c == c && s.h == h && s.w == w; }

#define CHECK_SHAPE(s, cc, hh, ww, what)                                                         \
    CHECK(same_shape((s), (cc), (hh), (ww)), "%s: %d×%d×%d, want %d×%d×%d", (what), (s).c,      \
          (s).h, (s).w, (cc), (hh), (ww))

static void test_alexnet(void) {
    an_net *n = NULL;
    CHECK_OK(an_net_load("alexnet", &n));
    if (!n) return;
    CHECK(n->params == 60965224LL, "alexnet params %lld", n->params);
    /* conv 105.4 M + 223.9 + 149.5 + 112.1 + 74.8, fc 37.7 + 16.8 + 4.1 */
    CHECK(n->macs == 724406816LL, "alexnet MACs %lld", n->macs);
    CHECK(n->neurons > 640000 && n->neurons < 670000, "neurons %lld", n->neurons);
    CHECK(n->towers == 2 && n->classes == 1000 && n->lrn == AN_LRN_PAPER, "header");
    CHECK_SHAPE(n->input, 3, 227, 227, "input");

    const an_layer *L = layer(n, "conv1");
    CHECK_SHAPE(L->out, 96, 55, 55, "conv1 out");
    CHECK_SHAPE(L->out_tower, 48, 55, 55, "conv1 per tower");
    CHECK_SHAPE(L->in_tower, 3, 227, 227, "conv1 reads the whole image");
    CHECK(L->in_dist.kind == AN_DIST_ALL && L->out_dist.kind == AN_DIST_SPLIT, "conv1 dist");
    CHECK(L->conv.groups_whole == 1 && L->params == 34944, "conv1 groups/params");
    CHECK(L->macs == 105415200LL && L->macs_tower == L->macs / 2, "conv1 MACs %lld", L->macs);

    L = layer(n, "lrn1");
    CHECK(L->lrn.groups == 2 && L->lrn.size == 5 && L->lrn.k == 2 && L->lrn.alpha == 1e-4 &&
              L->lrn.beta == 0.75, "lrn1 params");
    CHECK(n->layers[2].kind == AN_LAYER_LRN && n->layers[3].kind == AN_LAYER_MAXPOOL,
          "alexnet: LRN before pooling");
    CHECK_SHAPE(layer(n, "pool1")->out, 96, 27, 27, "pool1");

    L = layer(n, "conv2");
    CHECK_SHAPE(L->out, 256, 27, 27, "conv2");
    CHECK_SHAPE(L->in_tower, 48, 27, 27, "conv2 reads its own tower");
    CHECK(L->conv.groups_whole == 2 && L->conv.in_per_group == 48, "conv2 grouped");
    CHECK(n->tensors[L->weight].dims[1] == 48 && n->tensors[L->weight].dims[2] == 5,
          "conv2.weight [256][48][5][5]");
    CHECK_SHAPE(layer(n, "pool2")->out, 256, 13, 13, "pool2");

    L = layer(n, "conv3");
    CHECK(L->input == AN_INPUT_CROSS && L->conv.groups_whole == 1, "conv3 crossover");
    CHECK_SHAPE(L->in_tower, 256, 13, 13, "conv3 reads both towers");
    CHECK_SHAPE(L->out_tower, 192, 13, 13, "conv3 per tower");
    CHECK(layer(n, "conv4")->conv.groups_whole == 2 && layer(n, "conv5")->conv.groups_whole == 2,
          "conv4/5 grouped");
    CHECK_SHAPE(layer(n, "conv5")->out, 256, 13, 13, "conv5");
    CHECK_SHAPE(layer(n, "pool5")->out, 256, 6, 6, "pool5");

    L = layer(n, "fc6");
    CHECK_SHAPE(L->in, 9216, 1, 1, "fc6 in (flattened)");
    CHECK_SHAPE(L->in_tower, 9216, 1, 1, "fc6 reads both towers");
    CHECK_SHAPE(L->out_tower, 2048, 1, 1, "fc6 per tower");
    CHECK(L->params == 37752832LL, "fc6 params");
    CHECK_SHAPE(layer(n, "fc8")->out_tower, 500, 1, 1, "fc8 500 + 500");
    CHECK(n->layers[n->nlayers - 1].kind == AN_LAYER_SOFTMAX, "softmax last");

    /* Tensors: weight then bias, in layer order. */
    CHECK(n->ntensors == 16, "16 tensors");
    CHECK(strcmp(n->tensors[0].name, "conv1.weight") == 0 &&
              strcmp(n->tensors[15].name, "fc8.bias") == 0, "tensor names");
    an_net_free(n);

    CHECK_OK(an_net_load("caffenet", &n));
    if (n) {
        CHECK(n->params == 60965224LL, "caffenet params %lld", n->params);
        CHECK(n->layers[2].kind == AN_LAYER_MAXPOOL && n->layers[3].kind == AN_LAYER_LRN,
              "caffenet: pooling before LRN");
        CHECK(layer(n, "lrn1")->lrn.groups == 2, "caffenet LRN per tower");
        an_net_free(n);
    }
}

static void test_owt_and_small(void) {
    an_net *n = NULL;
    CHECK_OK(an_net_load("alexnet-owt", &n));
    if (n) {
        CHECK(n->params == 61100840LL, "alexnet-owt params %lld", n->params);
        CHECK(n->towers == 1, "one tower");
        CHECK_SHAPE(layer(n, "conv1")->out, 64, 55, 55, "owt conv1");
        CHECK_SHAPE(layer(n, "pool5")->out, 256, 6, 6, "owt pool5");
        const an_layer *a = layer(n, "avgpool");
        CHECK(a->pool.adaptive && a->pool.out_size == 6, "adaptive avgpool");
        CHECK_SHAPE(a->out, 256, 6, 6, "owt avgpool");
        CHECK(n->layers[a - n->layers + 1].kind == AN_LAYER_DROPOUT, "dropout before fc6");
        CHECK(fabs(n->pre.mean[1] - 0.456) < 1e-12 && fabs(n->pre.std[2] - 0.225) < 1e-12 &&
                  n->pre.range == 1, "torchvision preprocessing");
        for (int i = 0; i < n->nlayers; i++)
            CHECK(n->layers[i].kind != AN_LAYER_LRN, "no LRN in owt");
        an_net_free(n);
    }
    CHECK_OK(an_net_load("alexnet-small", &n));
    if (n) {
        CHECK(n->towers == 2 && n->classes == 10 && n->input.c == 1 && n->input.h == 28, "small");
        CHECK(n->macs < 1000000, "alexnet-small MACs %lld", n->macs);
        CHECK(strcmp(n->pre.order, "grey") == 0, "grey");
        CHECK_SHAPE(layer(n, "pool5")->out, 16, 2, 2, "small pool5 at 28");
        int lrn = 0, drop = 0, cross = 0;
        for (int i = 0; i < n->nlayers; i++) {
            lrn += n->layers[i].kind == AN_LAYER_LRN;
            drop += n->layers[i].kind == AN_LAYER_DROPOUT;
            cross += n->layers[i].input == AN_INPUT_CROSS;
        }
        CHECK(lrn == 2 && drop == 2 && cross == 4, "small has the paper's layer kinds");
        /* the same net for 32×32 RGB and for 64×64 */
        CHECK_OK(an_net_set_input(n, 3, 32, 32));
        CHECK_SHAPE(layer(n, "pool5")->out, 16, 3, 3, "small pool5 at 32");
        CHECK(n->tensors[0].dims[1] == 3 && strcmp(n->pre.order, "rgb") == 0, "3 channels");
        CHECK_OK(an_net_set_input(n, 0, 64, 64));
        CHECK_SHAPE(layer(n, "fc6")->in, 16 * 7 * 7, 1, 1, "small fc6 in at 64");
        /* too small: the failure names a layer and leaves the net as it was */
        an_status s = an_net_set_input(n, 0, 8, 8);
        CHECK(s == AN_ERR_FORMAT && strstr(an_last_error(), "pool"), "8×8: %s", an_last_error());
        CHECK(n->input.h == 64 && layer(n, "fc6")->in.c == 784, "net unchanged after failure");
        an_net_free(n);
    }
    CHECK_OK(an_net_load("alexnet-small:channels=3,size=32", &n));
    if (n) {
        CHECK(n->input.c == 3 && n->input.h == 32 && layer(n, "fc6")->in.c == 144, "override");
        an_net_free(n);
    }
    CHECK(an_net_load("alexnet-small:chanels=3", &n) == AN_ERR_INVALID_ARG, "bad override");
    CHECK(an_net_load("no-such-net", &n) == AN_ERR_NOT_FOUND &&
              strstr(an_last_error(), "alexnet-small"), "unknown net lists built-ins: %s",
          an_last_error());
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) == (size_t)n) b[n] = 0;
    else {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* nets/<name>.net is the built-in text; and every net survives to_text → parse unchanged. */
static void test_files_and_text(void) {
    const char *src = getenv("ALEXNET_SOURCE_DIR");
    for (const char *const *nm = an_builtin_net_names(); *nm; nm++) {
        if (src) {
            char path[1024];
            snprintf(path, sizeof path, "%s/nets/%s.net", src, *nm);
            char *text = read_file(path);
            CHECK(text != NULL, "cannot read %s", path);
            if (text) {
                CHECK(strcmp(text, an_builtin_net_text(*nm)) == 0,
                      "%s differs from the built-in (rebuild: the build embeds it)", path);
                an_net *f = NULL;
                CHECK_OK(an_net_load(path, &f));
                an_net_free(f);
            }
            free(text);
        }
        an_net *a = NULL, *b = NULL;
        char *text = NULL;
        CHECK_OK(an_net_load(*nm, &a));
        if (!a) continue;
        CHECK_OK(an_net_to_text(a, &text));
        if (text) CHECK_OK(an_net_parse(text, "canonical", &b));
        if (b) {
            CHECK(a->nlayers == b->nlayers && a->ntensors == b->ntensors &&
                      a->params == b->params && a->macs == b->macs, "%s: round trip totals", *nm);
            for (int i = 0; i < a->nlayers && i < b->nlayers; i++) {
                an_layer x = a->layers[i], y = b->layers[i];
                x.line = y.line = 0;
                CHECK(memcmp(&x, &y, sizeof x) == 0, "%s: layer %s differs after round trip",
                      *nm, x.name);
            }
            CHECK(memcmp(&a->pre, &b->pre, sizeof a->pre) == 0, "%s: preprocess round trip", *nm);
        }
        free(text);
        an_net_free(a);
        an_net_free(b);
    }
}

/* A broken description must fail with AN_ERR_FORMAT and a message holding every `want`. */
static void expect_error(const char *text, const char *want1, const char *want2) {
    an_net *n = NULL;
    an_status s = an_net_parse(text, "bad.net", &n);
    const char *msg = an_last_error();
    CHECK(s == AN_ERR_FORMAT && !n, "accepted a broken description:\n%s", text);
    CHECK(strstr(msg, want1) && (!want2 || strstr(msg, want2)), "message '%s' lacks '%s' / '%s'",
          msg, want1, want2 ? want2 : "");
    an_net_free(n);
}

#define HDR "net name=t towers=2\ninput channels=3 size=16\n"

static void test_errors(void) {
    expect_error(HDR "convv name=c out=4 k=3\n", "bad.net:3:", "unknown keyword");
    expect_error(HDR "conv name=c out=4 k=3 strid=2\n", "bad.net:3:", "unknown key 'strid'");
    expect_error(HDR "\n# comment\nconv name=c k=3\n", "bad.net:5:", "missing out=");
    expect_error(HDR "conv name=c out=four k=3\n", "bad.net:3:", "out=four is not an integer");
    expect_error(HDR "conv out=4 k=3\n", "bad.net:3:", "missing name=");
    expect_error(HDR "conv name=c out=4 k=3 input=both\n", "bad.net:3:", "own|cross");
    expect_error(HDR "conv name=c out=4 k=3 stride\n", "bad.net:3:", "not key=value");
    expect_error("input channels=3 size=16\nconv name=c out=4 k=3\n", "bad.net:1:", "`net");
    expect_error("net name=t\nconv name=c out=4 k=3\n", "bad.net:2:", "input");
    expect_error(HDR "relu\ninput channels=1 size=8\n", "bad.net:4:", "before the layers");
    expect_error(HDR "conv name=c out=4 k=3\nconv name=c out=4 k=3\n", "bad.net:4:",
                 "already exists");
    /* shapes that do not fit name the layer */
    expect_error(HDR "conv name=c1 out=8 k=3 stride=2\nmaxpool name=p1 k=3 stride=2\n"
                     "maxpool name=p2 k=3 stride=2\nmaxpool name=p3 k=3 stride=2\n",
                 "bad.net:6: layer p3", "pool window 3×3 is larger than its input 1×1");
    expect_error(HDR "conv name=c1 out=5 k=3\n", "bad.net:3: layer c1", "not divisible");
    expect_error(HDR "conv name=c1 out=8 k=3\nconv name=c2 out=6 k=3 groups=3\n", "layer c2",
                 "groups=3 does not divide the 4 input channels");
    expect_error(HDR "conv name=c1 out=8 k=17\n", "layer c1", "larger than its padded input");
    expect_error(HDR "fc name=f1 out=8\nconv name=c1 out=8 k=1\n", "layer c1", "vector");
    expect_error(HDR "conv name=c1 out=8 k=3 tower=3\n", "layer c1", "tower=3");
    expect_error(HDR "conv name=c1 out=8 k=3\nfc name=f out=8 tower=1\n", "layer f",
                 "input=cross");
    expect_error(HDR "softmax\nrelu\n", "softmax must be the last layer", NULL);
    expect_error(HDR "lrn size=4\n", "size=4 must be odd", NULL);
    expect_error("net name=t classes=9\ninput channels=3 size=16\nfc name=f out=10\n",
                 "classes=9", "gives 10");
    expect_error("net name=t\ninput channels=3 size=16\npreprocess mean=1,2\nfc name=f out=10\n",
                 "2 mean", "3 input channels");
    expect_error("net name=t\ninput channels=3 size=16\nclass a\nclass b\nfc name=f out=3\n",
                 "2 class names given for 3 classes", NULL);
    expect_error("net name=t\n", "no `input", NULL);
}

/* A layer placed on one tower, and a crossover after it. */
static void test_placement(void) {
    const char *text = "net name=p towers=2\ninput channels=2 size=4\n"
                       "conv name=c1 out=8 k=3 pad=1\n"
                       "fc name=f1 out=6 input=cross tower=2\n"
                       "relu\n"
                       "fc name=f2 out=4 input=cross\n";
    an_net *n = NULL;
    CHECK_OK(an_net_parse(text, "placement", &n));
    if (!n) return;
    const an_layer *f1 = layer(n, "f1");
    CHECK(f1->out_dist.kind == AN_DIST_ONE && f1->out_dist.tower == 2, "f1 on tower 2");
    CHECK_SHAPE(f1->out_tower, 6, 1, 1, "f1 whole on its tower");
    CHECK(layer(n, "relu1")->in_dist.kind == AN_DIST_ONE, "relu follows");
    CHECK(layer(n, "f2")->out_dist.kind == AN_DIST_SPLIT, "f2 split again");
    an_layout t1, t2;
    CHECK_OK(an_layout_build(n, 1, &t1));
    CHECK_OK(an_layout_build(n, 2, &t2));
    CHECK(an_layout_find(&t1, "f1.weight") == NULL, "tower 1 lacks f1");
    const an_layout_entry *e = an_layout_find(&t2, "f1.weight");
    CHECK(e && e->row_begin == 0 && e->row_count == 6 && e->dims[1] == 128, "tower 2 has all f1");
    CHECK(t1.params + t2.params == (size_t)n->params, "towers' parameters add up");
    an_layout_free(&t1);
    an_layout_free(&t2);
    an_net_free(n);
}

static void test_layout(void) {
    an_net *n = NULL;
    CHECK_OK(an_net_load("alexnet", &n));
    if (!n) return;
    an_layout w, t[2];
    CHECK_OK(an_layout_whole(n, &w));
    CHECK_OK(an_layout_build(n, 1, &t[0]));
    CHECK_OK(an_layout_build(n, 2, &t[1]));
    an_layout bad_mask;
    CHECK(an_layout_build(n, 4, &bad_mask) == AN_ERR_INVALID_ARG, "mask beyond the towers");
    CHECK(an_layout_build(n, 0, &bad_mask) == AN_ERR_INVALID_ARG, "empty mask");
    CHECK(w.params == 60965224u && w.n == 16 && w.total >= w.params, "whole layout");
    CHECK(t[0].params + t[1].params == w.params, "tower parts add up");
    for (int i = 0; i < w.n; i++) {
        CHECK(w.e[i].offset % AN_LAYOUT_ALIGN == 0 && w.e[i].offset == w.e[i].whole_offset,
              "whole offsets");
        CHECK(w.e[i].row_begin == 0 && w.e[i].count == n->tensors[i].count, "whole tensors");
    }
    struct {
        const char *name;
        int begin, count;
        size_t row;
    } want[] = {{"conv1.weight", 48, 48, 363},  {"conv1.bias", 48, 48, 1},
                {"conv2.weight", 128, 128, 1200}, {"conv3.weight", 192, 192, 2304},
                {"fc6.weight", 2048, 2048, 9216}, {"fc8.weight", 500, 500, 4096}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const an_layout_entry *e = an_layout_find(&t[1], want[i].name);
        CHECK(e && e->row_begin == want[i].begin && e->row_count == want[i].count &&
                  e->row_size == want[i].row && e->dims[0] == want[i].count,
              "tower 2 %s: rows %d+%d of %zu", want[i].name, e ? e->row_begin : -1,
              e ? e->row_count : -1, e ? e->row_size : 0);
    }
    const an_layout_entry *e = an_layout_find(&t[0], "conv1.weight");
    CHECK(e && e->row_begin == 0 && e->dims[0] == 48 && e->dims[1] == 3 && e->dims[3] == 11,
          "tower 1 conv1 [48][3][11][11]");

    /* init: statistics on the whole, and each tower's slices are the whole's numbers */
    float *whole = malloc(w.total * sizeof *whole);
    float *part = malloc(t[0].total * sizeof *part);
    float *cut = malloc(t[0].total * sizeof *cut);
    float *back = malloc(w.total * sizeof *back);
    if (!whole || !part || !cut || !back) {
        CHECK(0, "out of memory");
        return;
    }
    CHECK_OK(an_init_params(n, &w, 2012, whole));
    static const double bias_want[8] = {0, 1, 0, 1, 1, 1, 1, 1}; /* conv1..5, fc6..8 */
    for (int i = 0; i < n->ntensors; i++) {
        const an_tensor *tt = &n->tensors[i];
        const float *x = whole + w.e[i].whole_offset;
        if (tt->is_bias) {
            size_t bad = 0;
            for (size_t j = 0; j < tt->count; j++) bad += x[j] != (float)bias_want[i / 2];
            CHECK(bad == 0, "%s: %zu values are not %g", tt->name, bad, bias_want[i / 2]);
            continue;
        }
        double s = 0, s2 = 0, in1 = 0;
        for (size_t j = 0; j < tt->count; j++) {
            s += x[j];
            s2 += (double)x[j] * x[j];
            in1 += fabs(x[j]) < 0.01;
        }
        double m = s / (double)tt->count, sd = sqrt(s2 / (double)tt->count - m * m);
        double se = 0.01 / sqrt((double)tt->count);
        CHECK(fabs(m) < 5 * se, "%s mean %g (5 se %g)", tt->name, m, 5 * se);
        CHECK(fabs(sd - 0.01) < 0.01 * (5 / sqrt((double)tt->count) + 0.002), "%s std %g",
              tt->name, sd);
        CHECK(fabs(in1 / (double)tt->count - 0.6827) < 0.01, "%s: %g within 1 std", tt->name,
              in1 / (double)tt->count);
    }
    memset(back, 0, w.total * sizeof *back);
    for (int k = 0; k < 2; k++) {
        check_poison(part, t[k].total);
        CHECK_OK(an_init_params(n, &t[k], 2012, part));
        an_layout_cut(&t[k], whole, cut);
        CHECK(memcmp(part, cut, t[k].total * sizeof *part) == 0,
              "tower %d's init differs from its slices of the whole init", k + 1);
        an_layout_paste(&t[k], part, back);
    }
    CHECK(memcmp(back, whole, w.total * sizeof *back) == 0, "pasting both towers gives the whole");
    CHECK_OK(an_init_params(n, &t[0], 2013, part));
    CHECK(memcmp(part, cut, 1000 * sizeof *part) != 0, "another seed, other numbers");
    CHECK(an_init_normal(1, 0, 0) != an_init_normal(1, 1, 0), "tensors get different streams");
    free(whole);
    free(part);
    free(cut);
    free(back);
    an_layout_free(&w);
    an_layout_free(&t[0]);
    an_layout_free(&t[1]);
    an_net_free(n);
}

int main(void) {
    test_alexnet();
    test_owt_and_small();
    test_files_and_text();
    test_errors();
    test_placement();
    test_layout();
    return check_done("test_netdesc");
}
