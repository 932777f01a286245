/* test/modeltest.h - what the model tests share, on top of check.h: the device infos to open one
 * or two devices from, and the reference model (one device, the paper's initialisation). */
#ifndef AN_TEST_MODELTEST_H
#define AN_TEST_MODELTEST_H

#include "check.h"
#include "net/model.h"

/* The device list (check_devices_list, freed by the caller) into *list, its length as the
 * result, and in two[] its first device and its second (the first again where there is one). */
static inline int mt_device_infos(an_device_info **list, an_device_info two[2]) {
    int n = 0;
    CHECK_OK(check_devices_list(list, &n));
    two[0] = (*list)[0];
    two[1] = (*list)[n > 1 ? 1 : 0];
    return n;
}

/* A training model of net at batch on a new device *rdev opened from info, initialised from
 * seed; NULL when it could not be made (the failure is counted). */
static inline an_model *mt_reference(an_net *net, const an_device_info *info, int batch,
                                     uint64_t seed, an_dev *rdev) {
    CHECK_OK(an_devs_open(info, 1, rdev));
    an_model_opts o = an_model_defaults();
    o.batch = batch;
    an_model *ref = NULL;
    CHECK_OK(an_model_create(net, rdev, 1, &o, &ref));
    if (ref) CHECK_OK(an_model_init(ref, seed));
    return ref;
}

#endif
