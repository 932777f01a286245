/* host/train/distributed.h - data-parallel training over MPI: N processes (ranks) each run the
 * whole net on their share of every global batch and sum their gradients with MPI_Allreduce, so
 * that every rank takes the same SGD step.
 *
 * The data: rank r of N loads images [r·B/N, (r+1)·B/N) of every global batch of B (the loader's
 * part/parts), with the stream's own positions, so augmentation and dropout (an_model_opts's
 * first_image) draw from the global image index and N ranks see exactly the images, views and
 * masks one process sees. Each rank's loss gradient is the mean over its share; the reduction
 * weighs share r by count_r / Σ count before summing, which gives the gradient of the mean loss
 * over the global batch (for equal shares the weight is 1/N, exact for N a power of two), and
 * the loss that is logged is that global mean. Parameters stay equal on every rank because every
 * rank applies the same summed gradient to the same parameters (MPI gives every rank the same
 * sum). Validation is split the same way and its counts summed.
 *
 * Only the process that an MPI launcher started joins a job (an_dist_init looks for its
 * environment: OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK); a plain `alexnet train` never
 * touches MPI. A binary built without MPI (CMake found none) refuses to run under a launcher
 * that started several processes, rather than train N independent copies into one directory.
 *
 * Library code: errors are an_status with a message; an_dist_abort (for the command line) ends
 * the whole job. */
#ifndef AN_TRAIN_DISTRIBUTED_H
#define AN_TRAIN_DISTRIBUTED_H

#include <signal.h>
#include <stddef.h>

#include "net/model.h"
#include "train/evaluate.h"

typedef struct an_dist_job an_dist_job;

/* 1 when this binary was built with MPI. */
int an_dist_built(void);

/* Join the job when an MPI launcher started this process (*out: the job), else *out = NULL (one
 * process). Fails, naming what to do, when the binary has no MPI and the launcher started more
 * than one process, or when MPI cannot start. */
an_status an_dist_init(an_dist_job **out);
/* Leave the job (MPI_Finalize) and free d; NULL: nothing. */
void an_dist_finish(an_dist_job *d);
/* End every rank of the job with exit status code (MPI_Abort). */
void an_dist_abort(an_dist_job *d, int code);

/* This rank, the job's size, the rank among the ranks on this machine, the machine's name.
 * NULL (one process): 0, 1, 0, "". */
int an_dist_rank(const an_dist_job *d);
int an_dist_size(const an_dist_job *d);
int an_dist_local_rank(const an_dist_job *d);
const char *an_dist_host(const an_dist_job *d);

/* The device spec for a rank from a --device-per-rank list: specs (as --device takes them)
 * separated by '/'; local rank k takes entry k mod count ("0:0/0:1": ranks 0, 2, .. on device
 * 0:0 and 1, 3, .. on 0:1; "0:0,0:1/0:2,0:3": two devices each). */
an_status an_dist_device_spec(const char *list, int local_rank, char *buf, size_t n);

/* Stop requests: the signal handler's flag is raw (set on one rank); the trainer must read the
 * flag returned here, which an_dist_step sets on every rank at the same step once any rank's raw
 * flag was set. NULL d: raw itself. */
volatile sig_atomic_t *an_dist_stop_flag(an_dist_job *d, volatile sig_atomic_t *raw);

/* The rank's share of a global batch: local = batch / size, first = rank·local; refuses a batch
 * that does not divide by the job's size. */
an_status an_dist_share(const an_dist_job *d, int batch, int *local, int *first);

/* After an_model_backward of count images: weigh this rank's gradients and sum them over the
 * job, in every device's flat gradient buffer (one MPI_Allreduce per device); *loss gets the mean
 * loss over the global batch; the stop flag is agreed. One rank: *loss is this rank's loss and
 * nothing else is done (the numbers are bitwise those of a plain run). */
an_status an_dist_step(an_dist_job *d, an_model *m, int count, float *loss);

/* Sum the evaluation counts of every rank's share into r (and recompute its rates) on every
 * rank; NULL d or one rank: r as it is. */
an_status an_dist_reduce_eval(an_dist_job *d, an_eval_result *r);

/* What the reductions of an_dist_step cost this rank so far: steps, bytes it gave to the
 * reductions per step (the gradient floats of every device and three statistics), seconds in
 * the first, small MPI_Allreduce of a step (mostly waiting for the slowest rank: it is where the
 * ranks meet), seconds in the gradients' MPI_Allreduce (the transfer) and seconds copying
 * gradients between the devices and the host. */
typedef struct an_dist_stats {
    long long steps;
    size_t step_bytes;
    double wait_s, reduce_s, copy_s;
} an_dist_stats;
an_dist_stats an_dist_get_stats(const an_dist_job *d);

#endif
