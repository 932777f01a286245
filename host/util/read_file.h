/* host/util/read_file.h - read a whole file into memory. */
#ifndef AN_UTIL_READ_FILE_H
#define AN_UTIL_READ_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "alexnet/status.h"

/* Read the file at path into *buf (reallocated as needed; capacity *cap, so one buffer serves
 * many files), its size into *len. A NUL byte follows the data (text can be used as a string).
 * A file larger than max bytes (0: no limit) is refused with AN_ERR_INVALID_ARG naming it; a
 * missing file is AN_ERR_NOT_FOUND, another failure AN_ERR_IO. */
an_status an_read_file_max(const char *path, size_t max, uint8_t **buf, size_t *cap, size_t *len);

/* an_read_file_max without a limit. */
an_status an_read_file(const char *path, uint8_t **buf, size_t *cap, size_t *len);

#endif
