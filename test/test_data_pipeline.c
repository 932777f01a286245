/* test/test_data_pipeline.c - prepare and the loader end to end on a small synthetic ImageNet-
 * layout tree (train/<class>/ and a flat val/ with a label list): shard round trip (raw records
 * equal the resize-and-crop exactly, JPEG records within tolerance), statistics against a direct
 * computation, resumption after an interruption and after a lost shard, the loader's stream
 * reproducible from the seed, independent of threads, resumable mid-epoch, a permutation each
 * epoch, identical from a raw folder and from raw shards; ten-crop batches; a caller's allocator. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "data/jpeg.h"
#include "data/loader.h"
#include "data/prepare.h"
#include "util/read_file.h"

#define NCLS 3
#define PER_CLASS 10
#define NVAL 9
#define SIZE 32

static char root[2048];

static void path_of(char *buf, const char *rel) {
    if (snprintf(buf, 4096, "%s/%s", root, rel) >= 4096) abort();
}

static void write_jpeg(an_jpeg *j, const char *path, int w, int h, uint64_t seed) {
    an_image img = {0};
    an_image_reserve(&img, w, h);
    double f[3], p[3];
    for (int c = 0; c < 3; c++) {
        f[c] = check_rand_uniform(&seed, 0.05f, 0.3f);
        p[c] = check_rand_uniform(&seed, 0, 6.28f);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                img.px[((size_t)y * w + x) * 3 + c] =
                    (uint8_t)(128 + 90 * sin(f[c] * x + p[c]) * cos(0.7 * f[c] * y));
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    CHECK_OK(an_jpeg_encode(j, &img, 92, 0, &buf, &cap, &len));
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL, "cannot write %s", path);
    if (fp) {
        fwrite(buf, 1, len, fp);
        fclose(fp);
    }
    free(buf);
    an_image_free(&img);
}

static void make_tree(void) {
    char p[4096];
    an_jpeg *j;
    CHECK_OK(an_jpeg_create(&j));
    const char *dirs[] = {"", "src", "src/train", "src/val"};
    for (int i = 0; i < 4; i++) {
        path_of(p, dirs[i]);
        mkdir(p, 0755);
    }
    path_of(p, "synsets.txt");
    FILE *syn = fopen(p, "w");
    uint64_t seed = 11;
    for (int c = 0; c < NCLS; c++) {
        fprintf(syn, "n0%d words for class %d\n", c, c);
        char rel[256];
        snprintf(rel, sizeof rel, "src/train/n0%d", c);
        path_of(p, rel);
        mkdir(p, 0755);
        for (int k = 0; k < PER_CLASS; k++) {
            snprintf(rel, sizeof rel, "src/train/n0%d/i%02d.JPEG", c, k);
            path_of(p, rel);
            write_jpeg(j, p, 40 + (int)(check_rand_u64(&seed) % 60), 36 + (int)(check_rand_u64(&seed) % 50), seed);
        }
    }
    fclose(syn);
    path_of(p, "val_labels.txt");
    FILE *lab = fopen(p, "w");
    for (int k = 0; k < NVAL; k++) {
        char rel[256];
        snprintf(rel, sizeof rel, "src/val/v%03d.JPEG", k);
        path_of(p, rel);
        write_jpeg(j, p, 50, 45, seed + (uint64_t)k);
        fprintf(lab, "%d\n", 1 + (k * 7) % NCLS); /* ILSVRC style: from 1 */
    }
    fclose(lab);
    an_jpeg_destroy(j);
}

static an_status prepare_to(const char *dst, int enc, int threads, an_progress_fn fn, void *ctx,
                            an_prepare_report *r) {
    char src[4096], d[4096], syn[4096], lab[4096];
    path_of(src, "src");
    path_of(d, dst);
    path_of(syn, "synsets.txt");
    path_of(lab, "val_labels.txt");
    an_prepare_opts o;
    an_prepare_defaults(&o);
    o.src = src;
    o.dst = d;
    o.size = SIZE;
    o.threads = threads;
    o.encoding = enc;
    o.shard_images = 7;
    o.synsets = syn;
    o.val_labels = lab;
    o.progress = fn;
    o.progress_ctx = ctx;
    return an_prepare(&o, r);
}

/* The fits of the training sources, in listing order. */
static uint8_t *reference_fits(an_source *src) {
    char p[4096];
    path_of(p, "src/train");
    CHECK_OK(an_source_scan(p, NULL, NULL, 1, src));
    size_t one = SIZE * SIZE * 3;
    uint8_t *all = malloc(src->n * one), *file = NULL;
    size_t cap = 0, len;
    an_jpeg *j;
    an_jpeg_create(&j);
    an_image dec = {0}, fit = {0};
    an_resizer rs = {0};
    for (size_t i = 0; i < src->n; i++) {
        CHECK_OK(an_read_file(src->items[i].path, &file, &cap, &len));
        CHECK_OK(an_jpeg_decode(j, file, len, SIZE, &dec));
        CHECK_OK(an_image_fit(&rs, &dec, SIZE, &fit));
        memcpy(all + i * one, fit.px, one);
    }
    an_jpeg_destroy(j);
    an_image_free(&dec);
    an_image_free(&fit);
    an_resizer_free(&rs);
    free(file);
    return all;
}

static void check_shards(const char *dst, const uint8_t *fits, const an_source *src, int jpeg) {
    char dir[4096], p[4096];
    snprintf(p, sizeof p, "%s/train", dst);
    path_of(dir, p);
    an_index idx;
    CHECK_OK(an_index_load(dir, &idx));
    CHECK(idx.count == NCLS * PER_CLASS && idx.nshards == 5 && idx.size == SIZE && idx.nclasses == NCLS,
          "%s index: %llu images, %u shards", dst, (unsigned long long)idx.count, idx.nshards);
    size_t one = SIZE * SIZE * 3, bad = 0;
    double err = 0, maxe = 0;
    an_jpeg *j;
    an_jpeg_create(&j);
    an_image img = {0};
    for (uint64_t i = 0; i < idx.count && i < src->n; i++) {
        an_index_entry *e = &idx.e[i];
        CHECK(e->label == src->items[i].label, "entry %llu label %d", (unsigned long long)i, e->label);
        an_shard_path(p, sizeof p, dir, e->shard);
        FILE *f = fopen(p, "rb");
        uint8_t *rec = malloc(e->len);
        fseek(f, (long)e->off, SEEK_SET);
        CHECK(fread(rec, 1, e->len, f) == e->len, "short record");
        fclose(f);
        if (!jpeg) {
            bad += e->len != one || memcmp(rec, fits + i * one, one) != 0;
        } else {
            CHECK_OK(an_jpeg_decode(j, rec, e->len, 0, &img));
            for (size_t k = 0; k < one; k++) {
                double d = fabs((double)img.px[k] - fits[i * one + k]);
                err += d;
                maxe = fmax(maxe, d);
            }
        }
        free(rec);
    }
    if (!jpeg) CHECK(bad == 0, "%zu raw records differ from the resize-and-crop", bad);
    else {
        err /= (double)(idx.count * one);
        printf("  JPEG records: mean |error| %.3f, max %.0f levels\n", err, maxe);
        CHECK(err < 3.0 && maxe <= 40, "JPEG records: mean error %.3f, max %.0f", err, maxe);
    }
    an_jpeg_destroy(j);
    an_image_free(&img);
    an_index_free(&idx);
}

static void check_stats(const uint8_t *fits, size_t n) {
    char p[4096];
    path_of(p, "raw/train/stats.bin");
    an_data_stats st;
    CHECK_OK(an_data_stats_load(p, &st));
    size_t one = SIZE * SIZE * 3, np = SIZE * SIZE;
    double maxe = 0, mean[3] = {0}, cov[9] = {0};
    for (size_t k = 0; k < one; k++) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += fits[i * one + k];
        maxe = fmax(maxe, fabs(s / (double)n - st.mean_image[k]));
    }
    CHECK(st.count == n && maxe < 1e-3, "mean image: count %llu, max error %g", (unsigned long long)st.count, maxe);
    for (size_t i = 0; i < n * np; i++)
        for (int c = 0; c < 3; c++) mean[c] += fits[i * 3 + c];
    for (int c = 0; c < 3; c++) mean[c] /= (double)(n * np);
    for (size_t i = 0; i < n * np; i++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) cov[3 * a + b] += (fits[i * 3 + a] - mean[a]) * (fits[i * 3 + b] - mean[b]);
    double ce = 0, re = 0;
    for (int k = 0; k < 9; k++) ce = fmax(ce, fabs(cov[k] / (double)(n * np) - st.cov[k]));
    for (int c = 0; c < 3; c++) CHECK(fabs(mean[c] - st.mean[c]) < 1e-6, "channel mean %d", c);
    /* V^T diag(λ) V rebuilds the covariance */
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double s = 0;
            for (int i = 0; i < 3; i++) s += st.eigvec[3 * i + a] * st.eigval[i] * st.eigvec[3 * i + b];
            re = fmax(re, fabs(s - st.cov[3 * a + b]));
        }
    CHECK(ce < 1e-6 * (1 + fabs(st.cov[0])) && re < 1e-6 * st.eigval[0], "covariance error %g, eigen rebuild %g", ce, re);
    CHECK(st.eigval[0] >= st.eigval[1] && st.eigval[1] >= st.eigval[2] && st.eigval[2] >= 0, "eigenvalues not sorted");
    an_data_stats_free(&st);
}

static int stop_after_first(void *ctx, const an_progress *p) {
    int *calls = ctx;
    (*calls)++;
    return p->done > p->resumed; /* stop as soon as something was done */
}

/* Run n batches; store images (copy) and labels. */
typedef struct run {
    float *img;
    int *lab, *cnt;
    uint64_t *ep;
    size_t per;
} run;

static void take(an_loader *l, int n, size_t per, int batch, run *r) {
    r->per = per;
    r->img = malloc((size_t)n * batch * per * sizeof(float));
    r->lab = malloc((size_t)n * batch * sizeof(int));
    r->cnt = malloc((size_t)n * sizeof(int));
    r->ep = malloc((size_t)n * sizeof(uint64_t));
    for (int k = 0; k < n; k++) {
        an_batch b;
        check_poison(r->img + (size_t)k * batch * per, (size_t)batch * per);
        CHECK_OK(an_loader_next(l, &b));
        r->cnt[k] = b.count;
        r->ep[k] = b.epoch;
        memcpy(r->img + (size_t)k * batch * per, b.images, (size_t)b.count * per * sizeof(float));
        memcpy(r->lab + (size_t)k * batch, b.labels, (size_t)b.count * sizeof(int));
    }
}

static int same(const run *a, int ka, const run *b, int kb, int n, int batch) {
    for (int k = 0; k < n; k++) {
        if (a->cnt[ka + k] != b->cnt[kb + k]) return 0;
        size_t c = (size_t)a->cnt[ka + k];
        if (memcmp(a->img + (size_t)(ka + k) * batch * a->per, b->img + (size_t)(kb + k) * batch * b->per,
                   c * a->per * sizeof(float)) != 0 ||
            memcmp(a->lab + (size_t)(ka + k) * batch, b->lab + (size_t)(kb + k) * batch, c * sizeof(int)) != 0)
            return 0;
    }
    return 1;
}

static void run_free(run *r) {
    free(r->img);
    free(r->lab);
    free(r->cnt);
    free(r->ep);
}

static int allocs, releases;
static void *my_alloc(void *ctx, size_t bytes, int slot) {
    (void)ctx;
    (void)slot;
    allocs++;
    return malloc(bytes);
}
static void my_release(void *ctx, void *p, int slot) {
    (void)ctx;
    (void)slot;
    releases++;
    free(p);
}

static void check_loader(void) {
    char tr[4096], rawsrc[4096], stats[4096];
    path_of(tr, "raw/train");
    path_of(rawsrc, "src/train");
    path_of(stats, "raw/train/stats.bin");
    const int B = 4, NB = 20, N = 28;
    size_t per = 3 * N * N;
    an_loader_config c = an_loader_defaults();
    c.view = an_view_train(N);
    c.batch = B;
    c.seed = 5;
    c.shuffle = 1;
    c.threads = 2;
    an_loader *l;
    run r2, r1, rs, rr, rf;

    CHECK_OK(an_loader_open(tr, &c, &l));
    CHECK(an_loader_size(l) == NCLS * PER_CLASS && an_loader_stats(l) != NULL, "loader size %zu", an_loader_size(l));
    take(l, NB, per, B, &r2);
    /* resume after 5 batches: position saved then */
    an_loader_close(l);

    c.threads = 1;
    CHECK_OK(an_loader_open(tr, &c, &l));
    take(l, 5, per, B, &r1);
    uint64_t e, i;
    an_loader_position(l, &e, &i);
    an_loader_close(l);
    CHECK(e == 0 && i == 20, "position after 5 batches: %llu,%llu", (unsigned long long)e, (unsigned long long)i);
    CHECK(same(&r1, 0, &r2, 0, 5, B), "1 thread and 2 threads gave different batches");

    c.start_epoch = e;
    c.start_index = i;
    c.threads = 2;
    CHECK_OK(an_loader_open(tr, &c, &l));
    take(l, NB - 5, per, B, &rr);
    an_loader_close(l);
    CHECK(same(&rr, 0, &r2, 5, NB - 5, B), "the resumed stream differs");
    c.start_epoch = c.start_index = 0;

    /* epochs: 30 images in batches of 4 -> 7 full + 1 of 2; each epoch a permutation */
    int seen[NCLS * PER_CLASS];
    CHECK(r2.cnt[7] == 2 && r2.ep[7] == 0 && r2.ep[8] == 1 && r2.cnt[8] == 4, "epoch boundary: %d,%llu,%llu",
          r2.cnt[7], (unsigned long long)r2.ep[7], (unsigned long long)r2.ep[8]);
    int per_class[NCLS] = {0}, n_epoch = 0;
    for (int k = 0; k < 8; k++)
        for (int q = 0; q < r2.cnt[k]; q++) {
            per_class[r2.lab[k * B + q]]++;
            n_epoch++;
        }
    CHECK(n_epoch == 30 && per_class[0] == 10 && per_class[1] == 10 && per_class[2] == 10,
          "epoch 0 covers %d images: %d/%d/%d", n_epoch, per_class[0], per_class[1], per_class[2]);
    (void)seen;
    size_t nan = 0;
    for (size_t k = 0; k < (size_t)NB * B * per; k++) nan += r2.img[k] != r2.img[k];
    CHECK(nan == 2 * (size_t)(B - 2) * per, "NaN left in the batches: %zu", nan); /* the two short batches' tails */

    /* another seed gives another stream */
    c.seed = 6;
    CHECK_OK(an_loader_open(tr, &c, &l));
    take(l, 2, per, B, &rs);
    an_loader_close(l);
    CHECK(!same(&rs, 0, &r2, 0, 2, B), "seeds 5 and 6 gave the same batches");
    c.seed = 5;

    /* a raw folder, decoded on the fly, gives exactly what raw shards give */
    c.size = SIZE;
    c.stats = stats;
    CHECK_OK(an_loader_open(rawsrc, &c, &l));
    take(l, NB, per, B, &rf);
    CHECK(an_loader_bad_count(l) == 0, "bad files in a clean folder");
    an_loader_close(l);
    CHECK(same(&rf, 0, &r2, 0, NB, B), "raw folder and raw shards differ");
    c.size = 0;
    c.stats = NULL;

    /* ten-crop evaluation batches, with a caller's allocator and drop_last off */
    an_loader_config t = an_loader_defaults();
    t.view = an_view_ten(N);
    t.batch = 8;
    t.threads = 2;
    t.buffers = 2;
    t.alloc = (an_host_allocator){my_alloc, my_release, NULL};
    char val[4096];
    path_of(val, "raw/val");
    CHECK_OK(an_loader_open(val, &t, &l)); /* finds ../train/stats.bin */
    an_batch b;
    CHECK_OK(an_loader_next(l, &b));
    CHECK(b.count == 8 && b.views == 10 && b.slot == 0, "ten-crop batch: %d images, %d views", b.count, b.views);
    int labels_ok = 1;
    for (int k = 0; k < b.count; k++) labels_ok &= b.labels[k] == (k * 7) % NCLS;
    CHECK(labels_ok, "val labels (from a 1-based list) wrong");
    CHECK_OK(an_loader_next(l, &b));
    CHECK(b.count == 1 && b.slot == 1 && b.index == 8, "val's last batch: %d images", b.count);
    CHECK_OK(an_loader_next(l, &b));
    CHECK(b.epoch == 1 && b.index == 0 && b.count == 8, "val's second epoch");
    an_loader_close(l);
    CHECK(allocs == 2 && releases == 2, "allocator: %d allocations, %d releases", allocs, releases);

    run_free(&r2);
    run_free(&r1);
    run_free(&rs);
    run_free(&rr);
    run_free(&rf);
}

int main(int argc, char **argv) {
    snprintf(root, sizeof root, "%s", argc > 1 ? argv[1] : "data-pipeline");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "cannot clear %s", root);
    make_tree();

    an_prepare_report r;
    CHECK_OK(prepare_to("raw", AN_ENC_RAW, 2, NULL, NULL, &r));
    CHECK(r.images == 39 && r.written == 39 && r.nbad == 0 && r.shards == 7 && r.shards_reused == 0,
          "report: %zu images, %zu written, %zu bad, %zu shards (%zu reused)", r.images, r.written, r.nbad,
          r.shards, r.shards_reused);
    an_prepare_report_free(&r);
    CHECK_OK(prepare_to("jpeg", AN_ENC_JPEG, 2, NULL, NULL, &r));
    an_prepare_report_free(&r);

    an_source src;
    uint8_t *fits = reference_fits(&src);
    check_shards("raw", fits, &src, 0);
    check_shards("jpeg", fits, &src, 1);
    check_stats(fits, src.n);
    {
        char p[4096];
        an_classes cl;
        path_of(p, "raw/val/classes.txt");
        CHECK_OK(an_classes_load(p, &cl));
        CHECK(cl.n == NCLS && strcmp(cl.ids[1], "n01") == 0 && strcmp(cl.words[1], "words for class 1") == 0,
              "classes.txt: %d classes", cl.n);
        an_classes_free(&cl);
    }

    /* Interrupted, then resumed: the same index as an uninterrupted run. */
    int calls = 0;
    an_status s = prepare_to("again", AN_ENC_RAW, 1, stop_after_first, &calls, &r);
    CHECK(s == AN_ERR_INTERRUPTED, "stopping gave %s", an_status_name(s));
    an_prepare_report_free(&r);
    char p[4096], q[4096];
    path_of(p, "again/train/index.bin");
    FILE *f = fopen(p, "rb");
    CHECK(f == NULL, "an interrupted run left an index");
    if (f) fclose(f);
    CHECK_OK(prepare_to("again", AN_ENC_RAW, 2, NULL, NULL, &r));
    an_prepare_report_free(&r);
    /* lose one shard and leave a stray temporary: only that shard is redone */
    path_of(p, "again/train/shard-00002.bin");
    remove(p);
    path_of(p, "again/train/shard-00003.bin.tmp.Ab12Cd");
    f = fopen(p, "wb");
    if (f) {
        fputs("half", f);
        fclose(f);
    }
    CHECK_OK(prepare_to("again", AN_ENC_RAW, 2, NULL, NULL, &r));
    CHECK(r.shards_reused == 6 && r.shards == 7, "resume reused %zu of %zu shards", r.shards_reused, r.shards);
    an_prepare_report_free(&r);
    CHECK(fopen(p, "rb") == NULL, "the stray .tmp survived");
    uint8_t *a = NULL, *bb = NULL;
    size_t ca = 0, cb = 0, la = 0, lb = 0;
    path_of(p, "raw/train/index.bin");
    path_of(q, "again/train/index.bin");
    CHECK_OK(an_read_file(p, &a, &ca, &la));
    CHECK_OK(an_read_file(q, &bb, &cb, &lb));
    CHECK(la == lb && memcmp(a, bb, la) == 0, "resumed index differs from a clean run's");
    free(a);
    free(bb);

    check_loader();
    free(fits);
    an_source_free(&src);
    return check_done("test_data_pipeline");
}
