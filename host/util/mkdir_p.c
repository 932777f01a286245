/* host/util/mkdir_p.c - create a folder and its missing parents (output paths such as
 * `prepare DST` and `train --out`). */
#include "util/mkdir_p.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static an_status make_one(const char *p) {
    struct stat st;
    if (mkdir(p, 0755) == 0) return AN_OK;
    int e = errno;
    if (stat(p, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return AN_OK;
        return an_error(AN_ERR_IO, "cannot create folder %s: it exists and is not a folder", p);
    }
    return an_error(AN_ERR_IO, "cannot create folder %s: %s", p, strerror(e));
}

an_status an_mkdir_p(const char *path) {
    if (!path || !*path) return an_error(AN_ERR_INVALID_ARG, "an empty folder name");
    char *tmp = strdup(path);
    if (!tmp) return an_error(AN_ERR_NOMEM, "out of memory");
    an_status s = AN_OK;
    /* each parent in turn: "a", "a/b", ... (a leading "/" and repeated slashes are skipped) */
    for (char *p = tmp + 1; *p && s == AN_OK; p++) {
        if (*p != '/' || p[-1] == '/') continue;
        *p = 0;
        s = make_one(tmp);
        *p = '/';
    }
    if (s == AN_OK) s = make_one(tmp);
    free(tmp);
    return s;
}
