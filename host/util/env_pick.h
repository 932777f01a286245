/* host/util/env_pick.h - an environment variable that picks one of two settings or "auto". */
#ifndef AN_UTIL_ENV_PICK_H
#define AN_UTIL_ENV_PICK_H

#include "alexnet/status.h"

/* $var names one of two choices: *pick = 1 for the first, 2 for the second; left as it is when
 * the variable is unset, empty or "auto"; anything else is AN_ERR_INVALID_ARG, naming the
 * choices ("VAR=value: expected first, second or auto"). */
an_status an_env_pick(const char *var, const char *first, const char *second, int *pick);

#endif
