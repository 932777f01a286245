/* host/train/confusion.h - a confusion matrix (an_eval_opts.confusion) as a CSV file, as a
 * heat-map PNG and as the most confused pairs of classes.
 *
 * The PNG: row y is true class y, column p predicted class p, top left class 0. Each cell is
 * cell × cell pixels (an_confusion_cell: 640 / K clamped to 1..32), inside a white border of
 * AN_CONFUSION_BORDER pixels, so the image is K·cell + 2·border pixels square. A cell's colour
 * is its count over its row's images, f in [0, 1], from white (f = 0) to dark blue (f = 1):
 * channel c = round(255 + (AN_CONFUSION_DARK[c] − 255)·f); a row with no image is grey
 * (AN_CONFUSION_EMPTY). When cell >= 8 the last pixel row and column of every cell are a grid
 * line (AN_CONFUSION_GRID). */
#ifndef AN_TRAIN_CONFUSION_H
#define AN_TRAIN_CONFUSION_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"

/* Write cm (K × K, row the true class) to path: a header `class,images,accuracy,<name>...` and
 * one row per true class: its name, its image count, the fraction predicted right, then the
 * counts per predicted class. names[k] names class k (quoted when it holds a comma or quote). */
an_status an_confusion_write_csv(const char *path, int K, const char *const *names,
                                 const size_t *cm);

#define AN_CONFUSION_BORDER 4
#define AN_CONFUSION_DARK {8, 48, 107}
#define AN_CONFUSION_EMPTY 192
#define AN_CONFUSION_GRID 224

/* The cell side for K classes. */
int an_confusion_cell(int K);

/* The heat map of cm (K from 1 to 4096) as RGB pixels (*pixels malloc'ed, *side × *side × 3
 * bytes, rows top to bottom). */
an_status an_confusion_image(int K, const size_t *cm, uint8_t **pixels, int *side);

/* The heat map written to path as a PNG. */
an_status an_confusion_write_png(const char *path, int K, const size_t *cm);

/* The off-diagonal cells with the largest counts (at most max, none that is 0), largest first,
 * ties by row then column: true class pairs[2i], predicted pairs[2i+1]. Returns how many. */
int an_confusion_top_pairs(int K, const size_t *cm, int max, int *pairs);

#endif
