/* test/test_api.c - the public API (include/alexnet/alexnet.h) on a small net.
 *
 *   test_api                          the checks below
 *   test_api --make-weights NET SEED OUT.anw   a net's paper initialisation from SEED, saved
 *   test_api --dump WEIGHTS OUT IMAGE...       the API's view of JPEG files: OUT.input (N×C×H×W
 *                                     floats), OUT.logits and OUT.probs (N×K floats), raw
 *   test_api --jpeg OUT.jpg W H SEED  a smooth random colour JPEG (for tests without photos)
 *
 * Checks: version; devices by spec (and a bad spec's message); a trainable alexnet-small: SGD
 * steps on one batch lower its loss; saved weights reopened give the same logits; probabilities
 * are softmax(logits) and sum to 1; classify_jpeg = preprocess + forward; JPEG preprocessing
 * of a grey net equals the channel mean of an RGB net's; forwards from two threads on two
 * networks equal the serial ones, and so does the two-tower split over two devices; every misuse
 * fails with its status and a message. */
#include <pthread.h>

#include "alexnet/alexnet.h"
#include "check.h"
#include "data/jpeg.h"
#include "util/mkdir_p.h"
#include "util/read_file.h"

#define SMALL "alexnet-small:channels=3,size=32"

static uint8_t *read_all(const char *path, size_t *len) {
    uint8_t *buf = NULL;
    size_t cap = 0;
    if (an_read_file(path, &buf, &cap, len) != AN_OK) {
        fprintf(stderr, "%s\n", an_last_error());
        exit(1);
    }
    return buf;
}

/* A smooth random colour field as JPEG bytes (*len), from seed. */
static uint8_t *make_jpeg(int w, int h, uint64_t seed, size_t *len) {
    an_image img = {0};
    an_jpeg *j = NULL;
    uint8_t *out = NULL;
    size_t cap = 0;
    float c[3][3];
    for (int k = 0; k < 3; k++)
        for (int m = 0; m < 3; m++) c[k][m] = check_rand_uniform(&seed, 0.f, 1.f);
    if (an_image_reserve(&img, w, h) != AN_OK || an_jpeg_create(&j) != AN_OK) exit(1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) {
                float v = 0.5f + 0.25f * sinf(6.f * c[k][0] * (float)x / (float)w + 9 * c[k][2]) +
                          0.25f * cosf(7.f * c[k][1] * (float)y / (float)h);
                img.px[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)k] = (uint8_t)(255 * v);
            }
    if (an_jpeg_encode(j, &img, 92, 1, &out, &cap, len) != AN_OK) exit(1);
    an_jpeg_destroy(j);
    an_image_free(&img);
    return out;
}

static int write_floats(const char *base, const char *ext, const float *x, size_t n) {
    char path[4096];
    snprintf(path, sizeof path, "%s.%s", base, ext);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(x, sizeof(float), n, f) == n;
    if (f) ok &= fclose(f) == 0;
    if (!ok) fprintf(stderr, "cannot write %s\n", path);
    return ok ? 0 : 1;
}

static int make_weights(const char *net, const char *seed, const char *out) {
    an_devices *d = NULL;
    an_network *n = NULL;
    an_network_opts o;
    an_network_opts_default(&o);
    o.batch = 1;
    o.seed = strtoull(seed, NULL, 10);
    an_status s = an_devices_open(NULL, &d);
    if (s == AN_OK) s = an_network_create(d, net, &o, &n);
    if (s == AN_OK) s = an_network_save_weights(n, out);
    if (s != AN_OK) fprintf(stderr, "test_api --make-weights: %s\n", an_last_error());
    an_network_close(n);
    an_devices_close(d);
    return s == AN_OK ? 0 : 1;
}

static int dump(const char *weights, const char *out, int nimg, char **images) {
    an_devices *d = NULL;
    an_network *n = NULL;
    an_network_info info;
    an_status s = an_devices_open(NULL, &d);
    if (s == AN_OK) s = an_network_open(d, weights, NULL, &n);
    if (s == AN_OK) s = an_network_get_info(n, &info);
    if (s != AN_OK) {
        fprintf(stderr, "test_api --dump: %s\n", an_last_error());
        return 1;
    }
    size_t per = (size_t)info.channels * (size_t)info.height * (size_t)info.width;
    size_t K = (size_t)info.classes;
    float *x = malloc(per * (size_t)nimg * sizeof(float));
    float *logits = malloc(K * (size_t)nimg * sizeof(float));
    float *probs = malloc(K * (size_t)nimg * sizeof(float));
    for (int i = 0; i < nimg && s == AN_OK; i++) {
        size_t len;
        uint8_t *buf = read_all(images[i], &len);
        s = an_network_preprocess_jpeg(n, buf, len, 0, x + (size_t)i * per);
        free(buf);
    }
    if (s == AN_OK) s = an_network_forward(n, x, nimg, AN_OUTPUT_LOGITS, logits);
    if (s == AN_OK) s = an_network_forward(n, x, nimg, AN_OUTPUT_PROBS, probs);
    int rc = s != AN_OK;
    if (rc) fprintf(stderr, "test_api --dump: %s\n", an_last_error());
    if (!rc)
        rc = write_floats(out, "input", x, per * (size_t)nimg) |
             write_floats(out, "logits", logits, K * (size_t)nimg) |
             write_floats(out, "probs", probs, K * (size_t)nimg);
    free(x);
    free(logits);
    free(probs);
    an_network_close(n);
    an_devices_close(d);
    return rc;
}

static int jpeg_file(const char *out, const char *w, const char *h, const char *seed) {
    size_t len;
    uint8_t *buf = make_jpeg(atoi(w), atoi(h), strtoull(seed, NULL, 10), &len);
    FILE *f = fopen(out, "wb");
    int ok = f && fwrite(buf, 1, len, f) == len;
    if (f) ok &= fclose(f) == 0;
    free(buf);
    return ok ? 0 : 1;
}

typedef struct job {
    an_network *n;
    const float *x;
    int count;
    float *out;
    an_status s;
} job;

static void *run_job(void *arg) {
    job *j = arg;
    for (int r = 0; r < 3 && j->s == AN_OK; r++)
        j->s = an_network_forward(j->n, j->x, j->count, AN_OUTPUT_LOGITS, j->out);
    return NULL;
}

/* Misuse: each call fails with its status and leaves a message. */
static void check_errors(an_devices *d, an_network *inf, const float *x, const int *labels,
                         const char *dir) {
    float out[16];
    an_network *n = NULL;
    int bad_label[1] = {10};
    const uint8_t junk[64] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3};
    CHECK(an_network_forward(inf, x, 0, AN_OUTPUT_LOGITS, out) == AN_ERR_INVALID_ARG, "count 0");
    CHECK(strstr(an_last_error(), "at least 1"), "message: %s", an_last_error());
    CHECK(an_network_forward(inf, x, 1, (an_output)7, out) == AN_ERR_INVALID_ARG, "output 7");
    CHECK(an_network_train_step(inf, x, labels, 1, 0.01f, 0.9f, 0, NULL) == AN_ERR_INVALID_ARG,
          "training an inference network");
    CHECK(strstr(an_last_error(), "opts.train = 1"), "message: %s", an_last_error());
    CHECK(an_network_preprocess_jpeg(inf, junk, sizeof junk, 0, out) == AN_ERR_FORMAT,
          "a broken JPEG");
    CHECK(an_network_preprocess_jpeg(inf, junk, sizeof junk, 16, out) == AN_ERR_INVALID_ARG,
          "size below the input");
    CHECK(an_network_class_name(inf, 10, &(const char *){NULL}) == AN_ERR_INVALID_ARG,
          "class 10 of 10");
    CHECK(an_network_create(d, "no-such-net", NULL, &n) != AN_OK && !n, "unknown net");
    CHECK(strstr(an_last_error(), "no-such-net"), "message: %s", an_last_error());
    char path[4096];
    snprintf(path, sizeof path, "%s/missing.anw", dir);
    CHECK(an_network_open(d, path, NULL, &n) != AN_OK && !n, "missing weights");
    CHECK(strstr(an_last_error(), "missing.anw"), "message: %s", an_last_error());
    an_network_opts o;
    an_network_opts_default(&o);
    o.batch = 0;
    CHECK(an_network_create(d, SMALL, &o, &n) == AN_ERR_INVALID_ARG, "batch 0");
    o.batch = 2;
    o.train = 1;
    CHECK_OK(an_network_create(d, SMALL, &o, &n));
    CHECK(an_network_train_step(n, x, bad_label, 1, 0.01f, 0.9f, 0, NULL) == AN_ERR_INVALID_ARG,
          "label 10 of 10 classes");
    CHECK(an_network_train_step(n, x, labels, 3, 0.01f, 0.9f, 0, NULL) == AN_ERR_INVALID_ARG,
          "3 images, batch 2");
    /* Weights of another net are refused. */
    snprintf(path, sizeof path, "%s/grey.anw", dir);
    an_network *g = NULL;
    CHECK_OK(an_network_create(d, "alexnet-small", NULL, &g));
    CHECK_OK(an_network_save_weights(g, path));
    CHECK(an_network_load_weights(n, path) == AN_ERR_FORMAT, "weights of the grey net");
    CHECK(strstr(an_last_error(), "does not match"), "message: %s", an_last_error());
    CHECK(an_devices_close(d) == AN_ERR_INVALID_ARG, "closing devices with open networks");
    an_network_close(g);
    an_network_close(n);
}

static void check_threads(an_devices *d, const char *weights, const float *x, int count,
                          const float *ref, size_t nout) {
    job jobs[2];
    pthread_t th[2];
    float *out[2];
    for (int t = 0; t < 2; t++) {
        out[t] = malloc(nout * sizeof(float));
        check_poison(out[t], nout);
        jobs[t] = (job){NULL, x, count, out[t], AN_OK};
        CHECK_OK(an_network_open(d, weights, NULL, &jobs[t].n));
    }
    /* The same forward from this thread first: the threads' logits must equal it bitwise.
     * ref's network (batch 3) ran the fourth image alone, through the fc layers' GEMV, whose
     * sums round otherwise than the GEMM's: against ref the tolerance is a float's. */
    float *own = malloc(nout * sizeof(float));
    check_poison(own, nout);
    CHECK_OK(an_network_forward(jobs[0].n, x, count, AN_OUTPUT_LOGITS, own));
    check_close("logits of the threads' networks", own, ref, nout, 1e-6f, 1e-5f);
    for (int t = 0; t < 2; t++) pthread_create(&th[t], NULL, run_job, &jobs[t]);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < 2; t++) {
        CHECK(jobs[t].s == AN_OK, "thread %d: %s", t, an_status_name(jobs[t].s));
        check_close("logits from a thread", out[t], own, nout, 0, 0);
        an_network_close(jobs[t].n);
        free(out[t]);
    }
    free(own);
}

/* The two-tower split over "ID,ID" (the default device opened twice, as `--device A,B`): the
 * same logits as one device (model.h: bitwise on devices of one kind). */
static void check_two_towers(const char *desc, const char *weights, const float *x, int count,
                             const float *ref, size_t nout) {
    char spec[80];
    const char *sp = strchr(desc, ' ');
    int idlen = sp ? (int)(sp - desc) : 0;
    snprintf(spec, sizeof spec, "%.*s,%.*s", idlen, desc, idlen, desc);
    an_devices *d2 = NULL;
    an_network *n = NULL;
    int nd = 0;
    float *out = malloc(nout * sizeof(float));
    check_poison(out, nout);
    CHECK_OK(an_devices_open(spec, &d2));
    if (d2) CHECK_OK(an_devices_count(d2, &nd));
    CHECK(nd == 2, "%s opens %d devices", spec, nd);
    if (d2) CHECK_OK(an_network_open(d2, weights, NULL, &n));
    if (n) CHECK_OK(an_network_forward(n, x, count, AN_OUTPUT_LOGITS, out));
    if (n) check_close("logits on two devices", out, ref, nout, 1e-6f, 1e-5f);
    an_network_close(n);
    CHECK_OK(an_devices_close(d2));
    free(out);
}

static int run_checks(const char *dir) {
    an_device_info *list;
    int ndev;
    CHECK_OK(check_devices_list(&list, &ndev));
    free(list);
    int ma, mi, pa;
    CHECK_OK(an_version(&ma, &mi, &pa));
    CHECK(ma == AN_VERSION_MAJOR && mi == AN_VERSION_MINOR && pa == AN_VERSION_PATCH,
          "version %d.%d.%d", ma, mi, pa);
    an_devices *d = NULL;
    CHECK(an_devices_open("no-such-device-xyz", &d) == AN_ERR_NOT_FOUND && !d, "a bad spec");
    CHECK(strstr(an_last_error(), "no-such-device-xyz"), "message: %s", an_last_error());
    CHECK_OK(an_devices_open(NULL, &d));
    if (!d) return check_done("test_api");
    int nd = 0;
    char desc[300];
    CHECK_OK(an_devices_count(d, &nd));
    CHECK(nd == 1, "the default is %d devices", nd);
    CHECK_OK(an_devices_describe(d, 0, desc, sizeof desc));
    CHECK(strchr(desc, ':') && strchr(desc, ' ') && strlen(desc) > 4, "describe: %s", desc);
    CHECK(an_devices_describe(d, 1, desc, sizeof desc) == AN_ERR_INVALID_ARG, "device 1 of 1");

    /* A trainable network: SGD on one batch lowers its loss. */
    enum { B = 4 };
    an_network_opts o;
    CHECK_OK(an_network_opts_default(&o));
    o.batch = B;
    o.train = 1;
    o.seed = 7;
    an_network *tr = NULL;
    an_network_info info;
    CHECK_OK(an_network_create(d, SMALL, &o, &tr));
    CHECK_OK(an_network_get_info(tr, &info));
    CHECK(info.channels == 3 && info.height == 32 && info.width == 32 && info.classes == 10 &&
              info.batch == B && info.train == 1 && info.stored_size == 37,
          "info %d×%d×%d, %d classes, batch %d, train %d, stored %d", info.channels, info.height,
          info.width, info.classes, info.batch, info.train, info.stored_size);
    size_t per = 3 * 32 * 32, K = 10;
    float *x = malloc(B * per * sizeof(float));
    check_fill_uniform(x, B * per, 11, -1.f, 1.f);
    int labels[B] = {3, 1, 4, 1};
    float first = 0, loss = 0;
    for (int s = 0; s < 8; s++) {
        CHECK_OK(an_network_train_step(tr, x, labels, B, 0.02f, 0.9f, 0.0005f, &loss));
        if (s == 0) first = loss;
    }
    CHECK(isfinite(first) && loss < first * 0.9f, "loss %g after 8 steps, %g at the first", loss,
          first);

    /* Saved and reopened (inference): the same logits as the training network's forward. */
    char weights[4096];
    snprintf(weights, sizeof weights, "%s/small.anw", dir);
    CHECK_OK(an_network_save_weights(tr, weights));
    float logits[B * 10], logits2[B * 10], probs[B * 10];
    check_poison(logits, B * K);
    CHECK_OK(an_network_forward(tr, x, B, AN_OUTPUT_LOGITS, logits));
    an_network *inf = NULL;
    o.train = 0;
    o.batch = 3; /* forwards of 4 run as 3 + 1 */
    CHECK_OK(an_network_open(d, weights, &o, &inf));
    check_poison(logits2, B * K);
    CHECK_OK(an_network_forward(inf, x, B, AN_OUTPUT_LOGITS, logits2));
    check_close("reopened logits", logits2, logits, B * K, 1e-6f, 1e-5f);
    check_poison(probs, B * K);
    CHECK_OK(an_network_forward(inf, x, B, AN_OUTPUT_PROBS, probs));
    for (int i = 0; i < B; i++) {
        double mx = -INFINITY, z = 0, sum = 0;
        float ref[10];
        for (size_t k = 0; k < K; k++) mx = fmax(mx, logits2[i * K + k]);
        for (size_t k = 0; k < K; k++) z += exp(logits2[i * K + k] - mx);
        for (size_t k = 0; k < K; k++) {
            ref[k] = (float)(exp(logits2[i * K + k] - mx) / z);
            sum += probs[i * K + k];
        }
        check_close("probabilities", probs + i * K, ref, K, 1e-7f, 1e-6f);
        CHECK(fabs(sum - 1) < 1e-5, "probabilities of image %d sum to %g", i, sum);
    }

    /* JPEG: classify = preprocess + forward; a grey net sees the RGB net's channel mean. */
    size_t len;
    uint8_t *jpg = make_jpeg(61, 45, 5, &len);
    float img[3 * 32 * 32], p1[10], p2[10];
    check_poison(img, per);
    CHECK_OK(an_network_preprocess_jpeg(inf, jpg, len, 0, img));
    CHECK_OK(an_network_forward(inf, img, 1, AN_OUTPUT_PROBS, p1));
    check_poison(p2, K);
    CHECK_OK(an_network_classify_jpeg(inf, jpg, len, AN_OUTPUT_PROBS, p2));
    check_close("classify_jpeg", p2, p1, K, 0, 0);
    an_network *grey = NULL;
    float gimg[32 * 32], gref[32 * 32];
    CHECK_OK(an_network_create(d, "alexnet-small:size=32", NULL, &grey));
    CHECK_OK(an_network_preprocess_jpeg(grey, jpg, len, 0, gimg));
    /* Same preprocessing constants (range 1, mean 0.286, std 0.353 for every channel). */
    for (size_t k = 0; k < 32 * 32; k++)
        gref[k] = (img[k] + img[1024 + k] + img[2048 + k]) / 3.0f;
    check_close("grey input", gimg, gref, 32 * 32, 1e-6f, 1e-6f);
    an_network_close(grey);
    free(jpg);

    check_threads(d, weights, x, B, logits2, B * K);
    check_two_towers(desc, weights, x, B, logits2, B * K);
    check_errors(d, inf, x, labels, dir);
    an_network_close(inf);
    an_network_close(tr);
    CHECK_OK(an_devices_close(d));
    CHECK_OK(an_network_close(NULL));
    CHECK_OK(an_devices_close(NULL));
    free(x);
    return check_done("test_api");
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--make-weights") == 0)
        return make_weights(argv[2], argv[3], argv[4]);
    if (argc >= 5 && strcmp(argv[1], "--dump") == 0) return dump(argv[2], argv[3], argc - 4,
                                                                 argv + 4);
    if (argc == 6 && strcmp(argv[1], "--jpeg") == 0)
        return jpeg_file(argv[2], argv[3], argv[4], argv[5]);
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: test_api DIR | --make-weights NET SEED OUT | --dump WEIGHTS OUT "
                        "IMAGE... | --jpeg OUT W H SEED\n");
        return 2;
    }
    if (an_mkdir_p(argv[1]) != AN_OK) {
        fprintf(stderr, "test_api: %s\n", an_last_error());
        return 1;
    }
    return run_checks(argv[1]);
}
