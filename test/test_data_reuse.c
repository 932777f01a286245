/* test/test_data_reuse.c - a failed JPEG leaves no trace on the next one, and libjpeg's warnings
 * are judged by whether pixels are missing (fixtures by tools/make_jpeg_cases.py).
 *
 * For each kind of damaged file (a bogus DQT index, no DQT, a missing SOS, a truncated scan, zero
 * bytes, PNG data, corrupt Huffman data, a scan cut by a marker, 0×0 and 60000×60000 dimensions)
 * a tree holds it first in the listing, then five good files. With one thread, `prepare` and the
 * raw-folder loader must keep every good file with the same pixels as the good files alone give,
 * and list only the damaged one. Files that libjpeg only warns about without losing data
 * (extraneous bytes before a marker) must be kept and decode exactly as PIL decodes them; PIL
 * (allowed to load truncated images) decodes those to the undamaged image, and every file we skip
 * either fails in PIL too or comes out as another image (grey where data are missing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/jpeg.h"
#include "data/loader.h"
#include "data/prepare.h"
#include "util/read_file.h"

#define NGOOD 5
#define SIZE 32
#define MAXKINDS 32

static char kind[MAXKINDS][32], pil_says[MAXKINDS][16];
static int keep[MAXKINDS];

static int load_kinds(const char *dir) {
    char p[4096], verdict[16];
    snprintf(p, sizeof p, "%s/kinds.txt", dir);
    FILE *f = fopen(p, "r");
    int n = 0;
    while (f && n < MAXKINDS && fscanf(f, "%31s %15s %15s", kind[n], verdict, pil_says[n]) == 3) {
        keep[n] = strcmp(verdict, "keep") == 0;
        n++;
    }
    if (f) fclose(f);
    return n;
}

static int read_all(const char *path, uint8_t **buf, size_t *len) {
    size_t cap = 0;
    *buf = NULL;
    if (an_read_file(path, buf, &cap, len) != AN_OK) {
        CHECK(0, "cannot read %s: %s", path, an_last_error());
        return 0;
    }
    return 1;
}

/* Decode a file with decoder j; 1 when it decoded. */
static int decode_file(an_jpeg *j, const char *path, an_image *img) {
    uint8_t *buf;
    size_t len;
    if (!read_all(path, &buf, &len)) return 0;
    an_status s = an_jpeg_decode(j, buf, len, 0, img);
    free(buf);
    return s == AN_OK;
}

static int same_image(const an_image *a, const an_image *b) {
    return a->w == b->w && a->h == b->h && memcmp(a->px, b->px, (size_t)a->w * a->h * 3) == 0;
}

/* The decoder itself: each damaged file, then the good ones on the same decoder, equal to the good
 * ones decoded by a fresh decoder (and to PIL); a kept file equals PIL exactly. */
static void check_decoder(const char *dir, int nk) {
    char p[4096];
    an_image ref[NGOOD], img = {0};
    memset(ref, 0, sizeof ref);
    for (int g = 0; g < NGOOD; g++) {
        an_jpeg *fresh;
        CHECK_OK(an_jpeg_create(&fresh));
        snprintf(p, sizeof p, "%s/good/c0/b%02d.JPEG", dir, g);
        CHECK(decode_file(fresh, p, &ref[g]), "good file %s: %s", p, an_last_error());
        an_jpeg_destroy(fresh);
        uint8_t *pil;
        size_t plen;
        snprintf(p, sizeof p, "%s/good/c0/b%02d.rgb", dir, g);
        if (read_all(p, &pil, &plen)) {
            CHECK(plen == (size_t)ref[g].w * ref[g].h * 3 && memcmp(pil, ref[g].px, plen) == 0,
                  "good file %d differs from PIL", g);
            free(pil);
        }
    }
    for (int k = 0; k < nk; k++) {
        an_jpeg *j;
        CHECK_OK(an_jpeg_create(&j));
        snprintf(p, sizeof p, "%s/case/%s.JPEG", dir, kind[k]);
        int ok = decode_file(j, p, &img);
        printf("  %-15s %s: %s\n", kind[k], ok ? "kept" : "skipped", ok ? "" : an_last_error());
        CHECK(ok == keep[k], "%s: decode %s, want it %s (%s)", kind[k], ok ? "succeeded" : "failed",
              keep[k] ? "kept" : "skipped", an_last_error());
        /* the rule against PIL (truncated images allowed): what we keep, PIL decodes to the
         * undamaged image; what we skip, PIL cannot decode or decodes to something else */
        CHECK(keep[k] ? strcmp(pil_says[k], "same") == 0 : strcmp(pil_says[k], "same") != 0,
              "%s: PIL's decoding is '%s' but we %s it", kind[k], pil_says[k],
              keep[k] ? "keep" : "skip");
        if (ok && keep[k]) {
            const char *w = NULL;
            CHECK(an_jpeg_warnings(j, &w) >= 1 && w && strstr(w, "extraneous"),
                  "%s: kept without the warning noted (%s)", kind[k], w ? w : "none");
            uint8_t *pil;
            size_t plen;
            snprintf(p, sizeof p, "%s/case/%s.rgb", dir, kind[k]);
            if (read_all(p, &pil, &plen)) {
                CHECK(plen == (size_t)img.w * img.h * 3 && memcmp(pil, img.px, plen) == 0,
                      "%s: %d×%d differs from PIL's decoding", kind[k], img.w, img.h);
                free(pil);
            }
        }
        for (int g = 0; g < NGOOD; g++) {
            snprintf(p, sizeof p, "%s/good/c0/b%02d.JPEG", dir, g);
            int gok = decode_file(j, p, &img);
            CHECK(gok && same_image(&img, &ref[g]), "after %s: good file %d %s", kind[k], g,
                  gok ? "decodes differently" : an_last_error());
        }
        an_jpeg_destroy(j);
    }
    /* the other direction: a file without quantisation tables must not borrow the last file's */
    an_jpeg *j;
    CHECK_OK(an_jpeg_create(&j));
    snprintf(p, sizeof p, "%s/good/c0/b00.JPEG", dir);
    CHECK(decode_file(j, p, &img), "b00: %s", an_last_error());
    snprintf(p, sizeof p, "%s/case/no_dqt.JPEG", dir);
    CHECK(!decode_file(j, p, &img), "no_dqt.JPEG decoded after a good file (tables carried over)");
    an_jpeg_destroy(j);
    for (int g = 0; g < NGOOD; g++) an_image_free(&ref[g]);
    an_image_free(&img);
}

/* Record i of a prepared split, read from its shard: malloc'd, length in *len. */
static uint8_t *record(const char *dir, const an_index *idx, uint64_t i, size_t *len) {
    char p[4096];
    an_shard_path(p, sizeof p, dir, idx->e[i].shard);
    FILE *f = fopen(p, "rb");
    uint8_t *b = malloc(idx->e[i].len);
    int ok = f && b && fseek(f, (long)idx->e[i].off, SEEK_SET) == 0 &&
             fread(b, 1, idx->e[i].len, f) == idx->e[i].len;
    if (f) fclose(f);
    if (!ok) {
        free(b);
        return NULL;
    }
    *len = idx->e[i].len;
    return b;
}

static an_status prepare(const char *src, const char *dst, an_prepare_report *r) {
    an_prepare_opts o;
    an_prepare_defaults(&o);
    o.src = src;
    o.dst = dst;
    o.size = SIZE;
    o.threads = 1;
    o.encoding = AN_ENC_RAW;
    o.shard_images = 100;
    return an_prepare(&o, r);
}

static int count_lines(const char *path, const char *needle, int *hits) {
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;
    *hits = 0;
    while (f && fgets(line, sizeof line, f)) {
        n++;
        *hits += strstr(line, needle) != NULL;
    }
    if (f) fclose(f);
    return n;
}

static void check_prepare(const char *dir, int nk) {
    char src[4096], dst[4096], alone[4096], p[8192];
    snprintf(src, sizeof src, "%s/good", dir);
    snprintf(alone, sizeof alone, "%s/prepared-good", dir);
    an_prepare_report r;
    CHECK_OK(prepare(src, alone, &r));
    CHECK(r.written == NGOOD && r.nbad == 0, "good tree: %zu written, %zu bad", r.written, r.nbad);
    an_prepare_report_free(&r);
    an_index ref;
    CHECK_OK(an_index_load(alone, &ref));
    for (int k = 0; k < nk; k++) {
        snprintf(src, sizeof src, "%s/tree-%s", dir, kind[k]);
        snprintf(dst, sizeof dst, "%s/prepared-%s", dir, kind[k]);
        an_status s = prepare(src, dst, &r);
        CHECK(s == AN_OK, "prepare %s: %s", kind[k], an_last_error());
        if (s != AN_OK) continue;
        size_t want = NGOOD + (size_t)keep[k];
        CHECK(r.images == NGOOD + 1 && r.written == want && r.nbad == (size_t)!keep[k],
              "prepare %s: %zu files, %zu written, %zu bad (want %zu written)", kind[k], r.images,
              r.written, r.nbad, want);
        if (r.nbad == 1) {
            size_t lp = strlen(r.bad[0].path);
            CHECK(lp >= 8 && strcmp(r.bad[0].path + lp - 8, "a00.JPEG") == 0,
                  "prepare %s: bad file %s", kind[k], r.bad[0].path);
        }
        an_prepare_report_free(&r);
        int hits;
        snprintf(p, sizeof p, "%s/bad.txt", dst);
        int lines = count_lines(p, "a00.JPEG", &hits);
        CHECK(lines == !keep[k] && hits == !keep[k], "%s: bad.txt has %d lines, %d naming a00.JPEG",
              kind[k], lines, hits);
        an_index idx;
        if (an_index_load(dst, &idx) != AN_OK) {
            CHECK(0, "%s: index: %s", kind[k], an_last_error());
            continue;
        }
        CHECK(idx.count == want, "%s: index holds %llu images", kind[k],
              (unsigned long long)idx.count);
        for (uint64_t g = 0; g < NGOOD && g + (uint64_t)keep[k] < idx.count; g++) {
            size_t la = 0, lb = 0;
            uint8_t *a = record(dst, &idx, g + (uint64_t)keep[k], &la);
            uint8_t *b = record(alone, &ref, g, &lb);
            CHECK(a && b && la == lb && memcmp(a, b, la) == 0,
                  "%s: good file %llu differs from the good tree's", kind[k],
                  (unsigned long long)g);
            free(a);
            free(b);
        }
        an_index_free(&idx);
    }
    an_index_free(&ref);
}

/* All images of a raw folder in one batch (one loader thread): count in *n, malloc'd pixels. */
static float *load_folder(const char *src, int *n, int *nbad) {
    an_loader_config c = an_loader_defaults();
    c.view = an_view_center(SIZE);
    c.view.norm = AN_NORM_NONE;
    c.batch = NGOOD + 1;
    c.size = SIZE;
    c.threads = 1;
    an_loader *l;
    *n = -1;
    if (an_loader_open(src, &c, &l) != AN_OK) {
        CHECK(0, "loader on %s: %s", src, an_last_error());
        return NULL;
    }
    an_batch b;
    float *out = NULL;
    if (an_loader_next(l, &b) == AN_OK) {
        size_t floats = (size_t)b.count * 3 * SIZE * SIZE;
        out = malloc(floats * sizeof *out + 1);
        if (out) memcpy(out, b.images, floats * sizeof *out);
        *n = b.count;
        *nbad = (int)an_loader_bad_count(l);
        const char *path, *reason;
        for (size_t i = 0; i < an_loader_bad_count(l); i++) {
            an_loader_bad(l, i, &path, &reason);
            size_t lp = strlen(path);
            CHECK(lp >= 8 && strcmp(path + lp - 8, "a00.JPEG") == 0, "loader: bad file %s", path);
        }
    } else {
        CHECK(0, "loader on %s: %s", src, an_last_error());
    }
    an_loader_close(l);
    return out;
}

static void check_loader(const char *dir, int nk) {
    char src[4096];
    snprintf(src, sizeof src, "%s/good", dir);
    int nref, nbad;
    float *ref = load_folder(src, &nref, &nbad);
    CHECK(nref == NGOOD && nbad == 0, "loader on the good tree: %d images, %d bad", nref, nbad);
    size_t per = 3 * SIZE * SIZE;
    for (int k = 0; k < nk && ref; k++) {
        snprintf(src, sizeof src, "%s/tree-%s", dir, kind[k]);
        int n;
        float *im = load_folder(src, &n, &nbad);
        CHECK(n == NGOOD + keep[k] && nbad == !keep[k], "loader %s: %d images, %d bad, want %d",
              kind[k], n, nbad, NGOOD + keep[k]);
        if (im && n == NGOOD + keep[k])
            CHECK(memcmp(im + (size_t)keep[k] * per, ref, NGOOD * per * sizeof *im) == 0,
                  "loader %s: the good images differ from the good tree's", kind[k]);
        free(im);
    }
    free(ref);
}

/* Output folders are made with their parents (mkdir -p); a file in the way is named. */
static void check_mkdir(const char *dir) {
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/good", dir);
    snprintf(dst, sizeof dst, "%s/not/yet/there", dir);
    an_prepare_report r;
    CHECK(prepare(src, dst, &r) == AN_OK, "prepare into %s: %s", dst, an_last_error());
    CHECK(r.written == NGOOD, "prepare into a new nested folder wrote %zu", r.written);
    an_prepare_report_free(&r);
    snprintf(dst, sizeof dst, "%s/kinds.txt/sub", dir);
    an_status s = prepare(src, dst, &r);
    CHECK(s == AN_ERR_IO && strstr(an_last_error(), "kinds.txt") &&
              strstr(an_last_error(), "not a folder"),
          "prepare below a file: status %d, '%s'", s, an_last_error());
    if (s == AN_OK) an_prepare_report_free(&r);
}

/* An index entry whose offset plus length wraps past 2^64 is refused, not read through. */
static void check_index_wrap(const char *dir) {
    char split[4096];
    snprintf(split, sizeof split, "%s/prepared-good", dir);
    an_index idx;
    CHECK_OK(an_index_load(split, &idx));
    if (idx.count < 1) return;
    uint64_t off = idx.e[0].off;
    idx.e[0].off = UINT64_MAX - idx.e[0].len + 2; /* off + len == 1 */
    CHECK_OK(an_index_save(split, &idx));
    an_loader_config c = an_loader_defaults();
    c.view = an_view_center(SIZE);
    c.batch = 2;
    c.size = SIZE;
    c.threads = 1;
    an_loader *l = NULL;
    an_status s = an_loader_open(split, &c, &l);
    CHECK(s == AN_ERR_FORMAT && strstr(an_last_error(), "does not fit"),
          "an index entry at offset 2^64-%u: status %d, '%s'", idx.e[0].len - 2, s,
          an_last_error());
    if (s == AN_OK) an_loader_close(l);
    idx.e[0].off = off;
    CHECK_OK(an_index_save(split, &idx));
    an_index_free(&idx);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "data-reuse";
    if (!check_fixtures("make_jpeg_cases", dir, 0)) return 1;
    int nk = load_kinds(dir);
    CHECK(nk >= 12, "kinds.txt lists %d kinds", nk);
    check_decoder(dir, nk);
    check_prepare(dir, nk);
    check_loader(dir, nk);
    check_mkdir(dir);
    check_index_wrap(dir);
    return check_done("test_data_reuse");
}
