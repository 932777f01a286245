/* host/util/clock.h - wall-clock seconds from a monotonic clock, for rates, ETAs and benchmarks. */
#ifndef AN_UTIL_CLOCK_H
#define AN_UTIL_CLOCK_H

#include <time.h>

static inline double an_now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#endif
