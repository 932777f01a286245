/* test/test_weights.c - weights files: save → load round trip (alexnet at full size, and a small
 * net with class names), refusal of a truncated file, of flipped bytes, of a file for another net
 * (the message names the first mismatching tensor and both shapes) and of another layer order,
 * atomic saving, and the net rebuilt from a file.
 *
 * Also a helper for test_weights_py.py:
 *   test_weights save NET SEED PATH     write NET's initial parameters from SEED
 *   test_weights verify NET SEED PATH   load PATH into NET; exit 0 if equal to that init
 *   test_weights dump PATH              the file's net, preprocessing, class names, and every
 *                                       tensor's name, shape, sum and sum of squares */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "net/init.h"
#include "net/layout.h"
#include "net/netdesc.h"
#include "util/crc32.h"
#include "net/weights.h"

static char tmpdir[256];

static const char *tmp(const char *name) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* The net's init from seed in a fresh whole buffer (caller frees). */
static float *init_whole(const an_net *n, uint64_t seed, an_layout *w) {
    if (an_layout_whole(n, w) != AN_OK) return NULL;
    float *x = malloc(w->total * sizeof *x);
    if (x && an_init_params(n, w, seed, x) != AN_OK) {
        free(x);
        x = NULL;
    }
    return x;
}

/* Copy the first `n` bytes of src to dst, with byte `flip` (if >= 0) xor-ed with 0x10. */
static void copy_mangled(const char *src, const char *dst, long n, long flip) {
    FILE *a = fopen(src, "rb"), *b = fopen(dst, "wb");
    char buf[1 << 16];
    long done = 0;
    while (a && b && done < n) {
        size_t want = (size_t)(n - done < (long)sizeof buf ? n - done : (long)sizeof buf);
        size_t got = fread(buf, 1, want, a);
        if (got == 0) break;
        if (flip >= done && flip < done + (long)got) buf[flip - done] ^= 0x10;
        fwrite(buf, 1, got, b);
        done += (long)got;
    }
    if (a) fclose(a);
    if (b) fclose(b);
}

/* Loading `path` into net must fail with AN_ERR_FORMAT and a message holding both strings. */
static void expect_refusal(const char *path, const an_net *net, float *buf, const char *want1,
                           const char *want2) {
    an_status s = an_weights_load(path, net, buf, NULL);
    const char *msg = an_last_error();
    CHECK(s == AN_ERR_FORMAT, "%s was accepted (%s)", path, an_status_name(s));
    CHECK(strstr(msg, want1) && (!want2 || strstr(msg, want2)), "message '%s' lacks '%s' / '%s'",
          msg, want1, want2 ? want2 : "");
}

/* Loading `path` into the net `name` must be refused likewise. */
static void expect_other_net(const char *path, const char *name, const char *want1,
                             const char *want2) {
    an_net *net = NULL;
    CHECK_OK(an_net_load(name, &net));
    if (!net) return;
    an_layout l;
    CHECK_OK(an_layout_whole(net, &l));
    float *z = malloc(l.total * sizeof *z);
    if (z) expect_refusal(path, net, z, want1, want2);
    free(z);
    an_layout_free(&l);
    an_net_free(net);
}

static void test_crc(void) {
    CHECK(an_crc32(0, "123456789", 9) == 0xCBF43926u, "CRC-32 check value");
    CHECK(an_crc32(an_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u, "CRC-32 in pieces");
}

/* alexnet at full size: C save → C load gives the same bits. */
static void test_alexnet_round_trip(void) {
    an_net *n = NULL;
    CHECK_OK(an_net_load("alexnet", &n));
    if (!n) return;
    an_layout w;
    float *x = init_whole(n, 7, &w);
    float *y = malloc(w.total * sizeof *y);
    char path[512];
    snprintf(path, sizeof path, "%s", tmp("alexnet.anw"));
    CHECK(x && y, "out of memory");
    if (x && y) {
        CHECK_OK(an_weights_save(path, n, x));
        CHECK(check_file_size(path) > 60965224L * 4, "file size %ld", check_file_size(path));
        check_poison(y, w.total);
        an_weights_meta m;
        CHECK_OK(an_weights_load(path, n, y, &m));
        CHECK(memcmp(x, y, w.total * sizeof *x) == 0, "alexnet weights differ after a round trip");
        CHECK(strcmp(m.net_name, "alexnet") == 0 && m.lrn == AN_LRN_PAPER && m.classes == 1000 &&
                  m.input.c == 3 && m.input.h == 227 && m.ntensors == 16 &&
                  m.pre.range == 255 && m.pre.nmean == 3 && fabs(m.pre.mean[0] - 123.68) < 1e-9 &&
                  strcmp(m.pre.order, "rgb") == 0 && strcmp(m.creator, "alexnet-cl") == 0,
              "alexnet meta");
        an_weights_meta_free(&m);
        /* a file for another net: the message names the first mismatch and both shapes */
        expect_other_net(path, "alexnet-owt", "conv1.weight [96,3,11,11]",
                         "conv1.weight [64,3,11,11]");
        unlink(path);
    }
    free(x);
    free(y);
    an_layout_free(&w);
    an_net_free(n);
}

static const char *const fmnist[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

static void test_small(void) {
    an_net *n = NULL;
    CHECK_OK(an_net_load("alexnet-small", &n));
    if (!n) return;
    CHECK_OK(an_net_set_class_names(n, 10, fmnist));
    an_layout w;
    float *x = init_whole(n, 99, &w);
    float *y = malloc(w.total * sizeof *y);
    if (!x || !y) {
        CHECK(0, "out of memory");
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s", tmp("small.anw"));
    CHECK_OK(an_weights_save(path, n, x));
    /* saving again replaces the file and leaves no temporary behind */
    CHECK_OK(an_weights_save(path, n, x));
    DIR *d = opendir(tmpdir);
    int strays = 0;
    for (struct dirent *e; d && (e = readdir(d));) strays += strstr(e->d_name, ".tmp.") != NULL;
    if (d) closedir(d);
    CHECK(strays == 0, "%d temporary files left", strays);
    CHECK(an_weights_save("/nonexistent-dir/x.anw", n, x) == AN_ERR_IO &&
              strstr(an_last_error(), "/nonexistent-dir/x.anw"), "unwritable: %s", an_last_error());

    check_poison(y, w.total);
    CHECK_OK(an_weights_load(path, n, y, NULL));
    CHECK(memcmp(x, y, w.total * sizeof *x) == 0, "small weights differ after a round trip");

    /* the net rebuilt from the file */
    an_net *r = NULL;
    CHECK_OK(an_net_from_weights(path, &r));
    if (r) {
        CHECK(r->params == n->params && r->nlayers == n->nlayers && r->nclass_names == 10 &&
                  strcmp(r->class_names[9], "Ankle boot") == 0 &&
                  fabs(r->pre.mean[0] - 0.286) < 1e-12 && fabs(r->pre.std[0] - 0.353) < 1e-12,
              "net from weights");
        an_net_free(r);
    }

    /* truncated anywhere: in the preamble, the header, a tensor's data, the END record */
    long size = check_file_size(path);
    long cuts[] = {10, 40, 700, size / 2, size - 20, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        copy_mangled(path, tmp("cut.anw"), cuts[i], -1);
        expect_refusal(tmp("cut.anw"), n, y, "truncated",
                       cuts[i] > 16 ? "Copy the file again" : NULL);
    }
    copy_mangled(path, tmp("cut.anw"), size / 2, -1);
    expect_refusal(tmp("cut.anw"), n, y, "inside tensor", ".weight");
    /* one flipped bit: in the magic, in the header, inside a tensor's data */
    copy_mangled(path, tmp("flip.anw"), size, 3);
    expect_refusal(tmp("flip.anw"), n, y, "not an alexnet-cl weights file", NULL);
    copy_mangled(path, tmp("flip.anw"), size, 100);
    expect_refusal(tmp("flip.anw"), n, y, "corrupt", "header");
    copy_mangled(path, tmp("flip.anw"), size, size - 100);
    expect_refusal(tmp("flip.anw"), n, y, "corrupt: checksum mismatch", "tensor 16 (fc8.bias)");
    copy_mangled(path, tmp("flip.anw"), size, size / 2);
    expect_refusal(tmp("flip.anw"), n, y, "checksum mismatch", "weight");
    CHECK(an_weights_load(tmp("none.anw"), n, y, NULL) == AN_ERR_NOT_FOUND, "missing file");

    /* the same net for another input: conv1 sees 3 channels, so conv1.weight mismatches */
    expect_other_net(path, "alexnet-small:channels=3", "conv1.weight [16,1,3,3]",
                     "conv1.weight [16,3,3,3]");
    /* same tensors, other layer order (pool before LRN), or another LRN convention */
    char *text = NULL;
    CHECK_OK(an_net_to_text(n, &text));
    if (text) {
        char *p = strstr(text, "lrn name=lrn1"), *q = strstr(text, "maxpool name=pool1");
        char *e = q ? strchr(q, '\n') : NULL;
        if (p && q && e && p < q) {
            /* swap the two lines: "lrn...\nmaxpool...\n" → "maxpool...\nlrn...\n" */
            size_t lp = (size_t)(q - p), lq = (size_t)(e + 1 - q);
            char *swapped = malloc(lp + lq);
            memcpy(swapped, q, lq);
            memcpy(swapped + lq, p, lp);
            memcpy(p, swapped, lp + lq);
            free(swapped);
        }
        an_net *other = NULL;
        CHECK_OK(an_net_parse(text, "swapped", &other));
        if (other) {
            expect_refusal(path, other, y, "layer 3 is lrn lrn1 in the file", "maxpool pool1");
            an_net_free(other);
        }
        free(text);
    }
    text = NULL;
    CHECK_OK(an_net_to_text(n, &text));
    char *lrn = text ? strstr(text, "lrn=paper") : NULL;
    CHECK(lrn != NULL, "lrn=paper in the canonical text");
    if (lrn) {
        memcpy(lrn, "lrn=caffe", 9);
        an_net *other = NULL;
        CHECK_OK(an_net_parse(text, "caffe", &other));
        if (other) expect_refusal(path, other, y, "uses the paper LRN convention", "caffe");
        an_net_free(other);
    }
    free(text);
    free(x);
    free(y);
    an_layout_free(&w);
    an_net_free(n);
}

/* ---- helper modes for test_weights_py.py ------------------------------------------------- */

static int helper(int argc, char **argv) {
    an_net *n = NULL;
    an_status s;
    if (strcmp(argv[1], "dump") == 0 && argc == 3) {
        if ((s = an_net_from_weights(argv[2], &n)) != AN_OK) goto fail;
        an_layout w;
        if ((s = an_layout_whole(n, &w)) != AN_OK) goto fail;
        float *x = malloc(w.total * sizeof *x);
        an_weights_meta m;
        if (!x || (s = an_weights_load(argv[2], n, x, &m)) != AN_OK) goto fail;
        printf("net %s\nparams %lld\nclasses %d\nrange %.17g\norder %s\n", n->name, n->params,
               n->classes, n->pre.range, n->pre.order);
        for (int c = 0; c < n->input.c; c++)
            printf("mean %.17g\nstd %.17g\n", an_preproc_mean(&n->pre, c),
                   an_preproc_std(&n->pre, c));
        for (int i = 0; i < n->nclass_names; i++) printf("class %s\n", n->class_names[i]);
        for (int i = 0; i < w.n; i++) {
            const float *t = x + w.e[i].whole_offset;
            double sum = 0, sq = 0;
            for (size_t j = 0; j < w.e[i].count; j++) {
                sum += t[j];
                sq += (double)t[j] * t[j];
            }
            printf("tensor %s %zu %.17g %.17g\n", w.e[i].name, w.e[i].count, sum, sq);
        }
        an_weights_meta_free(&m);
        free(x);
        an_layout_free(&w);
        an_net_free(n);
        return 0;
    }
    if (argc != 5 || (strcmp(argv[1], "save") && strcmp(argv[1], "verify"))) {
        fprintf(stderr, "usage: test_weights [save|verify NET SEED PATH | dump PATH]\n");
        return 2;
    }
    if ((s = an_net_load(argv[2], &n)) != AN_OK) goto fail;
    an_layout w;
    float *x = init_whole(n, strtoull(argv[3], NULL, 10), &w);
    if (!x) {
        fprintf(stderr, "init failed: %s\n", an_last_error());
        return 1;
    }
    if (strcmp(argv[1], "save") == 0) {
        if ((s = an_weights_save(argv[4], n, x)) != AN_OK) goto fail;
    } else {
        float *y = malloc(w.total * sizeof *y);
        if (!y || (s = an_weights_load(argv[4], n, y, NULL)) != AN_OK) goto fail;
        if (memcmp(x, y, w.total * sizeof *x) != 0) {
            fprintf(stderr, "%s: the values differ from %s's init with seed %s\n", argv[4],
                    argv[2], argv[3]);
            return 1;
        }
        free(y);
    }
    free(x);
    an_layout_free(&w);
    an_net_free(n);
    return 0;
fail:
    fprintf(stderr, "test_weights %s: %s\n", argv[1], an_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc > 1) return helper(argc, argv);
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_weights-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_crc();
    test_alexnet_round_trip();
    test_small();
    /* clean up the temporary directory */
    DIR *d = opendir(tmpdir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.') unlink(tmp(e->d_name));
    if (d) closedir(d);
    rmdir(tmpdir);
    return check_done("test_weights");
}
