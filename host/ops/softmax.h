/* host/ops/softmax.h - softmax, and softmax cross-entropy loss with its gradient and top-1/top-5.
 *
 * logits, prob, dlogits: [n][k] float32 (k classes per row). labels: [n] int32 class indices in
 * [0, k), held in a cl_mem like the float tensors (an_buf's offset counts 4-byte elements).
 * stats: AN_SOFTMAX_STATS_LEN(n) floats:
 *   [0] mean loss over the n rows, (1/n) sum_r -log softmax(logits[r])[labels[r]]
 *   [1] top-1 correct count, [2] top-5 correct count (exact integers, as floats)
 *   [3 + 2r] row r's loss, [4 + 2r] row r's rank: how many classes come before its label.
 * Class j comes before the label when its logit is greater, or equal with j < label: ties are
 * broken towards the lower index, as a stable sort by decreasing logit orders them (so a row of
 * all-equal logits is top-1 correct only for label 0). Top-k is correct when rank < k.
 * All numerically stable: rows are shifted by their maximum and the loss is log-sum-exp minus
 * the label's logit, so logits of ±1000 give finite, exact-enough results. A label outside
 * [0, k) gives a NaN row loss (and a NaN mean) rather than reading out of bounds.
 * Ops enqueue and do not wait: read stats with an_read after them. Outputs must not overlap
 * inputs. */
#ifndef AN_OPS_SOFTMAX_H
#define AN_OPS_SOFTMAX_H

#include "runtime/runtime.h"

#define AN_SOFTMAX_STATS_LEN(n) (3 + 2 * (size_t)(n))

/* prob = softmax(x) row by row (inference: no labels). */
an_status an_softmax_forward(an_dev *d, an_buf x, an_buf prob, size_t n, size_t k);

/* Evaluation: prob = softmax(logits) and stats against labels. */
an_status an_softmax_xent_forward(an_dev *d, an_buf logits, an_buf labels, an_buf prob,
                                  an_buf stats, size_t n, size_t k);

/* Training (forward and backward fused): dlogits = (softmax(logits) - q) / n, the gradient of
 * the mean loss, and stats as the forward gives them, except that with label smoothing eps the
 * targets are q = (1 - eps) onehot(labels) + eps / k and the row losses are the cross-entropy
 * against q, log-sum-exp - (1 - eps) logits[label] - (eps / k) sum_j logits[j], as PyTorch's
 * cross_entropy(label_smoothing=eps). Ranks and top-k counts are those of the plain forward.
 * eps = 0 is the plain loss (its own kernel, the arithmetic it always had); eps outside [0, 1)
 * is refused. */
an_status an_softmax_xent_backward(an_dev *d, an_buf logits, an_buf labels, an_buf dlogits,
                                   an_buf stats, size_t n, size_t k, float label_smoothing);

#endif
