/* test/test_eval.c - the evaluation loop (host/train/evaluate.h) against a per-image reference.
 *
 *   test_eval DIR             the tests: top-k and softmax helpers against a sort and direct
 *                             sums; the centre-and-mirror views; an_evaluate (centre crop, centre
 *                             and mirror, and ten views, RGB and grey nets,
 *                             partial batches, forwards chunked below the loader batch) against
 *                             decoding every image alone and forwarding every view alone with a
 *                             double softmax on the host; a constant net's exact known answer;
 *                             a second epoch of one loader; a class-count mismatch refused;
 *                             the confusion heat map's geometry and colours (host/train/
 *                             confusion.h) on random matrices with empty rows.
 *   test_eval --fixtures DIR  write what test_cli_eval.sh needs: DIR/tree (15 JPEGs in 10 classes
 *                             and a bad file), const.anw (all weights 0, fc8.bias = BIAS: every
 *                             image gets softmax(BIAS)), random.anw (random weights, fc8 ×30),
 *                             four.anw (4 classes), grey.anw (1×28×28 input), bad.jpg, and
 *                             bias.txt (BIAS, one per line).
 *
 * Tolerances: top-1/top-5 counts exact (the reference forwards the same views on the same
 * device); mean loss |a−b| ≤ 1e-5 + 1e-5·|ref| (float logits, batch 1 against chunked batches). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "data/image.h"
#include "data/jpeg.h"
#include "data/source.h"
#include "net/init.h"
#include "net/layout.h"
#include "net/model.h"
#include "net/weights.h"
#include "train/confusion.h"
#include "train/evaluate.h"
#include "train/feed.h"
#include "util/read_file.h"

#define NCLASS 10
static const int per_class[NCLASS] = {1, 2, 1, 3, 1, 1, 2, 1, 1, 2};
static const float BIAS[NCLASS] = {0.3f, 2.0f, -0.5f, 1.2f, 0.0f, -1.0f, 0.8f, 0.5f, -0.2f, 1.5f};

static int mkdir_p(const char *path) { return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1; }

static int write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

/* A smooth random colour field with some texture, w×h, as a JPEG file. */
static int write_jpeg(an_jpeg *j, const char *path, int w, int h, uint64_t seed) {
    an_image img = {0};
    if (an_image_reserve(&img, w, h) != AN_OK) return -1;
    float base[3], gx[3], gy[3];
    for (int c = 0; c < 3; c++) {
        base[c] = check_rand_uniform(&seed, 40, 210);
        gx[c] = check_rand_uniform(&seed, -3, 3);
        gy[c] = check_rand_uniform(&seed, -3, 3);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                float v = base[c] + gx[c] * (float)(x - w / 2) + gy[c] * (float)(y - h / 2) +
                          check_rand_uniform(&seed, -20, 20);
                img.px[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)c] =
                    (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    uint8_t *out = NULL;
    size_t cap = 0, len = 0;
    an_status s = an_jpeg_encode(j, &img, 90, 1, &out, &cap, &len);
    int rc = s == AN_OK ? write_bytes(path, out, len) : -1;
    free(out);
    an_image_free(&img);
    return rc;
}

/* DIR/tree/c<k>/i<n>.jpg for the per_class counts, plus a file that is not a JPEG. */
static int make_tree(const char *dir) {
    char path[4096];
    an_jpeg *j;
    if (an_jpeg_create(&j) != AN_OK) return -1;
    snprintf(path, sizeof path, "%s/tree", dir);
    int rc = mkdir_p(dir) || mkdir_p(path);
    uint64_t seed = 2012;
    for (int k = 0; k < NCLASS && !rc; k++) {
        snprintf(path, sizeof path, "%s/tree/c%d", dir, k);
        rc = mkdir_p(path);
        for (int i = 0; i < per_class[k] && !rc; i++) {
            snprintf(path, sizeof path, "%s/tree/c%d/i%d.jpg", dir, k, i);
            int w = 36 + (int)(check_rand_u64(&seed) % 30), h = 36 + (int)(check_rand_u64(&seed) % 30);
            rc = write_jpeg(j, path, w, h, check_rand_u64(&seed));
        }
    }
    snprintf(path, sizeof path, "%s/tree/c3/zz-broken.jpg", dir);
    if (!rc) rc = write_bytes(path, "this is not a JPEG", 18);
    an_jpeg_destroy(j);
    return rc;
}

/* alexnet-small with another input and class count, and class names "Cls k". */
static an_status small_net(int channels, int size, int classes, an_net **out) {
    char *text = strdup(an_builtin_net_text("alexnet-small"));
    if (!text) return an_error(AN_ERR_NOMEM, "out of memory");
    if (classes != 10) {
        char *a = strstr(text, "classes=10"), *b = strstr(text, "name=fc8 out=10");
        if (!a || !b) {
            free(text);
            return an_error(AN_ERR_INTERNAL, "alexnet-small's text changed");
        }
        a[8] = b[13] = (char)('0' + classes);
        a[9] = b[14] = ' ';
    }
    an_status s = an_net_parse(text, "test alexnet-small", out);
    free(text);
    AN_TRY(s);
    s = an_net_set_input(*out, channels, size, size);
    char names[NCLASS][16];
    const char *np[NCLASS];
    for (int k = 0; k < classes; k++) {
        snprintf(names[k], sizeof names[k], "Cls %d", k);
        np[k] = names[k];
    }
    if (s == AN_OK) s = an_net_set_class_names(*out, classes, np);
    if (s != AN_OK) an_net_free(*out);
    return s;
}

/* Whole-layout parameters: random (init seed, fc8 weights ×30 so that the classes differ), or
 * zeros with fc8.bias = BIAS. */
static an_status make_params(const an_net *net, int random, float **out) {
    an_layout L;
    AN_TRY(an_layout_whole(net, &L));
    float *w = calloc(L.total, sizeof *w);
    an_status s = w ? AN_OK : an_error(AN_ERR_NOMEM, "out of memory");
    if (s == AN_OK && random) s = an_init_params(net, &L, 7, w);
    for (int i = 0; s == AN_OK && i < L.n; i++) {
        const an_layout_entry *e = &L.e[i];
        if (strcmp(e->name, "fc8.weight") == 0 && random)
            for (size_t k = 0; k < e->count; k++) w[e->offset + k] *= 30.0f;
        if (strcmp(e->name, "fc8.bias") == 0 && !random)
            for (size_t k = 0; k < e->count; k++) w[e->offset + k] = BIAS[k % NCLASS];
    }
    an_layout_free(&L);
    if (s != AN_OK) free(w);
    else *out = w;
    return s;
}

static an_status save_weights(const char *dir, const char *name, int channels, int size,
                              int classes, int random) {
    an_net *net;
    AN_TRY(small_net(channels, size, classes, &net));
    float *w = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    an_status s = make_params(net, random, &w);
    if (s == AN_OK) s = an_weights_save(path, net, w);
    free(w);
    an_net_free(net);
    return s;
}

static int fixtures(const char *dir) {
    char path[4096];
    CHECK(make_tree(dir) == 0, "cannot write the image tree under %s", dir);
    CHECK_OK(save_weights(dir, "const.anw", 3, 32, 10, 0));
    CHECK_OK(save_weights(dir, "random.anw", 3, 32, 10, 1));
    CHECK_OK(save_weights(dir, "four.anw", 3, 32, 4, 1));
    CHECK_OK(save_weights(dir, "grey.anw", 1, 28, 10, 1));
    snprintf(path, sizeof path, "%s/bad.jpg", dir);
    CHECK(write_bytes(path, "\xff\xd8\xff\xe0 truncated", 15) == 0, "write %s", path);
    snprintf(path, sizeof path, "%s/bias.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "write %s", path);
    for (int k = 0; f && k < NCLASS; k++) fprintf(f, "%.9g\n", (double)BIAS[k]);
    if (f) fclose(f);
    return check_done("test_eval --fixtures");
}

static void test_helpers(void) {
    uint64_t seed = 99;
    enum { K = 37 };
    double p[K];
    float z[K];
    for (int i = 0; i < K; i++) {
        z[i] = check_rand_uniform(&seed, -4, 4);
        /* every third value repeated: ties must keep the lower index first */
        p[i] = i % 3 == 2 ? p[i - 1] : (double)check_rand_uniform(&seed, 0, 1);
    }
    for (int k = 1; k <= K; k += 6) {
        int idx[K], bad = 0;
        an_top_k(p, K, k, idx);
        for (int j = 0; j < k; j++) {
            /* the j-th largest: exactly j values rank before it (greater, or equal and earlier) */
            int before = 0;
            for (int i = 0; i < K; i++)
                before += p[i] > p[idx[j]] || (p[i] == p[idx[j]] && i < idx[j]);
            bad += before != j;
        }
        CHECK(bad == 0, "top %d: %d misplaced", k, bad);
    }
    double probs[K], sum = 0, lse_ref = 0;
    double lse = an_softmax_d(z, K, probs);
    for (int i = 0; i < K; i++) lse_ref += exp((double)z[i]);
    lse_ref = log(lse_ref);
    for (int i = 0; i < K; i++) sum += probs[i];
    CHECK(fabs(lse - lse_ref) < 1e-12 && fabs(sum - 1) < 1e-12, "lse %.17g vs %.17g, sum %.17g",
          lse, lse_ref, sum);
    CHECK(fabs(probs[5] - exp((double)z[5] - lse_ref)) < 1e-14, "softmax[5]");

    /* built-ins parsed from their text: an_net_load would take a file named "alexnet" in the
     * working directory (the build tree has one) for a description */
    an_net *net = NULL;
    CHECK_OK(an_net_parse(an_builtin_net_text("alexnet"), "built-in alexnet", &net));
    if (net) CHECK(an_eval_stored_size(net) == 256, "alexnet (227) stores 256");
    an_net_free(net);
    net = NULL;
    CHECK_OK(small_net(1, 28, 10, &net));
    if (!net) return;
    CHECK(an_eval_stored_size(net) == 32, "28 -> 32, got %d", an_eval_stored_size(net));
    CHECK_OK(an_net_set_input(net, 3, 32, 32));
    CHECK(an_eval_stored_size(net) == 37, "32 -> 37, got %d", an_eval_stored_size(net));
    an_net_free(net);
}

/* The heat map of random K-class matrices (every third row empty): its side, its border, every
 * pixel of every cell (the row's fraction from white to dark blue, grey when empty, grid lines
 * on big cells). */
static void test_confusion_image(void) {
    static const int Ks[] = {1, 2, 7, 20, 21, 33, 640, 1000};
    const uint8_t dark[3] = AN_CONFUSION_DARK;
    uint64_t seed = 15;
    for (size_t t = 0; t < sizeof Ks / sizeof Ks[0]; t++) {
        int K = Ks[t], want_cell = 640 / K < 1 ? 1 : 640 / K > 32 ? 32 : 640 / K;
        size_t *cm = calloc((size_t)K * K, sizeof *cm);
        if (!cm) return;
        for (int y = 0; y < K; y++)
            for (int p = 0; p < K; p++)
                if (K == 1 || y % 3 != 1)
                    cm[(size_t)y * K + p] =
                        check_rand_u64(&seed) % 4 == 0 ? 0 : check_rand_u64(&seed) % 50;
        uint8_t *px = NULL;
        int side = 0;
        CHECK_OK(an_confusion_image(K, cm, &px, &side));
        int cell = an_confusion_cell(K), B = AN_CONFUSION_BORDER;
        CHECK(cell == want_cell && side == K * cell + 2 * B, "K %d: cell %d side %d", K, cell,
              side);
        size_t bad = 0, border = 0;
        for (int i = 0; px && i < side; i++)
            for (int j = 0; j < side; j++) {
                const uint8_t *q = px + ((size_t)i * side + j) * 3;
                int y = (i - B) / cell, p = (j - B) / cell;
                uint8_t want[3];
                if (i < B || j < B || i >= side - B || j >= side - B) {
                    border += q[0] != 255 || q[1] != 255 || q[2] != 255;
                    continue;
                }
                double row = 0, n = (double)cm[(size_t)y * K + p];
                for (int k = 0; k < K; k++) row += (double)cm[(size_t)y * K + k];
                int grid = cell >= 8 && ((i - B) % cell == cell - 1 || (j - B) % cell == cell - 1);
                for (int c = 0; c < 3; c++)
                    want[c] = grid ? AN_CONFUSION_GRID
                              : row == 0 ? AN_CONFUSION_EMPTY
                              : (uint8_t)lround(255 - (255 - dark[c]) * n / row);
                bad += memcmp(q, want, 3) != 0;
            }
        CHECK(px && bad == 0 && border == 0, "K %d: %zu cell pixels and %zu border pixels wrong", K,
              bad, border);
        free(px);
        free(cm);
    }
    uint8_t *px = (uint8_t *)&seed;
    int side = 7;
    size_t one = 1;
    CHECK(an_confusion_image(0, &one, &px, &side) == AN_ERR_INVALID_ARG && !px && side == 0,
          "0 classes refused");
}

typedef struct ref_result {
    int images, top1, top5;
    double loss;
} ref_result;

/* Every image decoded alone, every view forwarded alone, probabilities averaged in double. */
static an_status reference(an_model *m, const an_net *net, const char *tree, an_crop_mode crop,
                           ref_result *r) {
    memset(r, 0, sizeof *r);
    an_source src;
    AN_TRY(an_source_scan(tree, NULL, NULL, 1, &src));
    an_jpeg *j;
    an_status s = an_jpeg_create(&j);
    an_resizer rs = {0};
    an_image dec = {0}, fit = {0};
    uint8_t *file = NULL;
    size_t cap = 0, len;
    int K = net->classes, C = net->input.c, side = net->input.h;
    int V = crop == AN_CROP_TEN ? 10 : crop == AN_CROP_FLIP ? 2 : 1;
    int size = an_eval_stored_size(net);
    size_t hw = (size_t)side * (size_t)side;
    an_view_config v = an_feed_view(net, crop, 0);
    float *views = malloc(10 * 3 * hw * sizeof(float)), *x = malloc(3 * hw * sizeof(float));
    float logits[NCLASS];
    double avg[NCLASS];
    for (size_t i = 0; s == AN_OK && i < src.n; i++) {
        if (an_read_file(src.items[i].path, &file, &cap, &len) != AN_OK ||
            an_jpeg_decode(j, file, len, size, &dec) != AN_OK) {
            an_error_clear();
            continue; /* the bad file: the loader skips it too */
        }
        s = an_image_fit(&rs, &dec, size, &fit);
        if (s != AN_OK) break;
        an_view_image(&v, fit.px, size, NULL, 0, 0, 0, views);
        int y = src.items[i].label;
        for (int k = 0; k < K; k++) avg[k] = 0;
        for (int vi = 0; vi < V && s == AN_OK; vi++) {
            const float *rgb = views + (size_t)vi * 3 * hw;
            for (size_t p = 0; p < hw; p++) {
                if (C == 3)
                    for (int c = 0; c < 3; c++) x[c * hw + p] = rgb[c * hw + p];
                else
                    x[p] = (rgb[p] + rgb[hw + p] + rgb[2 * hw + p]) / 3.0f;
            }
            check_poison(logits, NCLASS);
            s = an_model_forward(m, x, NULL, 1, 0, 0);
            if (s == AN_OK) s = an_model_read_logits(m, logits);
            double mx = logits[0], sum = 0;
            for (int k = 1; k < K; k++) mx = logits[k] > mx ? logits[k] : mx;
            for (int k = 0; k < K; k++) sum += exp((double)logits[k] - mx);
            for (int k = 0; k < K; k++) avg[k] += exp((double)logits[k] - mx) / sum / V;
        }
        int greater = 0;
        for (int k = 0; k < K; k++) greater += avg[k] > avg[y];
        r->images++;
        r->top1 += greater < 1;
        r->top5 += greater < 5;
        r->loss -= log(avg[y]);
    }
    if (r->images) r->loss /= r->images;
    free(views);
    free(x);
    free(file);
    an_image_free(&dec);
    an_image_free(&fit);
    an_resizer_free(&rs);
    an_jpeg_destroy(j);
    an_source_free(&src);
    return s;
}

static void compare(const char *what, const an_eval_result *r, const ref_result *ref, int views) {
    CHECK(r->images == (size_t)ref->images && r->views == views, "%s: %zu images (%d views), "
          "want %d (%d)", what, r->images, r->views, ref->images, views);
    CHECK(r->top1_correct == (size_t)ref->top1 && r->top5_correct == (size_t)ref->top5,
          "%s: top-1/top-5 correct %zu/%zu, want %d/%d", what, r->top1_correct, r->top5_correct,
          ref->top1, ref->top5);
    double want1 = 100.0 * (ref->images - ref->top1) / ref->images;
    CHECK(fabs(r->top1_err - want1) < 1e-9, "%s: top-1 error %g, want %g", what, r->top1_err,
          want1);
    CHECK(fabs(r->loss - ref->loss) <= 1e-5 + 1e-5 * fabs(ref->loss), "%s: loss %.9g, want %.9g",
          what, r->loss, ref->loss);
    CHECK(r->bad == 1, "%s: %zu bad files, want the one", what, r->bad);
}

/* AN_CROP_FLIP's two views are the centre crop and that crop mirrored left to right. */
static void test_flip_views(void) {
    enum { S = 9, N = 6 };
    uint8_t px[S * S * 3];
    uint64_t seed = 77;
    for (int i = 0; i < S * S * 3; i++) px[i] = (uint8_t)(check_rand_u64(&seed) % 256);
    an_view_config c = an_view_center(N), f = an_view_flip(N);
    c.norm = f.norm = AN_NORM_NONE;
    float centre[3 * N * N], views[2 * 3 * N * N];
    check_poison(views, 2 * 3 * N * N);
    CHECK(an_view_count(&f) == 2, "flip: %d views", an_view_count(&f));
    an_view_image(&c, px, S, NULL, 0, 0, 0, centre);
    an_view_image(&f, px, S, NULL, 0, 0, 0, views);
    int bad = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++) {
                float want = px[((y + 1) * S + x + 1) * 3 + ch];
                bad += centre[(ch * N + y) * N + x] != want;
                bad += views[(ch * N + y) * N + x] != want;
                bad += views[((3 + ch) * N + y) * N + (N - 1 - x)] != want;
            }
    CHECK(bad == 0, "flip views: %d pixels differ from the centre crop and its mirror", bad);
}

/* One net's checks: centre and ten views against the reference, a loader reused for a second
 * epoch. */
static void test_net(an_dev *dev, const char *dir, int channels, int size, int random) {
    char tree[4096], what[64];
    snprintf(tree, sizeof tree, "%s/tree", dir);
    an_net *net;
    CHECK_OK(small_net(channels, size, 10, &net));
    an_model *m = NULL;
    an_model_opts mo = an_model_defaults();
    mo.batch = 16;
    float *w = NULL;
    CHECK_OK(an_model_create(net, dev, 1, &mo, &m));
    CHECK_OK(make_params(net, random, &w));
    if (!m || !w) return;
    CHECK_OK(an_model_set_params(m, w));
    for (int mode = 0; mode < 3; mode++) {
        int ten = mode == 1, flip = mode == 2, V = ten ? 10 : flip ? 2 : 1;
        snprintf(what, sizeof what, "%s %dx%d %s", random ? "random" : "const", channels, size,
                 ten ? "ten views" : flip ? "centre and mirror" : "centre");
        an_eval_opts o = an_eval_defaults();
        o.ten_crop = ten;
        o.flip = flip;
        o.batch = 4;                /* 15 images: three full batches and a partial one */
        o.model_batch = ten ? 16 : 3; /* forwards of 16,16,8 views, or 3,1 images */
        o.threads = 2;
        an_eval_result r;
        CHECK_OK(an_evaluate(m, net, tree, &o, &r));
        ref_result ref;
        CHECK_OK(reference(m, net, tree, ten ? AN_CROP_TEN : flip ? AN_CROP_FLIP : AN_CROP_CENTER,
                           &ref));
        compare(what, &r, &ref, V);
        if (!random) {
            /* every image gets softmax(BIAS): class 1 is the top, classes 1,9,3,6,7 the top five */
            double p[NCLASS], loss = 0;
            float z[NCLASS];
            memcpy(z, BIAS, sizeof z);
            an_softmax_d(z, NCLASS, p);
            int n = 0;
            for (int k = 0; k < NCLASS; k++) {
                n += per_class[k];
                loss -= per_class[k] * log(p[k]);
            }
            double t1 = 100.0 * (n - per_class[1]) / n;
            double t5 = 100.0 * (n - per_class[1] - per_class[9] - per_class[3] - per_class[6] -
                                 per_class[7]) / n;
            CHECK(fabs(r.top1_err - t1) < 1e-9 && fabs(r.top5_err - t5) < 1e-9,
                  "%s: errors %g/%g, want %g/%g", what, r.top1_err, r.top5_err, t1, t5);
            CHECK(fabs(r.loss - loss / n) < 1e-6, "%s: loss %.9g, want %.9g", what, r.loss,
                  loss / n);
        }
        if (ten) {
            /* the trainer's use: one loader, an epoch per call */
            an_loader *l = NULL;
            CHECK_OK(an_eval_open_loader(net, tree, &o, &l));
            an_eval_result a, b;
            if (l) {
                CHECK_OK(an_evaluate_loader(m, net, l, &o, &a));
                CHECK_OK(an_evaluate_loader(m, net, l, &o, &b));
                CHECK(a.images == b.images && a.top1_correct == b.top1_correct &&
                      a.loss == b.loss && a.images == r.images,
                      "%s: second epoch %zu images loss %.9g, first %zu %.9g", what, b.images,
                      b.loss, a.images, a.loss);
                an_loader_close(l);
            }
        }
    }
    /* a net of another class count is refused, naming both counts */
    an_net *four = NULL;
    CHECK_OK(small_net(channels, size, 4, &four));
    an_eval_opts o = an_eval_defaults();
    o.model_batch = 16;
    an_eval_result r;
    an_status s = four ? an_evaluate(m, four, tree, &o, &r) : AN_ERR_INTERNAL;
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "has 10 classes") &&
          strstr(an_last_error(), "has 4"), "class mismatch: %s: %s", an_status_name(s),
          an_last_error());
    an_net_free(four);
    free(w);
    an_model_free(m);
    an_net_free(net);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--fixtures") == 0) return fixtures(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: test_eval DIR | test_eval --fixtures DIR\n");
        return 2;
    }
    test_helpers();
    test_flip_views();
    test_confusion_image();
    CHECK(make_tree(argv[1]) == 0, "cannot write the image tree under %s", argv[1]);
    an_device_info *list;
    int n;
    CHECK_OK(check_devices_list(&list, &n));
    an_dev dev;
    CHECK_OK(an_devs_open(list, 1, &dev));
    free(list);
    test_net(&dev, argv[1], 3, 32, 0);
    test_net(&dev, argv[1], 3, 32, 1);
    test_net(&dev, argv[1], 1, 28, 1);
    an_devs_close(&dev, 1);
    return check_done("test_eval");
}
