/* host/runtime/status.c - status names and the per-thread error message. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alexnet/status.h"
#include "runtime/clcheck.h"

#define AN_MSG_MAX 4096
static _Thread_local char an_msg[AN_MSG_MAX];

const char *an_status_name(an_status s) {
    switch (s) {
    case AN_OK: return "AN_OK";
    case AN_ERR_INVALID_ARG: return "AN_ERR_INVALID_ARG";
    case AN_ERR_NOT_FOUND: return "AN_ERR_NOT_FOUND";
    case AN_ERR_AMBIGUOUS: return "AN_ERR_AMBIGUOUS";
    case AN_ERR_IO: return "AN_ERR_IO";
    case AN_ERR_FORMAT: return "AN_ERR_FORMAT";
    case AN_ERR_NOMEM: return "AN_ERR_NOMEM";
    case AN_ERR_BUILD: return "AN_ERR_BUILD";
    case AN_ERR_UNSUPPORTED: return "AN_ERR_UNSUPPORTED";
    case AN_ERR_NONFINITE: return "AN_ERR_NONFINITE";
    case AN_ERR_INTERRUPTED: return "AN_ERR_INTERRUPTED";
    case AN_ERR_INTERNAL: return "AN_ERR_INTERNAL";
    default: return an_cl_error_name(s);
    }
}

const char *an_last_error(void) { return an_msg; }

void an_error_clear(void) { an_msg[0] = 0; }

an_status an_error(an_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(an_msg, sizeof an_msg, fmt, ap);
    va_end(ap);
    return s;
}

an_status an_error_context(an_status s, const char *fmt, ...) {
    char prefix[1024], old[AN_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, an_msg, sizeof old);
    size_t lp = strlen(prefix), lo = strlen(old);
    if (lp + 2 >= sizeof an_msg) lp = sizeof an_msg - 3;
    memcpy(an_msg, prefix, lp);
    memcpy(an_msg + lp, ": ", 2);
    if (lp + 2 + lo >= sizeof an_msg) lo = sizeof an_msg - lp - 3;
    memcpy(an_msg + lp + 2, old, lo);
    an_msg[lp + 2 + lo] = 0;
    return s;
}
