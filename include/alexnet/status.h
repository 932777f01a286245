/* alexnet/status.h - the one status type of the library: OpenCL's codes, plus the project's own.
 *
 * Every library function returns an an_status. AN_OK (0) is success. Negative values from -1 to
 * -99 are OpenCL's own error codes, passed through unchanged (CL_OUT_OF_RESOURCES is -5 here too);
 * values from -1000 down are the project's. The failing call also leaves a human-readable message
 * (what failed, which file or tensor, what to do) that an_last_error() returns. Library code never
 * exits: it returns a status and the caller (the CLI or a test) decides. */
#ifndef ALEXNET_STATUS_H
#define ALEXNET_STATUS_H

#include "alexnet/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int an_status;

enum {
    AN_OK = 0,
    AN_ERR_INVALID_ARG = -1001, /* a bad argument or flag value */
    AN_ERR_NOT_FOUND = -1002,   /* a device, file, layer or tensor that does not exist */
    AN_ERR_AMBIGUOUS = -1003,   /* a device spec that matches several devices where one is needed */
    AN_ERR_IO = -1004,          /* reading or writing a file failed */
    AN_ERR_FORMAT = -1005,      /* a file is truncated, corrupt or does not match */
    AN_ERR_NOMEM = -1006,       /* host or device memory exhausted */
    AN_ERR_BUILD = -1007,       /* an OpenCL program failed to build */
    AN_ERR_UNSUPPORTED = -1008, /* the device or build lacks a needed feature */
    AN_ERR_NONFINITE = -1009,   /* a NaN or infinity where a finite number was needed */
    AN_ERR_INTERRUPTED = -1010, /* stopped by a signal */
    AN_ERR_INTERNAL = -1011     /* a broken invariant: a bug in alexnet-cl */
};

/* The symbolic name of a status: "CL_OUT_OF_RESOURCES", "AN_ERR_FORMAT", "AN_OK". */
AN_API const char *an_status_name(an_status s);

/* The message left by the last failing call on this thread ("" if none). */
AN_API const char *an_last_error(void);

/* Record a message for status s (printf-style) and return s, so that callers write
 * `return an_error(AN_ERR_IO, "cannot open %s: %s", path, strerror(errno));`. */
AN_API an_status an_error(an_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prepend context to the current message ("loading weights.bin: " + old message); returns s. */
AN_API an_status an_error_context(an_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Forget the current message. */
AN_API void an_error_clear(void);

#ifdef __cplusplus
}
#endif
#endif
