/* host/ref/ref_softmax.c - CPU reference (double) of softmax and softmax cross-entropy, plain or
 * with label smoothing. */
#include "ref/ref_softmax.h"

#include <math.h>

/* The row's maximum and log(sum(exp(x - max))). */
static void row_lse(const double *x, size_t k, double *max, double *log_sum) {
    double m = -INFINITY;
    for (size_t j = 0; j < k; j++)
        if (x[j] > m) m = x[j];
    double s = 0;
    for (size_t j = 0; j < k; j++) s += exp(x[j] - m);
    *max = m;
    *log_sum = log(s);
}

void an_ref_softmax(const double *x, double *y, size_t n, size_t k) {
    for (size_t r = 0; r < n; r++) {
        double m, ls;
        row_lse(x + r * k, k, &m, &ls);
        for (size_t j = 0; j < k; j++) y[r * k + j] = exp(x[r * k + j] - m - ls);
    }
}

an_ref_xent_stats an_ref_softmax_xent(const double *logits, const int *labels, size_t n, size_t k,
                                      double *prob, double *dlogits, double *row_loss,
                                      size_t *row_rank) {
    return an_ref_softmax_xent_smooth(logits, labels, n, k, 0.0, prob, dlogits, row_loss,
                                      row_rank);
}

an_ref_xent_stats an_ref_softmax_xent_smooth(const double *logits, const int *labels, size_t n,
                                             size_t k, double eps, double *prob, double *dlogits,
                                             double *row_loss, size_t *row_rank) {
    an_ref_xent_stats st = {0, 0, 0};
    double uniform = eps / (double)k;
    double total = 0;
    for (size_t r = 0; r < n; r++) {
        const double *x = logits + r * k;
        size_t y = (size_t)labels[r];
        double m, ls;
        row_lse(x, k, &m, &ls);
        double shifted_sum = 0; /* sum_j (x[j] - m) */
        for (size_t j = 0; j < k; j++) shifted_sum += x[j] - m;
        double loss = ls - (1 - eps) * (x[y] - m) - uniform * shifted_sum;
        size_t rank = 0;
        for (size_t j = 0; j < k; j++) {
            double p = exp(x[j] - m - ls);
            double q = (j == y ? 1 - eps : 0.0) + uniform;
            if (prob) prob[r * k + j] = p;
            if (dlogits) dlogits[r * k + j] = (p - q) / (double)n;
            if (x[j] > x[y] || (x[j] == x[y] && j < y)) rank++;
        }
        if (row_loss) row_loss[r] = loss;
        if (row_rank) row_rank[r] = rank;
        total += loss;
        st.top1 += rank < 1;
        st.top5 += rank < 5;
    }
    st.mean_loss = total / (double)n;
    return st;
}
