/* test/test_runtime.c - the runtime: device specs, kernel loader, build errors, the binary cache,
 * whole binaries only, memory errors, copies, profiling, large buffers in huge-page memory and
 * two devices in one context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "runtime/hugemem.h"
#include "runtime/progcache.h"
#include "runtime/runtime.h"

static an_device_info fake(int p, int d, const char *name, const char *vendor, cl_device_type t) {
    an_device_info i;
    memset(&i, 0, sizeof i);
    i.platform_index = p;
    i.device_index = d;
    snprintf(i.name, sizeof i.name, "%s", name);
    snprintf(i.vendor, sizeof i.vendor, "%s", vendor);
    i.type = t;
    return i;
}

static void test_select(void) {
    an_device_info l[3] = {fake(0, 0, "pthread-cpu", "AuthenticAMD", CL_DEVICE_TYPE_CPU),
                           fake(1, 0, "NVIDIA H100", "NVIDIA Corporation", CL_DEVICE_TYPE_GPU),
                           fake(1, 1, "NVIDIA H100", "NVIDIA Corporation", CL_DEVICE_TYPE_GPU)};
    l[1].is_default = 1;
    int sel[2], n;
    unsetenv("ALEXNET_DEVICE");
    CHECK_OK(an_devices_select(l, 3, NULL, 1, sel, &n));
    CHECK(n == 1 && sel[0] == 1, "default is the first GPU, got n=%d sel=%d", n, sel[0]);
    CHECK_OK(an_devices_select(l, 3, "0:0", 1, sel, &n));
    CHECK(n == 1 && sel[0] == 0, "0:0 -> %d", sel[0]);
    CHECK_OK(an_devices_select(l, 3, "1:1,0:0", 0, sel, &n));
    CHECK(n == 2 && sel[0] == 2 && sel[1] == 0, "two devices -> %d,%d", sel[0], sel[1]);
    CHECK_OK(an_devices_select(l, 3, "AMD", 1, sel, &n));
    CHECK(sel[0] == 0, "vendor substring, case-insensitive -> %d", sel[0]);
    CHECK_OK(an_devices_select(l, 3, "PTHREAD", 1, sel, &n));
    CHECK(sel[0] == 0, "name substring -> %d", sel[0]);

    an_status s = an_devices_select(l, 3, "nvidia", 1, sel, &n);
    CHECK(s == AN_ERR_AMBIGUOUS, "nvidia matches two: %s", an_status_name(s));
    CHECK(strstr(an_last_error(), "1:0") && strstr(an_last_error(), "1:1"),
          "ambiguity lists the devices: %s", an_last_error());
    s = an_devices_select(l, 3, "amd-gpu", 1, sel, &n);
    CHECK(s == AN_ERR_NOT_FOUND && strstr(an_last_error(), "0:0"),
          "no match lists devices: %s %s", an_status_name(s), an_last_error());
    s = an_devices_select(l, 3, "3:0", 1, sel, &n);
    CHECK(s == AN_ERR_NOT_FOUND, "3:0 does not exist: %s", an_status_name(s));
    s = an_devices_select(l, 3, "0:0,1:0", 1, sel, &n);
    CHECK(s == AN_ERR_INVALID_ARG, "two where one is needed: %s", an_status_name(s));
    s = an_devices_select(l, 3, "0:0,1:0,1:1", 0, sel, &n);
    CHECK(s == AN_ERR_INVALID_ARG, "three devices: %s", an_status_name(s));
    setenv("ALEXNET_DEVICE", "0:0", 1);
    CHECK_OK(an_devices_select(l, 3, NULL, 1, sel, &n));
    CHECK(sel[0] == 0, "ALEXNET_DEVICE is the default spec -> %d", sel[0]);
    CHECK_OK(an_devices_select(l, 3, "1:1", 1, sel, &n));
    CHECK(sel[0] == 2, "--device beats ALEXNET_DEVICE -> %d", sel[0]);
    unsetenv("ALEXNET_DEVICE");

    an_device_info pick[2];
    s = an_devices_pick(l, 3, "0:0.0", 1, pick, &n);
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "cannot be split"),
          "a device without sub-devices: %s %s", an_status_name(s), an_last_error());
    l[0].sub_parts = 2;
    s = an_devices_pick(l, 3, "0:0.2", 1, pick, &n);
    CHECK(s == AN_ERR_NOT_FOUND && strstr(an_last_error(), "0:0.0 to 0:0.1"),
          "sub-device past the end names the range: %s %s", an_status_name(s), an_last_error());
    s = an_devices_select(l, 3, "0:0.1", 1, sel, &n);
    CHECK(s == AN_ERR_INVALID_ARG, "an_devices_select refuses sub-devices: %s",
          an_status_name(s));
    CHECK_OK(an_devices_pick(l, 3, "1:1,0:0", 2, pick, &n));
    CHECK(n == 2 && pick[0].device_index == 1 && pick[1].platform_index == 0 &&
              !pick[0].is_sub,
          "an_devices_pick fills the descriptions");
}

/* The default device: never a simulator while a real device exists. */
static void test_default_rule(void) {
    an_device_info l[3] = {fake(0, 0, "Oclgrind Simulator", "Oclgrind", CL_DEVICE_TYPE_GPU),
                           fake(1, 0, "pthread-cpu", "AuthenticAMD", CL_DEVICE_TYPE_CPU),
                           fake(2, 0, "NVIDIA H200", "NVIDIA Corporation", CL_DEVICE_TYPE_GPU)};
    l[0].simulator = 1;
    CHECK(an_devices_default(l, 3) == 2, "a real GPU after a simulated one is the default");
    CHECK(an_devices_default(l, 2) == 1, "a CPU beats a simulated GPU");
    CHECK(an_devices_default(l, 1) == 0, "a simulator alone is the default");
    CHECK(an_devices_default(l + 1, 2) == 1, "a GPU beats a CPU");
}

/* Two one-compute-unit sub-devices of a CPU device: opened, sharing a context, each running a
 * kernel of its own. */
static void test_sub_devices(const an_device_info *list, int n) {
    if (list[0].sub_parts < 2) {
        printf("device 0 cannot be split: sub-device test not run\n");
        return;
    }
    char spec[64];
    snprintf(spec, sizeof spec, "%d:%d.0,%d:%d.1", list[0].platform_index, list[0].device_index,
             list[0].platform_index, list[0].device_index);
    an_device_info pick[2];
    int np = 0;
    CHECK_OK(an_devices_pick(list, n, spec, 2, pick, &np));
    if (np != 2) return;
    CHECK(pick[0].compute_units == 1 && pick[1].compute_units == 1 && pick[0].is_sub &&
                  pick[0].sub_index == 0 &&
              pick[1].sub_index == 1 && pick[0].id != list[0].id,
          "sub-devices of one compute unit: %u, %u", pick[0].compute_units,
          pick[1].compute_units);
    an_dev d[2];
    CHECK_OK(an_devs_open(pick, 2, d));
    CHECK(d[0].ctx == d[1].ctx, "sub-devices of one device share a context");
    for (int i = 0; i < 2; i++) {
        cl_mem m;
        CHECK_OK(an_alloc(&d[i], "sub", 64 * sizeof(float), &m));
        CHECK_OK(an_fill(&d[i], (an_buf){m, 0}, (float)(i + 2), 64));
        float h[64];
        CHECK_OK(an_read(&d[i], (an_buf){m, 0}, h, 64));
        int bad = 0;
        for (int j = 0; j < 64; j++) bad += h[j] != (float)(i + 2);
        CHECK(bad == 0, "sub-device %d runs a kernel: %d wrong", i, bad);
        an_free(&m);
    }
    an_devs_close(d, 2);
}

static int count_cache_entries(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/alexnet-cl/*.bin 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = -1;
        pclose(p);
    }
    return n;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Kernels from a directory, a broken kernel, and the disk cache's handling of corrupt entries. */
static void test_loader(const an_device_info *info, const char *tmp) {
    char kdir[512], cdir[512], path[700];
    snprintf(kdir, sizeof kdir, "%s/kernels", tmp);
    snprintf(cdir, sizeof cdir, "%s/cache", tmp);
    mkdir(kdir, 0755);
    mkdir(cdir, 0755);
    const char *common = getenv("ALEXNET_SOURCE_DIR");
    char src[700];
    snprintf(src, sizeof src, "cp %s/cl/common.cl %s/", common ? common : ".", kdir);
    CHECK(system(src) == 0, "copy common.cl (%s)", src);
    snprintf(path, sizeof path, "%s/twice.cl", kdir);
    write_text(path, "__kernel void twice(__global float *x, uint n) {\n"
                     "  uint i = get_global_id(0); if (i < n) x[i] = SCALE * x[i]; }\n");
    snprintf(path, sizeof path, "%s/broken.cl", kdir);
    write_text(path, "__kernel void broken(__global float *x) { x[0] = undeclared_name; }\n");
    setenv("ALEXNET_KERNEL_DIR", kdir, 1);
    setenv("XDG_CACHE_HOME", cdir, 1);
    an_kernel_cache_enable(1);

    an_dev d;
    CHECK_OK(an_devs_open(info, 1, &d));
    cl_kernel k;
    an_status s = an_kernel(&d, "broken", NULL, "broken", &k);
    CHECK(s == AN_ERR_BUILD, "a broken kernel fails to build: %s", an_status_name(s));
    CHECK(strstr(an_last_error(), "cl/broken.cl") && strstr(an_last_error(), "undeclared_name"),
          "the error names the file and carries the build log: %s", an_last_error());
    s = an_kernel(&d, "missing_file", NULL, "x", &k);
    CHECK(s == AN_ERR_NOT_FOUND, "a missing kernel file: %s", an_status_name(s));

    unsigned long hits0, builds0, hits1, builds1;
    an_kernel_cache_counts(&hits0, &builds0);
    float x[100], y[100];
    check_fill_uniform(x, 100, 7, -1, 1);
    cl_mem m;
    CHECK_OK(an_alloc(&d, "x", sizeof x, &m));
    an_buf b = {m, 0};
    CHECK_OK(an_write(&d, b, x, 100));
    CHECK_OK(an_kernel(&d, "twice", "-DSCALE=2.0f", "twice", &k));
    cl_uint n = 100;
    size_t gws = 128;
    CHECK(clSetKernelArg(k, 0, sizeof m, &m) == CL_SUCCESS, "arg 0");
    CHECK(clSetKernelArg(k, 1, sizeof n, &n) == CL_SUCCESS, "arg 1");
    CHECK_OK(an_launch(&d, k, 1, &gws, NULL));
    CHECK_OK(an_read(&d, b, y, 100));
    int bad = 0;
    for (int i = 0; i < 100; i++) bad += y[i] != 2 * x[i];
    CHECK(bad == 0, "kernel from ALEXNET_KERNEL_DIR with -DSCALE=2 doubles: %d wrong", bad);
    CHECK(count_cache_entries(cdir) == 1, "cache holds the one built program: %d entries",
          count_cache_entries(cdir));
    an_free(&m);
    an_devs_close(&d, 1);
    an_kernel_cache_counts(&hits1, &builds1);
    CHECK(builds1 == builds0 + 1 && hits1 == hits0, "first build from source: +%lu builds, +%lu hits",
          builds1 - builds0, hits1 - hits0);
    /* A new open of the device: the same program now comes from the disk cache. */
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK_OK(an_kernel(&d, "twice", "-DSCALE=2.0f", "twice", &k));
    an_devs_close(&d, 1);
    an_kernel_cache_counts(&hits0, &builds0);
    CHECK(hits0 == hits1 + 1 && builds0 == builds1, "second build is a cache hit: +%lu hits, "
          "+%lu builds", hits0 - hits1, builds0 - builds1);

    /* Corrupt every entry (flip a byte in the payload, truncate another): a fresh process-like
     * open must ignore them, rebuild, and give right answers. */
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "for f in %s/alexnet-cl/*.bin; do printf '\\377\\377\\377\\377' | dd of=$f bs=1 "
             "seek=200 conv=notrunc 2>/dev/null; done", cdir);
    CHECK(system(cmd) == 0, "corrupting cache entries");
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK_OK(an_kernel(&d, "twice", "-DSCALE=3.0f", "twice", &k));
    an_kernel_cache_counts(&hits1, &builds1);
    CHECK_OK(an_kernel(&d, "twice", "-DSCALE=2.0f", "twice", &k));
    an_kernel_cache_counts(&hits0, &builds0);
    CHECK(builds0 == builds1 + 1 && hits0 == hits1,
          "a corrupt entry is not trusted but rebuilt: +%lu builds, +%lu hits", builds0 - builds1,
          hits0 - hits1);
    CHECK_OK(an_alloc(&d, "x", sizeof x, &m));
    b.mem = m;
    CHECK_OK(an_write(&d, b, x, 100));
    CHECK(clSetKernelArg(k, 0, sizeof m, &m) == CL_SUCCESS, "arg 0");
    CHECK(clSetKernelArg(k, 1, sizeof n, &n) == CL_SUCCESS, "arg 1");
    CHECK_OK(an_launch(&d, k, 1, &gws, NULL));
    CHECK_OK(an_read(&d, b, y, 100));
    bad = 0;
    for (int i = 0; i < 100; i++) bad += y[i] != 2 * x[i];
    CHECK(bad == 0, "after corrupting the cache the kernel is rebuilt and right: %d wrong", bad);
    an_free(&m);
    an_devs_close(&d, 1);
    unsigned char *bin;
    size_t len;
    an_hash128 none = {1, 2};
    s = an_binary_cache_read(none, &bin, &len);
    CHECK(s == AN_ERR_NOT_FOUND, "absent entry: %s", an_status_name(s));

    /* Cache off: nothing new is written. */
    snprintf(cmd, sizeof cmd, "rm -f %s/alexnet-cl/*.bin", cdir);
    CHECK(system(cmd) == 0, "emptying the cache");
    an_kernel_cache_enable(0);
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK_OK(an_kernel(&d, "twice", "-DSCALE=5.0f", "twice", &k));
    an_devs_close(&d, 1);
    CHECK(count_cache_entries(cdir) == 0, "cache off writes nothing: %d", count_cache_entries(cdir));
    an_kernel_cache_enable(1);
    unsetenv("ALEXNET_KERNEL_DIR");
}

/* The binary cache takes only whole program binaries (an_program_binary_whole): a PoCL binary
 * serialised while its program.bc was missing from PoCL's cache directory stopped the process
 * at an assertion inside PoCL when it was loaded. */
static void test_binary_whole(const an_device_info *info) {
    an_dev d;
    CHECK_OK(an_devs_open(info, 1, &d));
    const char *src = "__kernel void k(__global float *x) { x[get_global_id(0)] *= 2.0f; }";
    cl_int err;
    cl_program p = clCreateProgramWithSource(d.ctx, 1, &src, NULL, &err);
    CHECK(err == CL_SUCCESS && clBuildProgram(p, 1, &d.info.id, "", NULL, NULL) == CL_SUCCESS,
          "a small program builds");
    size_t len = 0;
    CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) == CL_SUCCESS &&
              len > 0, "its binary's size");
    unsigned char *bin = malloc(len), *c = malloc(len), *bins[1] = {bin};
    CHECK(bin && c && clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) ==
                          CL_SUCCESS, "its binary");
    CHECK(an_program_binary_whole(bin, len), "the program's own binary is whole (%zu bytes)", len);
    /* PoCL 3.1's format 9: after the 77-byte header, the bytes of the cache directory's files */
    if (len > 85 && memcmp(bin, "poclbin", 8) == 0 && bin[16] == 9) {
        memcpy(c, bin, len);
        memset(c + 77, 0, 8);
        CHECK(!an_program_binary_whole(c, len), "a PoCL binary without program.bc refused");
        CHECK(!an_program_binary_whole(bin, len / 2), "half a PoCL binary refused");
        CHECK(!an_program_binary_whole(bin, len - 1), "a PoCL binary short of a byte refused");
    }
    unsigned char other[64] = "a binary of another vendor";
    CHECK(an_program_binary_whole(other, sizeof other), "another vendor's binary taken as it is");
    free(bin);
    free(c);
    clReleaseProgram(p);
    an_devs_close(&d, 1);
}

static void test_memory_and_profile(const an_device_info *info) {
    an_dev d;
    CHECK_OK(an_devs_open(info, 1, &d));
    cl_mem m;
    an_status s = an_alloc(&d, "conv9.weight", (size_t)d.info.max_alloc + 4096, &m);
    CHECK(s == AN_ERR_NOMEM && strstr(an_last_error(), "conv9.weight") &&
              strstr(an_last_error(), "CL_DEVICE_MAX_MEM_ALLOC_SIZE"),
          "too large an allocation names the tensor and the limit: %s", an_last_error());
    float h[300];
    check_fill_uniform(h, 300, 3, -5, 5);
    CHECK_OK(an_alloc(&d, "t", sizeof h, &m));
    an_buf b = {m, 0};
    CHECK_OK(an_write(&d, b, h, 300));
    CHECK_OK(an_profile_start(&d));
    d.tag = "fill-a";
    CHECK_OK(an_fill(&d, an_buf_at(b, 10), 1.5f, 100));
    CHECK_OK(an_fill(&d, an_buf_at(b, 200), -2.0f, 50));
    d.tag = "fill-b";
    CHECK_OK(an_fill(&d, an_buf_at(b, 120), 0.25f, 10));
    an_profile_row *rows;
    int nr;
    CHECK_OK(an_profile_collect(&d, &rows, &nr));
    CHECK(nr == 2 && strcmp(rows[0].tag, "fill-a") == 0 && rows[0].launches == 2 &&
              strcmp(rows[1].tag, "fill-b") == 0 && rows[1].launches == 1 && rows[0].ms >= 0,
          "profile rows by tag: %d rows", nr);
    free(rows);
    an_profile_stop(&d);
    float g[300];
    CHECK_OK(an_read(&d, b, g, 300));
    int bad = 0;
    for (int i = 0; i < 300; i++) {
        float want = i >= 10 && i < 110 ? 1.5f : i >= 120 && i < 130 ? 0.25f
                   : i >= 200 && i < 250 ? -2.0f : h[i];
        bad += g[i] != want;
    }
    CHECK(bad == 0, "fill at offsets leaves the rest alone: %d wrong", bad);
    an_free(&m);
    an_devs_close(&d, 1);
}

/* A CPU device's large buffer lies in memory advised for huge pages (runtime/hugemem.c): made
 * with CL_MEM_USE_HOST_PTR, it holds what is written, a kernel's writes included, at any offset;
 * ALEXNET_HUGEPAGES=off makes an ordinary buffer. */
static void test_huge_buffer(const an_device_info *info) {
    an_dev d;
    CHECK_OK(an_devs_open(info, 1, &d));
    size_t n = ((size_t)5 << 20) / sizeof(float) + 3;
    float *h = malloc(n * sizeof *h), *g = malloc(n * sizeof *g);
    check_fill_uniform(h, n, 11, -5, 5);
    for (int off = 0; off < 2; off++) {
        if (off) setenv("ALEXNET_HUGEPAGES", "off", 1);
        int cpu = (d.info.type & CL_DEVICE_TYPE_CPU) != 0;
        CHECK(an_hugemem_wanted(&d, n * sizeof(float)) == (cpu && !off),
              "huge pages wanted for a %s device's 5 MiB buffer, ALEXNET_HUGEPAGES %s",
              cpu ? "CPU" : "non-CPU", off ? "off" : "unset");
        cl_mem m;
        CHECK_OK(an_alloc(&d, "big", n * sizeof(float), &m));
        cl_mem_flags fl = 0;
        CHECK(clGetMemObjectInfo(m, CL_MEM_FLAGS, sizeof fl, &fl, NULL) == CL_SUCCESS &&
                  ((fl & CL_MEM_USE_HOST_PTR) != 0) == (cpu && !off),
              "the 5 MiB buffer %s its host memory (flags %#llx)",
              cpu && !off ? "uses" : "does not use", (unsigned long long)fl);
        an_buf b = {m, 0};
        CHECK_OK(an_write(&d, b, h, n));
        CHECK_OK(an_fill(&d, an_buf_at(b, n - 1000), 7.0f, 900));
        CHECK_OK(an_read(&d, b, g, n));
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) bad += g[i] != (i >= n - 1000 && i < n - 100 ? 7.0f : h[i]);
        CHECK(bad == 0, "the 5 MiB buffer reads back what was written: %zu wrong", bad);
        an_free(&m);
    }
    unsetenv("ALEXNET_HUGEPAGES");
    free(h), free(g);
    an_devs_close(&d, 1);
}

static void test_two_devices(const an_device_info *list, int n) {
    if (n < 2) {
        printf("one device only: two-device context test needs POCL_DEVICES=\"pthread pthread\"\n");
        return;
    }
    an_dev d[2];
    CHECK_OK(an_devs_open(list, 2, d));
    CHECK(d[0].ctx == d[1].ctx && d[0].q != d[1].q, "devices of one platform share a context");
    an_devs_close(d, 2);
}

int main(void) {
    test_select();
    test_default_rule();
    an_device_info *list;
    int n;
    CHECK_OK(check_devices_list(&list, &n));
    if (n > 0) {
        char tmp[] = "/tmp/an_runtime_XXXXXX";
        CHECK(mkdtemp(tmp) != NULL, "mkdtemp");
        test_loader(&list[0], tmp);
        test_binary_whole(&list[0]);
        test_memory_and_profile(&list[0]);
        test_huge_buffer(&list[0]);
        test_two_devices(list, n);
        test_sub_devices(list, n);
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
        CHECK(system(cmd) == 0, "cleanup");
        free(list);
    }
    return check_done("test_runtime");
}
