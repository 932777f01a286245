/* host/util/atomic_file.c - whole-file writes that never leave half a file behind. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/atomic_file.h"

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

an_status an_write_atomic_parts(const char *path, const void *const *parts, const size_t *lens,
                                int nparts) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return an_error(AN_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    int ok = 1;
    for (int i = 0; ok && i < nparts; i++) ok = write_all(fd, parts[i], lens[i]) == 0;
    int saved = errno;
    ok = ok && fsync(fd) == 0;
    if (!ok) saved = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok || rename(tmp, path) != 0) {
        if (ok) saved = errno;
        unlink(tmp);
        return an_error(AN_ERR_IO, "cannot write %s: %s (the previous file, if any, is kept)",
                        path, strerror(saved));
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return AN_OK;
}

an_status an_write_atomic(const char *path, const void *buf, size_t len) {
    const void *parts[1] = {buf};
    size_t lens[1] = {len};
    return an_write_atomic_parts(path, parts, lens, 1);
}
