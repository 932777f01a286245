/* host/api/api_devices.c - the public API's devices handle, version and kernel-cache switch. */
#include <stdio.h>
#include <stdlib.h>

#include "api/api_impl.h"

static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

void an_api_lock(void) { pthread_mutex_lock(&api_lock); }
void an_api_unlock(void) { pthread_mutex_unlock(&api_lock); }

an_status an_version(int *major, int *minor, int *patch) {
    if (!major || !minor || !patch)
        return an_error(AN_ERR_INVALID_ARG, "an_version: NULL argument");
    *major = AN_VERSION_MAJOR;
    *minor = AN_VERSION_MINOR;
    *patch = AN_VERSION_PATCH;
    return AN_OK;
}

an_status an_set_kernel_cache(int on) {
    an_kernel_cache_enable(on != 0); /* an atomic switch */
    return AN_OK;
}

static an_status open_locked(const char *spec, an_devices *d) {
    an_device_info *list = NULL;
    an_device_info infos[AN_MAX_SELECTED];
    int n = 0, nsel = 0;
    an_status s = an_devices_list(&list, &n);
    if (s == AN_OK) s = an_devices_pick(list, n, spec, 0, infos, &nsel);
    free(list);
    if (s != AN_OK) return s;
    /* On failure an_devs_open has closed what it opened, sub-devices included. */
    AN_TRY(an_devs_open(infos, nsel, d->devs));
    d->n = nsel;
    return AN_OK;
}

an_status an_devices_open(const char *spec, an_devices **out) {
    if (!out) return an_error(AN_ERR_INVALID_ARG, "an_devices_open: out is NULL");
    an_devices *d = calloc(1, sizeof *d);
    if (!d) return an_error(AN_ERR_NOMEM, "an_devices_open: out of memory");
    an_api_lock();
    an_status s = open_locked(spec, d);
    an_api_unlock();
    if (s != AN_OK) {
        free(d);
        return s;
    }
    pthread_mutex_init(&d->lock, NULL);
    *out = d;
    return AN_OK;
}

an_status an_devices_close(an_devices *d) {
    if (!d) return AN_OK;
    pthread_mutex_lock(&d->lock);
    int busy = d->networks;
    pthread_mutex_unlock(&d->lock);
    if (busy)
        return an_error(AN_ERR_INVALID_ARG, "an_devices_close: %d network(s) still open on these "
                        "devices; close them first (an_network_close)", busy);
    an_api_lock();
    an_devs_close(d->devs, d->n);
    an_api_unlock();
    pthread_mutex_destroy(&d->lock);
    free(d);
    return AN_OK;
}

an_status an_devices_count(const an_devices *d, int *n) {
    if (!d || !n) return an_error(AN_ERR_INVALID_ARG, "an_devices_count: NULL argument");
    *n = d->n;
    return AN_OK;
}

an_status an_devices_describe(const an_devices *d, int i, char *buf, size_t cap) {
    if (!d || !buf || cap < 1) return an_error(AN_ERR_INVALID_ARG, "an_devices_describe: NULL "
                                               "argument or no room");
    if (i < 0 || i >= d->n)
        return an_error(AN_ERR_INVALID_ARG, "an_devices_describe: no device %d (there are %d)", i,
                        d->n);
    char id[32];
    snprintf(buf, cap, "%s %s", an_device_id(&d->devs[i].info, id, sizeof id),
             d->devs[i].info.name);
    return AN_OK;
}
