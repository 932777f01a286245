/* host/train/confusion.h - a confusion matrix (an_eval_opts.confusion) as a CSV file and as the
 * most confused pairs of classes. */
#ifndef AN_TRAIN_CONFUSION_H
#define AN_TRAIN_CONFUSION_H

#include <stddef.h>

#include "alexnet/status.h"

/* Write cm (K × K, row the true class) to path: a header `class,images,accuracy,<name>...` and
 * one row per true class: its name, its image count, the fraction predicted right, then the
 * counts per predicted class. names[k] names class k (quoted when it holds a comma or quote). */
an_status an_confusion_write_csv(const char *path, int K, const char *const *names,
                                 const size_t *cm);

/* The off-diagonal cells with the largest counts (at most max, none that is 0), largest first,
 * ties by row then column: true class pairs[2i], predicted pairs[2i+1]. Returns how many. */
int an_confusion_top_pairs(int K, const size_t *cm, int max, int *pairs);

#endif
