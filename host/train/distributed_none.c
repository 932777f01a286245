/* host/train/distributed_none.c - the distributed interface of a binary built without MPI: one
 * process, and a clear refusal when a launcher started several. */
#include <stdlib.h>

#include "train/distributed.h"

int an_dist_built(void) { return 0; }

an_status an_dist_init(an_dist_job **out) {
    *out = NULL;
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(names[i]);
        if (v && atoi(v) > 1)
            return an_error(AN_ERR_UNSUPPORTED, "this alexnet was built without MPI (CMake "
                            "found none, or -DALEXNET_MPI=OFF), but runs under an MPI launcher "
                            "that started %d processes (%s): each would train alone into the same "
                            "run directory. Install Open MPI (apt-get install libopenmpi-dev "
                            "openmpi-bin, or tools/setup.sh) and build again, or run one process",
                            atoi(v), names[i]);
    }
    return AN_OK;
}

void an_dist_finish(an_dist_job *d) { (void)d; }
/* There is never a job to end here (an_dist_init gives NULL). */
void an_dist_abort(an_dist_job *d, int code) {
    (void)d;
    (void)code;
}
int an_dist_rank(const an_dist_job *d) { return (void)d, 0; }
int an_dist_size(const an_dist_job *d) { return (void)d, 1; }
int an_dist_local_rank(const an_dist_job *d) { return (void)d, 0; }
const char *an_dist_host(const an_dist_job *d) { return (void)d, ""; }

volatile sig_atomic_t *an_dist_stop_flag(an_dist_job *d, volatile sig_atomic_t *raw) {
    (void)d;
    return raw;
}

an_status an_dist_step(an_dist_job *d, an_model *m, int count, float *loss) {
    (void)d;
    (void)count;
    int top1, top5;
    return an_model_read_stats(m, loss, &top1, &top5);
}

an_status an_dist_reduce_eval(an_dist_job *d, an_eval_result *r) {
    (void)d;
    (void)r;
    return AN_OK;
}

an_dist_stats an_dist_get_stats(const an_dist_job *d) {
    (void)d;
    an_dist_stats z = {0, 0, 0, 0, 0};
    return z;
}
