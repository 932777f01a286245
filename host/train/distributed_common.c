/* host/train/distributed_common.c - what both builds (with and without MPI) share: the
 * --device-per-rank rule and the batch share. */
#include <stdio.h>
#include <string.h>

#include "train/distributed.h"

an_status an_dist_device_spec(const char *list, int local_rank, char *buf, size_t n) {
    if (!list || !*list)
        return an_error(AN_ERR_INVALID_ARG, "--device-per-rank: an empty list (give device "
                        "specs separated by '/', e.g. 0:0/0:1)");
    int count = 1;
    for (const char *p = list; *p; p++) count += *p == '/';
    int want = local_rank % count;
    const char *start = list;
    for (int k = 0; k < want; k++) start = strchr(start, '/') + 1;
    const char *end = strchr(start, '/');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len == 0)
        return an_error(AN_ERR_INVALID_ARG, "--device-per-rank %s: entry %d (local rank %d) is "
                        "empty", list, want + 1, local_rank);
    if (len >= n) return an_error(AN_ERR_INVALID_ARG, "--device-per-rank: entry too long");
    memcpy(buf, start, len);
    buf[len] = 0;
    return AN_OK;
}

an_status an_dist_share(const an_dist_job *d, int batch, int *local, int *first) {
    int size = an_dist_size(d), rank = an_dist_rank(d);
    if (batch < size || batch % size != 0)
        return an_error(AN_ERR_INVALID_ARG, "--batch %d (the global batch) does not divide "
                        "among the job's %d ranks: give a multiple of %d, or run another number "
                        "of ranks", batch, size, size);
    *local = batch / size;
    *first = rank * *local;
    return AN_OK;
}
