/* host/data/source.h - finding the images of a data set on disk: the ImageNet layout.
 *
 * A folder tree root/<class>/<name>.JPEG (any folder-per-class tree of JPEG files: .jpg/.jpeg in
 * any case), or a flat folder of JPEGs plus a ground-truth list (one label per line, in sorted
 * file-name order; a line is a class index, counted from label_base, or a class id such as a wnid).
 * The class list comes from a synset file ("wnid words...", one per line, in label order), or else
 * from the sorted folder names. Everything is sorted by bytes, so a listing is reproducible. */
#ifndef AN_DATA_SOURCE_H
#define AN_DATA_SOURCE_H

#include <stddef.h>

#include "alexnet/status.h"

typedef struct an_classes {
    int n;
    char **ids;    /* "n01440764" or the folder name */
    char **words;  /* "tench, Tinca tinca" (the id again when unknown) */
} an_classes;

/* Read a synset file: "id words...", one class per line; blank lines are skipped. */
an_status an_classes_load(const char *path, an_classes *out);
/* Write one "id words" line per class, atomically (path.tmp then rename). */
an_status an_classes_save(const char *path, const an_classes *c);
an_status an_classes_copy(const an_classes *src, an_classes *dst);
/* The index of class id, or -1. */
int an_classes_find(const an_classes *c, const char *id);
void an_classes_free(an_classes *c);

typedef struct an_source_item {
    char *path;
    int label;
} an_source_item;

typedef struct an_source {
    an_source_item *items;
    size_t n;
    an_classes classes;
} an_source;

/* List the images under dir. classes (may be NULL) fixes the class list and its order (a folder
 * not in it is an error); labels_file (may be NULL) is needed for a flat folder. */
an_status an_source_scan(const char *dir, const an_classes *classes, const char *labels_file,
                         int label_base, an_source *out);
void an_source_free(an_source *s);

/* 1 when path is a directory. */
int an_is_dir(const char *path);
/* 1 when name ends in .jpg or .jpeg (any case). */
int an_is_jpeg_name(const char *name);
/* malloc'd "a/b". */
char *an_path_join(const char *a, const char *b);

#endif
