/* host/ops/tune_limits.h - which convolution choices keep a device's limits (under a limit
 * profile, runtime/limits.h): the tuner leaves the others out of its candidates and says which
 * and why. A choice breaks a limit when its workspace is one buffer larger than the device's
 * largest allocation, or when, under a profile, it runs a library (CLBlast's GEMM, clFFT) that
 * picks its work-groups and local memory from the real device, not from the profile: those
 * launches do not pass through an_launch, so the profile could not be checked on them. */
#ifndef AN_OPS_TUNE_LIMITS_H
#define AN_OPS_TUNE_LIMITS_H

#include "ops/tune.h"

/* 1 when choice c for shape s keeps d's limits; else 0, with the reason in why (may be NULL). */
int an_tune_fits_limits(const an_dev *d, const an_conv_shape *s, an_conv_choice c, char *why,
                        size_t cap);

/* One line naming every choice that applies to s but breaks d's limits, and why; "" when
 * none does. For the tuner's progress output. */
void an_tune_limits_note(const an_dev *d, const an_conv_shape *s, char *buf, size_t cap);

#endif
