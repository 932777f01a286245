/* test/test_platform_oob.c - the control of the Oclgrind-platform pass: a kernel that writes one
 * element past its buffer, run on the device that ALEXNET_DEVICE names. The program itself
 * succeeds; the harness (test/platform_run.sh expect-error) passes only if the simulator's log
 * reports the invalid write, which shows that the pass would catch such a bug in our kernels. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "runtime/runtime.h"

static const char *src =
    "__kernel void past_end(__global float *x, uint n) {\n"
    "    uint i = get_global_id(0);\n"
    "    if (i <= n) x[i] = 1.0f; /* i == n is one past the end */\n"
    "}\n";

int main(void) {
    an_device_info *list, pick[2];
    int n, np = 0;
    CHECK_OK(check_devices_list(&list, &n));
    CHECK_OK(an_devices_pick(list, n, NULL, 1, pick, &np));
    if (np != 1) return check_done("test_platform_oob");
    printf("device: %s (%s)\n", pick[0].name, pick[0].platform_name);
    an_dev d;
    CHECK_OK(an_devs_open(pick, 1, &d));
    cl_int err;
    cl_program p = clCreateProgramWithSource(d.ctx, 1, &src, NULL, &err);
    CHECK(err == CL_SUCCESS, "create program: %d", err);
    err = clBuildProgram(p, 1, &d.info.id, "", NULL, NULL);
    CHECK(err == CL_SUCCESS, "build program: %d", err);
    cl_kernel k = clCreateKernel(p, "past_end", &err);
    CHECK(err == CL_SUCCESS, "create kernel: %d", err);
    cl_mem m;
    CHECK_OK(an_alloc(&d, "control", 16 * sizeof(float), &m));
    cl_uint count = 16;
    clSetKernelArg(k, 0, sizeof m, &m);
    clSetKernelArg(k, 1, sizeof count, &count);
    size_t gws = 17;
    CHECK(clEnqueueNDRangeKernel(d.q, k, 1, NULL, &gws, NULL, 0, NULL, NULL) == CL_SUCCESS,
          "launch the out-of-bounds kernel");
    CHECK_OK(an_finish(&d));
    an_free(&m);
    clReleaseKernel(k);
    clReleaseProgram(p);
    an_devs_close(&d, 1);
    free(list);
    return check_done("test_platform_oob");
}
