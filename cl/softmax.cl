/* cl/softmax.cl - softmax and softmax cross-entropy over rows of logits [n][k] (float).
 *
 * softmax_rows: one work-group of SM_WG per row. The row's maximum, then log(sum(exp(x - max)))
 * (both by tree reductions in local memory), so logits of ±1000 neither overflow nor underflow
 * to a wrong answer. Variants (build options):
 *   SM_LABELS=0:            out = softmax(x).
 *   SM_LABELS=1, SM_GRAD=0: out = softmax(x), and per-row loss and rank into stats.
 *   SM_LABELS=1, SM_GRAD=1: out = (softmax(x) - onehot(label)) * grad_scale, and the stats.
 *   SM_LABELS=1, SM_GRAD=1, SM_SMOOTH=1: label smoothing by the argument eps: the targets are
 *     q = (1 - eps) onehot(label) + eps / k, out = (softmax(x) - q) * grad_scale, and the row
 *     loss is the cross-entropy against q, log-sum-exp - (1 - eps) x[label] - (eps / k) sum x
 *     (one more reduction). Without SM_SMOOTH the arithmetic is that of eps = 0 exactly.
 * stats layout (floats): [0] mean loss, [1] top-1 correct, [2] top-5 correct (written by
 * softmax_stats), then per row r: [3 + 2r] loss = log-sum-exp - x[label], [4 + 2r] rank = how
 * many classes come before the label (logit greater, or equal with a lower index). A label
 * outside [0, k) gives a NaN loss and rank k, so that the training loop's NaN check stops it. */

#ifndef SM_WG
#define SM_WG 64 /* work-group size, a power of two */
#endif
#ifndef SM_LABELS
#define SM_LABELS 0
#endif
#ifndef SM_GRAD
#define SM_GRAD 0
#endif
#ifndef SM_SMOOTH
#define SM_SMOOTH 0
#endif

float sm_reduce_max(__local float *buf, float v) {
    uint l = get_local_id(0);
    buf[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = SM_WG / 2; h > 0; h >>= 1) {
        if (l < h) buf[l] = fmax(buf[l], buf[l + h]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE); /* buf is reused by the next reduction */
    return r;
}

float sm_reduce_sum(__local float *buf, float v) {
    uint l = get_local_id(0);
    buf[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint h = SM_WG / 2; h > 0; h >>= 1) {
        if (l < h) buf[l] += buf[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

__kernel __attribute__((reqd_work_group_size(SM_WG, 1, 1)))
void softmax_rows(__global const float *x, uint x_off, __global float *out, uint out_off,
#if SM_LABELS
                  __global const int *labels, uint labels_off, __global float *stats,
                  uint stats_off,
#endif
                  uint k, float grad_scale
#if SM_SMOOTH
                  , float eps
#endif
                  ) {
    __local float buf[SM_WG];
    uint row = get_group_id(0), l = get_local_id(0);
    __global const float *xr = x + x_off + (size_t)row * k;
    __global float *outr = out + out_off + (size_t)row * k;

    float m = -INFINITY;
    for (uint j = l; j < k; j += SM_WG) m = fmax(m, xr[j]);
    m = sm_reduce_max(buf, m);
    float s = 0.0f;
    for (uint j = l; j < k; j += SM_WG) s += exp(xr[j] - m);
    float lse = log(sm_reduce_sum(buf, s)); /* log-sum-exp minus the maximum */

#if SM_LABELS
    int label = labels[labels_off + row];
    int valid = label >= 0 && (uint)label < k;
    uint y = valid ? (uint)label : k;
    float xy = valid ? xr[y] : NAN;
    float before = 0.0f;
    for (uint j = l; j < k; j += SM_WG) {
        float v = xr[j];
        before += (v > xy || (v == xy && j < y)) ? 1.0f : 0.0f;
    }
    before = sm_reduce_sum(buf, before); /* exact: counts below 2^24 */
#if SM_SMOOTH
    float sx = 0.0f;
    for (uint j = l; j < k; j += SM_WG) sx += xr[j] - m;
    sx = sm_reduce_sum(buf, sx);
    float eps_k = eps / (float)k;
    float loss = lse - (1.0f - eps) * (xy - m) - eps_k * sx;
#else
    float loss = lse - (xy - m);
#endif
    if (l == 0) {
        stats[stats_off + 3 + 2 * row] = loss;
        stats[stats_off + 4 + 2 * row] = valid ? before : (float)k;
    }
#endif

    for (uint j = l; j < k; j += SM_WG) {
        float p = exp(xr[j] - m - lse);
#if SM_GRAD && SM_SMOOTH
        p = (p - ((j == y ? 1.0f - eps : 0.0f) + eps_k)) * grad_scale;
#elif SM_GRAD
        if (j == y) p -= 1.0f;
        p *= grad_scale;
#endif
        outr[j] = p;
    }
}

/* stats[0..2] = mean loss, top-1 and top-5 correct counts over the n rows' entries; one
 * work-group of SM_WG. */
__kernel __attribute__((reqd_work_group_size(SM_WG, 1, 1)))
void softmax_stats(__global float *stats, uint stats_off, uint n) {
    __local float buf[SM_WG];
    uint l = get_local_id(0);
    float loss = 0.0f, top1 = 0.0f, top5 = 0.0f;
    for (uint r = l; r < n; r += SM_WG) {
        float rank = stats[stats_off + 4 + 2 * r];
        loss += stats[stats_off + 3 + 2 * r];
        top1 += rank < 1.0f ? 1.0f : 0.0f;
        top5 += rank < 5.0f ? 1.0f : 0.0f;
    }
    loss = sm_reduce_sum(buf, loss);
    top1 = sm_reduce_sum(buf, top1);
    top5 = sm_reduce_sum(buf, top5);
    if (l == 0) {
        stats[stats_off + 0] = loss / (float)n;
        stats[stats_off + 1] = top1;
        stats[stats_off + 2] = top5;
    }
}
