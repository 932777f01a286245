/* host/ref/ref_softmax.h - CPU reference (double) of softmax and softmax cross-entropy.
 *
 * logits: [n][k]; labels: [n], each in [0, k). Numerically stable: every row is shifted by its
 * maximum, and the loss is log-sum-exp minus the label's logit, so logits of ±1000 are fine.
 * Rank of a row: how many classes come before the label, a class j coming before it when
 * logit[j] > logit[label], or when they are equal and j < label (ties go to the lower index, as
 * a stable sort by decreasing logit orders them). Top-k is correct when rank < k. */
#ifndef AN_REF_SOFTMAX_H
#define AN_REF_SOFTMAX_H

#include <stddef.h>

/* y[r][j] = exp(x[r][j]) / sum_i exp(x[r][i]). x, y: [n][k]. */
void an_ref_softmax(const double *x, double *y, size_t n, size_t k);

typedef struct an_ref_xent_stats {
    double mean_loss; /* (1/n) sum_r -log softmax(x[r])[label[r]] */
    size_t top1, top5; /* rows whose rank < 1, < 5 */
} an_ref_xent_stats;

/* Cross-entropy of softmax(logits) against labels, averaged over the n rows.
 * Outputs, each optional (NULL to skip): prob [n][k] softmax; dlogits [n][k] the gradient of the
 * mean loss, (prob - onehot(label)) / n; row_loss [n]; row_rank [n]. Returns the statistics. */
an_ref_xent_stats an_ref_softmax_xent(const double *logits, const int *labels, size_t n, size_t k,
                                      double *prob, double *dlogits, double *row_loss,
                                      size_t *row_rank);

/* The same with label smoothing eps in [0, 1): cross-entropy against the targets
 * q = (1 - eps) onehot(label) + eps / k, so row r's loss is
 * sum_j q_j (lse - x[r][j]) = lse - (1 - eps) x[r][label] - (eps / k) sum_j x[r][j] (lse the
 * row's log-sum-exp), mean_loss their mean, and dlogits (prob - q) / n. Ranks and top-k are
 * those of the labels, as above. eps = 0 gives an_ref_softmax_xent's figures. */
an_ref_xent_stats an_ref_softmax_xent_smooth(const double *logits, const int *labels, size_t n,
                                             size_t k, double eps, double *prob, double *dlogits,
                                             double *row_loss, size_t *row_rank);

#endif
