/* host/util/atomic_file.c - whole-file writes that never leave half a file behind. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/atomic_file.h"

an_status an_atomic_open(an_atomic_file *a, const char *path) {
    memset(a, 0, sizeof *a);
    if (strlen(path) >= sizeof a->path)
        return an_error(AN_ERR_INVALID_ARG, "path too long (%zu bytes, at most %zu): %.64s...",
                        strlen(path), sizeof a->path - 1, path);
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        an_status s = an_error(AN_ERR_IO, "cannot create a temporary file beside %s: %s", path,
                               strerror(errno));
        a->tmp[0] = 0;
        return s;
    }
    if (fchmod(fd, 0644) != 0 || !(a->f = fdopen(fd, "wb"))) {
        an_status s = an_error(AN_ERR_IO, "cannot open %s: %s", a->tmp, strerror(errno));
        close(fd);
        an_atomic_abort(a);
        return s;
    }
    return AN_OK;
}

void an_atomic_abort(an_atomic_file *a) {
    if (a->f) fclose(a->f);
    a->f = NULL;
    if (a->tmp[0]) unlink(a->tmp);
    a->tmp[0] = 0;
}

an_status an_atomic_commit(an_atomic_file *a) {
    errno = 0;
    int err = ferror(a->f) ? (errno ? errno : EIO) : 0;
    if (!err && fflush(a->f) != 0) err = errno;
    if (!err && fsync(fileno(a->f)) != 0) err = errno;
    if (fclose(a->f) != 0 && !err) err = errno;
    a->f = NULL;
    if (!err && rename(a->tmp, a->path) != 0) err = errno;
    if (err) {
        an_atomic_abort(a);
        return an_error(AN_ERR_IO, "cannot write %s: %s (the previous file, if any, is kept)",
                        a->path, strerror(err));
    }
    a->tmp[0] = 0;
    char dir[sizeof a->path];
    snprintf(dir, sizeof dir, "%s", a->path);
    int dfd = open(dirname(dir), O_RDONLY); /* make the rename itself durable (best effort) */
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return AN_OK;
}

an_status an_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens,
                                int nparts) {
    an_atomic_file a;
    an_status s = an_atomic_open(&a, path);
    if (s != AN_OK) return s;
    for (int i = 0; i < nparts; i++) {
        if (lens[i] && fwrite(parts[i], 1, lens[i], a.f) != lens[i]) {
            s = an_error(AN_ERR_IO, "cannot write %s: %s (the previous file, if any, is kept)",
                         path, strerror(errno));
            an_atomic_abort(&a);
            return s;
        }
    }
    return an_atomic_commit(&a);
}

an_status an_write_atomic(const char *path, const void *buf, size_t len) {
    const void *parts[1] = {buf};
    size_t lens[1] = {len};
    return an_write_atomic_parts(path, parts, lens, 1);
}
