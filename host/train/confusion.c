/* host/train/confusion.c - the confusion matrix's CSV file, its heat map and its most confused
 * pairs. */
#include "train/confusion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/try.h"
#include "util/atomic_file.h"
#include "util/png.h"
#include "util/strbuf.h"

/* A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
static void sb_field(an_strbuf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        an_sb_str(b, s);
        return;
    }
    an_sb_str(b, "\"");
    for (; *s; s++) {
        an_sb_add(b, s, 1);
        if (*s == '"') an_sb_add(b, s, 1);
    }
    an_sb_str(b, "\"");
}

an_status an_confusion_write_csv(const char *path, int K, const char *const *names,
                                 const size_t *cm) {
    an_strbuf b = {0};
    char num[64];
    an_sb_str(&b, "class,images,accuracy");
    for (int k = 0; k < K; k++) {
        an_sb_str(&b, ",");
        sb_field(&b, names[k]);
    }
    an_sb_str(&b, "\n");
    for (int y = 0; y < K; y++) {
        size_t row = 0;
        for (int k = 0; k < K; k++) row += cm[(size_t)y * K + k];
        sb_field(&b, names[y]);
        snprintf(num, sizeof num, ",%zu,%.6f", row,
                 row ? (double)cm[(size_t)y * K + y] / (double)row : 0.0);
        an_sb_str(&b, num);
        for (int k = 0; k < K; k++) {
            snprintf(num, sizeof num, ",%zu", cm[(size_t)y * K + k]);
            an_sb_str(&b, num);
        }
        an_sb_str(&b, "\n");
    }
    an_status s = b.oom ? an_error(AN_ERR_NOMEM, "out of memory writing %s", path)
                        : an_write_atomic(path, b.p, b.len);
    free(b.p);
    return s;
}

int an_confusion_cell(int K) {
    int c = K > 0 ? 640 / K : 32;
    return c < 1 ? 1 : c > 32 ? 32 : c;
}

an_status an_confusion_image(int K, const size_t *cm, uint8_t **pixels, int *side) {
    *pixels = NULL;
    *side = 0;
    if (K < 1 || K > 4096)
        return an_error(AN_ERR_INVALID_ARG, "a confusion image of %d classes (1 to 4096)", K);
    const int cell = an_confusion_cell(K), B = AN_CONFUSION_BORDER, S = K * cell + 2 * B;
    const uint8_t dark[3] = AN_CONFUSION_DARK;
    uint8_t *px = malloc((size_t)S * (size_t)S * 3);
    if (!px) return an_error(AN_ERR_NOMEM, "out of memory for a %d×%d image", S, S);
    memset(px, 255, (size_t)S * (size_t)S * 3);
    for (int y = 0; y < K; y++) {
        size_t row = 0;
        for (int p = 0; p < K; p++) row += cm[(size_t)y * K + p];
        for (int p = 0; p < K; p++) {
            uint8_t rgb[3];
            double f = row ? (double)cm[(size_t)y * K + p] / (double)row : 0;
            for (int c = 0; c < 3; c++)
                rgb[c] = row ? (uint8_t)(255.0 + (dark[c] - 255.0) * f + 0.5) : AN_CONFUSION_EMPTY;
            for (int i = 0; i < cell; i++)
                for (int j = 0; j < cell; j++) {
                    int grid = cell >= 8 && (i == cell - 1 || j == cell - 1);
                    size_t at = (size_t)(B + y * cell + i) * S + (size_t)(B + p * cell + j);
                    uint8_t *q = px + at * 3;
                    for (int c = 0; c < 3; c++) q[c] = grid ? AN_CONFUSION_GRID : rgb[c];
                }
        }
    }
    *pixels = px;
    *side = S;
    return AN_OK;
}

an_status an_confusion_write_png(const char *path, int K, const size_t *cm) {
    uint8_t *px;
    int side;
    AN_TRY(an_confusion_image(K, cm, &px, &side));
    an_status s = an_png_write(path, side, side, 3, px);
    free(px);
    return s;
}

int an_confusion_top_pairs(int K, const size_t *cm, int max, int *pairs) {
    int n = 0;
    for (int y = 0; y < K; y++)
        for (int p = 0; p < K; p++) {
            size_t c = cm[(size_t)y * K + p];
            if (y == p || c == 0) continue;
            if (n == max && c <= cm[(size_t)pairs[2 * n - 2] * K + pairs[2 * n - 1]]) continue;
            int pos = n < max ? n++ : max - 1;
            while (pos > 0 && c > cm[(size_t)pairs[2 * pos - 2] * K + pairs[2 * pos - 1]]) {
                pairs[2 * pos] = pairs[2 * pos - 2];
                pairs[2 * pos + 1] = pairs[2 * pos - 1];
                pos--;
            }
            pairs[2 * pos] = y;
            pairs[2 * pos + 1] = p;
        }
    return n;
}
