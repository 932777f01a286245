/* test/test_data_bad.c - bad and odd files (made by tools/make_image_fixtures.py): prepare and the
 * raw-folder loader skip the truncated, corrupt-header, empty and PNG-named-.JPEG files, count and
 * list each with its path and reason, and convert the CMYK and greyscale JPEGs to RGB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/loader.h"
#include "data/prepare.h"

/* The expected bad files: "relative-path kind" lines of tree.bad. */
static int load_expected(const char *dir, char rel[][256], char kind[][32]) {
    char p[4096];
    snprintf(p, sizeof p, "%s/tree.bad", dir);
    FILE *f = fopen(p, "r");
    int n = 0;
    while (f && n < 8 && fscanf(f, "%255s %31s", rel[n], kind[n]) == 2) n++;
    if (f) fclose(f);
    return n;
}

static const char *reason_word(const char *kind) {
    if (!strcmp(kind, "truncated")) return "Premature end";
    if (!strcmp(kind, "empty")) return "empty";
    if (!strcmp(kind, "png")) return "PNG";
    return "JPEG";
}

/* Every expected bad file is listed exactly once, with a reason that names the problem. */
static void check_listed(const char *what, int nbad, const char **paths, const char **reasons,
                         int nexp, char rel[][256], char kind[][32]) {
    CHECK(nbad == nexp, "%s: %d bad files listed, want %d", what, nbad, nexp);
    for (int k = 0; k < nexp; k++) {
        int found = 0;
        for (int i = 0; i < nbad; i++) {
            size_t lp = strlen(paths[i]), lr = strlen(rel[k]);
            if (lp >= lr && strcmp(paths[i] + lp - lr, rel[k]) == 0) {
                found++;
                CHECK(strstr(reasons[i], reason_word(kind[k])) != NULL, "%s: %s: reason '%s'", what,
                      rel[k], reasons[i]);
            }
        }
        CHECK(found == 1, "%s: %s listed %d times", what, rel[k], found);
    }
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "fixtures-bad";
    if (!check_fixtures("make_image_fixtures", dir, 1)) return 1;
    char rel[8][256], kind[8][32];
    int nexp = load_expected(dir, rel, kind);
    CHECK(nexp == 4, "tree.bad lists %d files", nexp);

    char src[2048], dst[2048];
    snprintf(src, sizeof src, "%s/tree", dir);
    snprintf(dst, sizeof dst, "%s/prepared", dir);
    an_prepare_opts o;
    an_prepare_defaults(&o);
    o.src = src;
    o.dst = dst;
    o.size = 32;
    o.threads = 2;
    o.encoding = AN_ENC_RAW;
    o.shard_images = 5;
    an_prepare_report r;
    CHECK_OK(an_prepare(&o, &r));
    printf("  prepare: %zu files, %zu written, %zu bad\n", r.images, r.written, r.nbad);
    CHECK(r.images == 18 && r.written == 14, "prepare: %zu files, %zu written", r.images, r.written);
    const char *paths[16], *reasons[16];
    for (size_t i = 0; i < r.nbad && i < 16; i++) {
        paths[i] = r.bad[i].path;
        reasons[i] = r.bad[i].reason;
        printf("    %s: %s\n", paths[i], reasons[i]);
    }
    check_listed("prepare", (int)r.nbad, paths, reasons, nexp, rel, kind);

    /* bad.txt has them too; the index holds the 14 good ones, greyscale as R = G = B */
    char p[4096];
    snprintf(p, sizeof p, "%s/bad.txt", dst);
    FILE *f = fopen(p, "r");
    int lines = 0, ch;
    while (f && (ch = fgetc(f)) != EOF) lines += ch == '\n';
    if (f) fclose(f);
    CHECK(lines == 4, "bad.txt has %d lines", lines);
    an_index idx;
    CHECK_OK(an_index_load(dst, &idx));
    CHECK(idx.count == 14 && idx.nbad == 4, "index: %llu images, %llu bad", (unsigned long long)idx.count,
          (unsigned long long)idx.nbad);
    an_index_free(&idx);

    /* prepare again: everything is reused and the bad files are still reported */
    an_prepare_report r2;
    CHECK_OK(an_prepare(&o, &r2));
    CHECK(r2.shards_reused == r2.shards && r2.nbad == 4, "second run: %zu of %zu shards reused, %zu bad",
          r2.shards_reused, r2.shards, r2.nbad);
    an_prepare_report_free(&r2);
    an_prepare_report_free(&r);

    /* the raw-folder loader: bad files dropped from the batch and listed, CMYK and grey kept */
    an_loader_config c = an_loader_defaults();
    c.view = an_view_center(32);
    c.view.norm = AN_NORM_NONE;
    c.batch = 18;
    c.size = 32;
    c.threads = 2;
    an_loader *l;
    CHECK_OK(an_loader_open(src, &c, &l));
    an_batch b;
    CHECK_OK(an_loader_next(l, &b));
    CHECK(b.count == 14, "folder batch holds %d images, want 14", b.count);
    size_t nb = an_loader_bad_count(l);
    for (size_t i = 0; i < nb && i < 16; i++) an_loader_bad(l, i, &paths[i], &reasons[i]);
    check_listed("loader", (int)nb, paths, reasons, nexp, rel, kind);
    /* the second epoch knows them already: same count, no new entries */
    CHECK_OK(an_loader_next(l, &b));
    CHECK(b.count == 14 && an_loader_bad_count(l) == 4, "second epoch: %d images, %zu bad", b.count,
          an_loader_bad_count(l));
    /* the greyscale image (class n002_boat, last in its folder listing order: odd_grey) is grey */
    int grey_found = 0;
    for (int i = 0; i < b.count; i++) {
        const float *im = b.images + (size_t)i * 3 * 32 * 32;
        int isgrey = 1;
        for (int k = 0; k < 32 * 32; k++) isgrey &= im[k] == im[32 * 32 + k] && im[k] == im[2 * 32 * 32 + k];
        grey_found += isgrey;
    }
    CHECK(grey_found == 1, "%d grey images in the batch, want 1", grey_found);
    an_loader_close(l);
    return check_done("test_data_bad");
}
