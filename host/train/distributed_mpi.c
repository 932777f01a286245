/* host/train/distributed_mpi.c - data-parallel training over MPI (standard MPI-3 calls only, so
 * Open MPI and MPICH both serve): the job, the gradient reduction, the agreed stop and the
 * validation counts. See distributed.h. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/distributed.h"

struct an_dist_job {
    int rank, size, local_rank;
    char host[MPI_MAX_PROCESSOR_NAME];
    volatile sig_atomic_t *raw_stop;
    volatile sig_atomic_t stop;    /* agreed by every rank at the same step */
    float *grads;                  /* host staging of a device's gradients */
    size_t grads_cap;
    an_dist_stats stats;
};

int an_dist_built(void) { return 1; }

/* MPI's error as an an_status naming the call. */
static an_status mpi_fail(int err, const char *call) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(err, msg, &len) != MPI_SUCCESS) snprintf(msg, sizeof msg, "error %d", err);
    return an_error(AN_ERR_IO, "%s failed: %s (a rank of the job may have died)", call, msg);
}

#define MPI_TRY(call)                                                                          \
    do {                                                                                       \
        int mpi_err_ = (call);                                                                 \
        if (mpi_err_ != MPI_SUCCESS) return mpi_fail(mpi_err_, #call);                         \
    } while (0)

static int launched(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

an_status an_dist_init(an_dist_job **out) {
    *out = NULL;
    if (!launched()) return AN_OK;
    an_dist_job *d = calloc(1, sizeof *d);
    if (!d) return an_error(AN_ERR_NOMEM, "out of host memory");
    int provided, err = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (err != MPI_SUCCESS) {
        free(d);
        return mpi_fail(err, "MPI_Init_thread");
    }
    /* Errors come back as codes (messages naming the rank), not MPI's own abort. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_rank(node, &d->local_rank);
        MPI_Comm_free(&node);
    }
    int len = 0;
    MPI_Get_processor_name(d->host, &len);
    *out = d;
    return AN_OK;
}

void an_dist_finish(an_dist_job *d) {
    if (!d) return;
    free(d->grads);
    free(d);
    MPI_Finalize();
}

void an_dist_abort(an_dist_job *d, int code) {
    if (d) MPI_Abort(MPI_COMM_WORLD, code);
}

int an_dist_rank(const an_dist_job *d) { return d ? d->rank : 0; }
int an_dist_size(const an_dist_job *d) { return d ? d->size : 1; }
int an_dist_local_rank(const an_dist_job *d) { return d ? d->local_rank : 0; }
const char *an_dist_host(const an_dist_job *d) { return d ? d->host : ""; }
an_dist_stats an_dist_get_stats(const an_dist_job *d) {
    an_dist_stats z = {0, 0, 0, 0, 0};
    return d ? d->stats : z;
}

volatile sig_atomic_t *an_dist_stop_flag(an_dist_job *d, volatile sig_atomic_t *raw) {
    if (!d) return raw;
    d->raw_stop = raw;
    return &d->stop;
}

/* Every rank must reduce buffers of the same sizes: the same net on the same number of
 * devices. Checked once, at the first step. */
static an_status same_buffers(an_model *m) {
    long long mine[3] = {an_model_devices(m), (long long)an_model_dev_grad_floats(m, 0),
                         (long long)an_model_dev_grad_floats(m, 1)};
    long long lo[3], hi[3];
    MPI_TRY(MPI_Allreduce(mine, lo, 3, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD));
    MPI_TRY(MPI_Allreduce(mine, hi, 3, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD));
    if (memcmp(lo, hi, sizeof lo) != 0)
        return an_error(AN_ERR_INVALID_ARG, "the ranks run the net on different numbers of "
                        "devices (%lld to %lld; this rank %lld): give every rank as many devices "
                        "(--device, --device-per-rank or ALEXNET_DEVICE)", lo[0], hi[0], mine[0]);
    return AN_OK;
}

an_status an_dist_step(an_dist_job *d, an_model *m, int count, float *loss) {
    int top1, top5;
    AN_TRY(an_model_read_stats(m, loss, &top1, &top5));
    if (!d) return AN_OK;
    int raw = d->raw_stop && *d->raw_stop;
    if (d->size == 1) {
        d->stop = raw;
        return AN_OK;
    }
    /* The global batch's count and loss sum, and whether any rank was asked to stop. */
    double s[3] = {(double)count, (double)count * (double)*loss, raw ? 1.0 : 0.0};
    double t0 = MPI_Wtime();
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, s, 3, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    d->stats.wait_s += MPI_Wtime() - t0;
    if (s[0] < 1)
        return an_error(AN_ERR_FORMAT, "no rank had an image in this batch (all unreadable)");
    *loss = (float)(s[1] / s[0]);
    d->stop = s[2] > 0;
    d->stats.steps++;
    d->stats.step_bytes = sizeof s;
    if (d->stats.steps == 1) AN_TRY(same_buffers(m));
    /* This rank's gradient is the mean over its count images: weighed by count / total, the
     * sum is the mean over the global batch. */
    float w = (float)((double)count / s[0]);
    for (int i = 0; i < an_model_devices(m); i++) {
        size_t n = an_model_dev_grad_floats(m, i);
        if (n > d->grads_cap) {
            float *g = realloc(d->grads, n * sizeof *g);
            if (!g) return an_error(AN_ERR_NOMEM, "out of host memory for %zu gradients", n);
            d->grads = g;
            d->grads_cap = n;
        }
        t0 = MPI_Wtime();
        AN_TRY(an_model_read_dev_grads(m, i, d->grads));
        for (size_t k = 0; k < n; k++) d->grads[k] *= w;
        double t1 = MPI_Wtime();
        /* MPI counts are ints: a buffer of more than 2^31 - 1 floats goes in pieces. */
        for (size_t k = 0; k < n; k += (size_t)INT32_MAX) {
            int c = n - k < (size_t)INT32_MAX ? (int)(n - k) : INT32_MAX;
            MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, d->grads + k, c, MPI_FLOAT, MPI_SUM,
                                  MPI_COMM_WORLD));
        }
        double t2 = MPI_Wtime();
        AN_TRY(an_model_write_dev_grads(m, i, d->grads));
        d->stats.step_bytes += n * sizeof(float);
        d->stats.reduce_s += t2 - t1;
        d->stats.copy_s += (t1 - t0) + (MPI_Wtime() - t2);
    }
    return AN_OK;
}

an_status an_dist_reduce_eval(an_dist_job *d, an_eval_result *r) {
    if (!d || d->size == 1) return AN_OK;
    double s[5] = {(double)r->images, (double)r->top1_correct, (double)r->top5_correct,
                   r->loss * (double)r->images, (double)r->bad};
    MPI_TRY(MPI_Allreduce(MPI_IN_PLACE, s, 5, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    double secs = r->seconds;
    MPI_TRY(MPI_Allreduce(&secs, &r->seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    if (s[0] < 1) return an_error(AN_ERR_FORMAT, "no image of the validation set could be read");
    r->images = (size_t)s[0];
    r->top1_correct = (size_t)s[1];
    r->top5_correct = (size_t)s[2];
    r->bad = (size_t)s[4];
    r->top1_err = 100.0 * (s[0] - s[1]) / s[0];
    r->top5_err = 100.0 * (s[0] - s[2]) / s[0];
    r->loss = s[3] / s[0];
    r->images_per_s = r->seconds > 0 ? s[0] / r->seconds : 0;
    return AN_OK;
}
