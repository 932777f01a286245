/* host/data/source.c - listing folder-per-class trees and flat folders with a label list. */
#include "data/source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/try.h"
#include "util/atomic_file.h"

int an_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int an_is_jpeg_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

char *an_path_join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    size_t o = la;
    if (la && a[la - 1] != '/') p[o++] = '/';
    memcpy(p + o, b, lb + 1);
    return p;
}

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void an_classes_free(an_classes *c) {
    for (int i = 0; i < c->n; i++) {
        free(c->ids[i]);
        free(c->words[i]);
    }
    free(c->ids);
    free(c->words);
    *c = (an_classes){0};
}

static an_status classes_add(an_classes *c, const char *id, const char *words, int *cap) {
    if (c->n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        char **a = realloc(c->ids, (size_t)nc * sizeof *a);
        if (!a) return an_error(AN_ERR_NOMEM, "out of memory for the class list");
        c->ids = a;
        char **b = realloc(c->words, (size_t)nc * sizeof *b);
        if (!b) return an_error(AN_ERR_NOMEM, "out of memory for the class list");
        c->words = b;
        *cap = nc;
    }
    c->ids[c->n] = dupstr(id);
    c->words[c->n] = dupstr(words && *words ? words : id);
    if (!c->ids[c->n] || !c->words[c->n]) {
        free(c->ids[c->n]);
        free(c->words[c->n]);
        return an_error(AN_ERR_NOMEM, "out of memory for the class list");
    }
    c->n++;
    return AN_OK;
}

an_status an_classes_load(const char *path, an_classes *out) {
    *out = (an_classes){0};
    FILE *f = fopen(path, "r");
    if (!f) return an_error(AN_ERR_IO, "cannot open class list %s: %s", path, strerror(errno));
    char line[4096];
    int cap = 0;
    an_status s = AN_OK;
    while (s == AN_OK && fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) continue;
        char *sp = p;
        while (*sp && *sp != ' ' && *sp != '\t') sp++;
        char *words = sp;
        if (*sp) {
            *sp = 0;
            words = sp + 1;
            while (*words == ' ' || *words == '\t') words++;
        }
        if (an_classes_find(out, p) >= 0) {
            s = an_error(AN_ERR_FORMAT, "%s: class %s listed twice", path, p);
            break;
        }
        s = classes_add(out, p, words, &cap);
    }
    fclose(f);
    if (s == AN_OK && out->n == 0) s = an_error(AN_ERR_FORMAT, "%s: no classes", path);
    if (s != AN_OK) an_classes_free(out);
    return s;
}

an_status an_classes_save(const char *path, const an_classes *c) {
    size_t len = 0;
    for (int i = 0; i < c->n; i++) len += strlen(c->ids[i]) + strlen(c->words[i]) + 2;
    char *text = malloc(len + 1), *p = text;
    if (!text) return an_error(AN_ERR_NOMEM, "out of memory writing %s", path);
    for (int i = 0; i < c->n; i++) p += sprintf(p, "%s %s\n", c->ids[i], c->words[i]);
    an_status s = an_write_atomic(path, text, len);
    free(text);
    return s;
}

an_status an_classes_copy(const an_classes *src, an_classes *dst) {
    *dst = (an_classes){0};
    int cap = 0;
    for (int i = 0; i < src->n; i++) {
        an_status s = classes_add(dst, src->ids[i], src->words[i], &cap);
        if (s != AN_OK) {
            an_classes_free(dst);
            return s;
        }
    }
    return AN_OK;
}

int an_classes_find(const an_classes *c, const char *id) {
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->ids[i], id) == 0) return i;
    return -1;
}

static int strptr_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* Sorted names of the entries of dir that are directories (want_dirs) or JPEG files. */
static an_status list_dir(const char *dir, int want_dirs, char ***names, size_t *n) {
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return an_error(AN_ERR_IO, "cannot open folder %s: %s", dir, strerror(errno));
    size_t cap = 0;
    struct dirent *e;
    an_status s = AN_OK;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *full = an_path_join(dir, e->d_name);
        if (!full) {
            s = an_error(AN_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        struct stat st;
        int ok = stat(full, &st) == 0 &&
                 (want_dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode) && an_is_jpeg_name(e->d_name));
        free(full);
        if (!ok) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            char **p = realloc(*names, cap * sizeof *p);
            if (!p) {
                s = an_error(AN_ERR_NOMEM, "out of memory listing %s", dir);
                break;
            }
            *names = p;
        }
        if (!((*names)[*n] = dupstr(e->d_name))) {
            s = an_error(AN_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (s == AN_OK) qsort(*names, *n, sizeof **names, strptr_cmp);
    else free_names(*names, *n);
    return s;
}

void an_source_free(an_source *s) {
    for (size_t i = 0; i < s->n; i++) free(s->items[i].path);
    free(s->items);
    an_classes_free(&s->classes);
    *s = (an_source){0};
}

static an_status add_item(an_source *s, size_t *cap, char *path, int label) {
    if (!path) return an_error(AN_ERR_NOMEM, "out of memory listing images");
    if (s->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        an_source_item *p = realloc(s->items, nc * sizeof *p);
        if (!p) {
            free(path);
            return an_error(AN_ERR_NOMEM, "out of memory listing images");
        }
        s->items = p;
        *cap = nc;
    }
    s->items[s->n].path = path;
    s->items[s->n].label = label;
    s->n++;
    return AN_OK;
}

/* A label line: a class index (from base) or a class id. */
static an_status parse_label(const char *line, const an_classes *c, int base, const char *file,
                             size_t lineno, int *label) {
    char *end;
    long v = strtol(line, &end, 10);
    if (end != line && *end == 0) {
        if (v - base < 0 || v - base >= c->n)
            return an_error(AN_ERR_FORMAT, "%s:%zu: label %ld outside %d..%d", file, lineno, v, base,
                            base + c->n - 1);
        *label = (int)(v - base);
        return AN_OK;
    }
    int k = an_classes_find(c, line);
    if (k < 0) return an_error(AN_ERR_FORMAT, "%s:%zu: unknown class '%s'", file, lineno, line);
    *label = k;
    return AN_OK;
}

static an_status scan_flat(const char *dir, const char *labels_file, int base, an_source *out) {
    if (!out->classes.n)
        return an_error(AN_ERR_INVALID_ARG,
                        "%s is a flat folder: its classes must come from a synset file", dir);
    char **names;
    size_t n;
    AN_TRY(list_dir(dir, 0, &names, &n));
    FILE *f = fopen(labels_file, "r");
    if (!f) {
        free_names(names, n);
        return an_error(AN_ERR_IO, "cannot open label list %s: %s", labels_file, strerror(errno));
    }
    size_t cap = 0, lineno = 0, used = 0;
    char line[1024];
    an_status s = AN_OK;
    while (s == AN_OK && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        while (len && isspace((unsigned char)line[len - 1])) line[--len] = 0;
        if (!len) continue;
        if (used == n) {
            s = an_error(AN_ERR_FORMAT, "%s has more labels than %s has JPEG files (%zu)",
                         labels_file, dir, n);
            break;
        }
        int label = -1;
        s = parse_label(line, &out->classes, base, labels_file, lineno, &label);
        if (s == AN_OK) s = add_item(out, &cap, an_path_join(dir, names[used]), label);
        used++;
    }
    fclose(f);
    if (s == AN_OK && used != n)
        s = an_error(AN_ERR_FORMAT, "%s has %zu labels for %zu JPEG files in %s", labels_file, used,
                     n, dir);
    free_names(names, n);
    return s;
}

an_status an_source_scan(const char *dir, const an_classes *classes, const char *labels_file,
                         int label_base, an_source *out) {
    *out = (an_source){0};
    if (!an_is_dir(dir)) return an_error(AN_ERR_NOT_FOUND, "%s is not a folder", dir);
    an_status s = AN_OK;
    if (classes) s = an_classes_copy(classes, &out->classes);
    if (s == AN_OK && labels_file) {
        s = scan_flat(dir, labels_file, label_base, out);
        if (s != AN_OK) an_source_free(out);
        return s;
    }
    char **subs = NULL;
    size_t nsub = 0;
    if (s == AN_OK) s = list_dir(dir, 1, &subs, &nsub);
    if (s == AN_OK && nsub == 0)
        s = an_error(AN_ERR_FORMAT,
                     "%s has no class folders (a flat folder needs a ground-truth label list)", dir);
    int ccap = 0;
    if (s == AN_OK && !classes)
        for (size_t i = 0; s == AN_OK && i < nsub; i++) s = classes_add(&out->classes, subs[i], NULL, &ccap);
    size_t cap = 0;
    for (size_t i = 0; s == AN_OK && i < nsub; i++) {
        int label = an_classes_find(&out->classes, subs[i]);
        if (label < 0) {
            s = an_error(AN_ERR_FORMAT, "folder %s/%s is not a class of the synset list", dir, subs[i]);
            break;
        }
        char *sub = an_path_join(dir, subs[i]);
        if (!sub) {
            s = an_error(AN_ERR_NOMEM, "out of memory listing %s", dir);
            break;
        }
        char **files;
        size_t nf;
        s = list_dir(sub, 0, &files, &nf);
        if (s == AN_OK) {
            for (size_t k = 0; s == AN_OK && k < nf; k++)
                s = add_item(out, &cap, an_path_join(sub, files[k]), label);
            free_names(files, nf);
        }
        free(sub);
    }
    free_names(subs, nsub);
    if (s == AN_OK && out->n == 0) s = an_error(AN_ERR_NOT_FOUND, "no JPEG files under %s", dir);
    if (s != AN_OK) an_source_free(out);
    return s;
}
