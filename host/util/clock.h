/* host/util/clock.h - wall-clock seconds from a monotonic clock, for rates, ETAs and benchmarks,
 * and the system load that benchmark figures are read beside. */
#ifndef AN_UTIL_CLOCK_H
#define AN_UTIL_CLOCK_H

#include <stdio.h>
#include <time.h>

static inline double an_now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The 1-minute system load (/proc/loadavg), or -1: figures on a busy machine are lower. */
static inline double an_load_average(void) {
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

#endif
