/* host/train/confusion.c - the confusion matrix's CSV file and its most confused pairs. */
#include "train/confusion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/atomic_file.h"

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
static void sb_field(sbuf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        sb_str(b, s);
        return;
    }
    sb_str(b, "\"");
    for (; *s; s++) {
        sb_add(b, s, 1);
        if (*s == '"') sb_add(b, s, 1);
    }
    sb_str(b, "\"");
}

an_status an_confusion_write_csv(const char *path, int K, const char *const *names,
                                 const size_t *cm) {
    sbuf b = {0};
    char num[64];
    sb_str(&b, "class,images,accuracy");
    for (int k = 0; k < K; k++) {
        sb_str(&b, ",");
        sb_field(&b, names[k]);
    }
    sb_str(&b, "\n");
    for (int y = 0; y < K; y++) {
        size_t row = 0;
        for (int k = 0; k < K; k++) row += cm[(size_t)y * K + k];
        sb_field(&b, names[y]);
        snprintf(num, sizeof num, ",%zu,%.6f", row,
                 row ? (double)cm[(size_t)y * K + y] / (double)row : 0.0);
        sb_str(&b, num);
        for (int k = 0; k < K; k++) {
            snprintf(num, sizeof num, ",%zu", cm[(size_t)y * K + k]);
            sb_str(&b, num);
        }
        sb_str(&b, "\n");
    }
    an_status s = b.oom ? an_error(AN_ERR_NOMEM, "out of memory writing %s", path)
                        : an_write_atomic(path, b.p, b.len);
    free(b.p);
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
