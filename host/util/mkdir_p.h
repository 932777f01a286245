/* host/util/mkdir_p.h - create a folder and any missing parents, like `mkdir -p`. */
#ifndef AN_UTIL_MKDIR_P_H
#define AN_UTIL_MKDIR_P_H

#include "alexnet/status.h"

/* Create path and every missing folder above it (mode 0755). AN_OK when it exists as a folder
 * afterwards; AN_ERR_IO naming the part that could not be made, or a part that is a file. */
an_status an_mkdir_p(const char *path);

#endif
