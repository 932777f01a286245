/* host/util/env_pick.c - switches such as ALEXNET_GEMM=own|clblast|auto (env_pick.h). */
#include "util/env_pick.h"

#include <stdlib.h>
#include <string.h>

an_status an_env_pick(const char *var, const char *first, const char *second, int *pick) {
    const char *env = getenv(var);
    if (!env || !*env || strcmp(env, "auto") == 0) return AN_OK;
    if (strcmp(env, first) == 0)
        *pick = 1;
    else if (strcmp(env, second) == 0)
        *pick = 2;
    else
        return an_error(AN_ERR_INVALID_ARG, "%s=%s: expected %s, %s or auto", var, env, first,
                        second);
    return AN_OK;
}
