/* host/cli/bench_memory.c - `alexnet bench`'s memory report per device (bench_memory.h). */
#include <stdio.h>

#include "cli/bench_memory.h"

int bench_memory_print(const an_model *m, const an_dev *devs, int ndev) {
    const double MiB = 1048576.0;
    int over = 0;
    printf("\nmemory per device");
    if (ndev > 0 && devs[0].info.limits[0])
        printf(" under limit profile %s (its limits where smaller than the device's)",
               devs[0].info.limits);
    printf(":\n");
    for (int di = 0; di < ndev; di++) {
        const an_device_info *d = &devs[di].info;
        an_model_memory mm = an_model_device_memory(m, di);
        int fits = mm.total <= d->global_mem && devs[di].largest_alloc <= d->max_alloc;
        over += !fits;
        char id[32];
        printf("  device %d (%s): model %.1f MiB of %.1f MiB global; largest buffer %.1f MiB "
               "of %.1f MiB allowed (%s)%s\n",
               di, an_device_id(d, id, sizeof id), (double)mm.total / MiB,
               (double)d->global_mem / MiB, (double)devs[di].largest_alloc / MiB,
               (double)d->max_alloc / MiB,
               devs[di].largest_name[0] ? devs[di].largest_name : "none", fits ? "" : "  OVER");
    }
    return over;
}
