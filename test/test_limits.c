/* test/test_limits.c - limit profiles (host/runtime/limits.h): the names and their values, the
 * smaller of device and profile, an unknown name's error, and that each limit bites on a real
 * device: a buffer over the per-buffer cap is refused with its name, size and limit before
 * clCreateBuffer; a work-group over the cap is refused before the driver sees it (no event, the
 * buffer untouched) while the same launch without the profile runs; a kernel over the local
 * memory cap is refused; and the tuner leaves out the candidates that would break a limit and
 * says which. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "devtest.h"
#include "ops/softmax.h"
#include "ops/tune.h"
#include "ops/tune_limits.h"
#include "runtime/limits.h"

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

static const an_limits *find(const char *name) {
    const an_limits *p = NULL;
    CHECK_OK(an_limits_find(name, &p));
    return p;
}

static void check_profiles(void) {
    const an_limits *g = find("gtx580"), *a = find("gcn"), *x = find("xe"), *s = find("strict");
    CHECK(g && g->global_mem == 3 * GiB && g->max_alloc == 768 * MiB && g->local_mem == 48 * 1024 &&
              g->max_work_group == 1024 && !g->fp16 && g->fp64,
          "gtx580: 3 GiB, 768 MiB per buffer, 48 KiB local, 1024 work-items, no fp16");
    CHECK(a && a->max_alloc == 2 * GiB && a->local_mem == 64 * 1024 && a->max_work_group == 256,
          "gcn: a quarter of 8 GiB per buffer, 64 KiB local, 256 work-items");
    CHECK(x && x->max_alloc == 4 * GiB && x->max_work_group == 256 && !x->fp16 && !x->fp64,
          "xe: 4 GiB per buffer, 256 work-items, no fp16, no fp64");
    /* strict is the smallest of the others, field by field (0: no cap). */
    const an_limits *o[3] = {g, a, x};
    cl_ulong gm = 0, ma = 0, lm = 0;
    size_t wg = 0;
    int f16 = 1, f64 = 1;
    for (int i = 0; i < 3 && o[i]; i++) {
        if (o[i]->global_mem && (!gm || o[i]->global_mem < gm)) gm = o[i]->global_mem;
        if (o[i]->max_alloc && (!ma || o[i]->max_alloc < ma)) ma = o[i]->max_alloc;
        if (o[i]->local_mem && (!lm || o[i]->local_mem < lm)) lm = o[i]->local_mem;
        if (o[i]->max_work_group && (!wg || o[i]->max_work_group < wg)) wg = o[i]->max_work_group;
        f16 &= o[i]->fp16;
        f64 &= o[i]->fp64;
    }
    CHECK(s && s->global_mem == gm && s->max_alloc == ma && s->local_mem == lm &&
              s->max_work_group == wg && s->fp16 == f16 && s->fp64 == f64,
          "strict is the minimum of gtx580, gcn and xe");

    const an_limits *p = NULL;
    an_status st = an_limits_find("gtx480", &p);
    CHECK(st == AN_ERR_INVALID_ARG && !p && strstr(an_last_error(), "gtx480") &&
              strstr(an_last_error(), "gtx580") && strstr(an_last_error(), "strict"),
          "an unknown profile names itself and the known ones: %s", an_last_error());
    CHECK(an_limits_use("Strict") == AN_ERR_INVALID_ARG, "names are case-sensitive");

    /* The smaller of the device's value and the profile's, field by field. */
    an_device_info d;
    memset(&d, 0, sizeof d);
    d.global_mem = 2 * GiB;
    d.max_alloc = 1 * GiB;
    d.local_mem = 32 * 1024;
    d.max_work_group = 4096;
    d.fp16 = d.fp64 = 1;
    an_device_info c = d;
    an_limits_cap(&c, g);
    CHECK(c.global_mem == 2 * GiB && c.max_alloc == 768 * MiB && c.local_mem == 32 * 1024 &&
              c.max_work_group == 1024 && !c.fp16 && c.fp64 && strcmp(c.limits, "gtx580") == 0,
          "gtx580 on a 2 GiB device: global and local stay the device's, the rest capped");
    c = d;
    an_limits_cap(&c, x);
    CHECK(c.global_mem == 2 * GiB && c.max_alloc == 1 * GiB && c.max_work_group == 256 &&
              !c.fp64, "xe: no global cap, the device's smaller allocation kept, no fp64");
    c = d;
    an_limits_cap(&c, find("none"));
    CHECK(memcmp(&c, &d, sizeof c) == 0, "none changes nothing");
}

/* ALEXNET_LIMITS is read when a device is opened; --limits (an_limits_use) wins over it. */
static void check_env(const an_device_info *info) {
    an_dev d;
    CHECK_OK(an_limits_use(NULL));
    setenv("ALEXNET_LIMITS", "gtx-580", 1);
    an_status s = an_devs_open(info, 1, &d);
    CHECK(s == AN_ERR_INVALID_ARG && strstr(an_last_error(), "ALEXNET_LIMITS=gtx-580") &&
              strstr(an_last_error(), "gtx580"),
          "an unknown ALEXNET_LIMITS fails the open and says so: %s", an_last_error());
    setenv("ALEXNET_LIMITS", "gtx580", 1);
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK(d.info.max_work_group == (info->max_work_group < 1024 ? info->max_work_group : 1024) &&
              d.info.max_alloc <= 768 * MiB && strcmp(d.info.limits, "gtx580") == 0,
          "ALEXNET_LIMITS=gtx580 caps the opened device (work-group %zu)", d.info.max_work_group);
    an_devs_close(&d, 1);
    CHECK_OK(an_limits_use("none"));
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK(d.info.max_work_group == info->max_work_group && !d.info.limits[0],
          "--limits none beats ALEXNET_LIMITS");
    an_devs_close(&d, 1);
    unsetenv("ALEXNET_LIMITS");
    CHECK_OK(an_limits_use(NULL));
}

static void check_buffer_cap(const an_device_info *info) {
    if (info->max_alloc <= 768 * MiB) {
        printf("the device's own largest buffer is %llu MiB: the cap is not below it\n",
               (unsigned long long)(info->max_alloc / MiB));
        return;
    }
    an_dev d;
    CHECK_OK(an_limits_use("gtx580"));
    CHECK_OK(an_devs_open(info, 1, &d));
    cl_mem m = NULL;
    an_status s = an_alloc(&d, "fc6.weight", 768 * MiB + 4, &m);
    CHECK(s == AN_ERR_NOMEM && !m && strstr(an_last_error(), "fc6.weight") &&
              strstr(an_last_error(), "768.0 MiB") && strstr(an_last_error(), "gtx580"),
          "a buffer over 768 MiB is refused naming the tensor, its size and the limit: %s",
          an_last_error());
    CHECK(d.largest_alloc == 0, "the refused buffer is not counted as allocated");
    CHECK_OK(an_alloc(&d, "small", 4096, &m));
    CHECK(d.largest_alloc == 4096 && strcmp(d.largest_name, "small") == 0,
          "the largest buffer is recorded with its name");
    an_free(&m);
    an_devs_close(&d, 1);
    CHECK_OK(an_limits_use(NULL));
}

/* an_fill's kernel launched by hand with a work-group of lws items. */
static an_status fill_launch(an_dev *d, an_buf b, size_t n, float v, size_t lws) {
    cl_kernel k;
    AN_TRY(an_kernel(d, "common", NULL, "an_fill", &k));
    cl_uint off = 0, nn = (cl_uint)n;
    AN_ARG(k, 0, b.mem);
    AN_ARG(k, 1, off);
    AN_ARG(k, 2, nn);
    AN_ARG(k, 3, v);
    size_t gws = an_round_up(n, lws);
    return an_launch(d, k, 1, &gws, &lws);
}

static void check_work_group_cap(const an_device_info *info) {
    if (info->max_work_group < 512) {
        printf("the device allows only %zu work-items: the cap of 256 is not tested\n",
               info->max_work_group);
        return;
    }
    enum { N = 1024 };
    float h[N];
    check_fill_uniform(h, N, 11, -1, 1);
    an_dev d;
    CHECK_OK(an_limits_use("strict"));
    CHECK_OK(an_devs_open(info, 1, &d));
    an_buf b = dt_upload(&d, h, N);
    CHECK_OK(an_profile_start(&d));
    an_status s = fill_launch(&d, b, N, 7.0f, 512);
    CHECK(s == AN_ERR_UNSUPPORTED && strstr(an_last_error(), "an_fill") &&
              strstr(an_last_error(), "512") && strstr(an_last_error(), "256") &&
              strstr(an_last_error(), "strict"),
          "a work-group of 512 under strict is refused: %s", an_last_error());
    an_profile_row *rows;
    int nr;
    CHECK_OK(an_profile_collect(&d, &rows, &nr));
    free(rows);
    CHECK(nr == 0, "the refused launch never reached the queue (%d events)", nr);
    float g[N];
    CHECK_OK(an_read(&d, b, g, N));
    CHECK(memcmp(g, h, sizeof g) == 0, "the buffer is untouched");
    CHECK_OK(fill_launch(&d, b, N, 7.0f, 256));
    CHECK_OK(an_read(&d, b, g, N));
    int bad = 0;
    for (int i = 0; i < N; i++) bad += g[i] != 7.0f;
    CHECK(bad == 0, "a work-group of 256 runs under strict (%d wrong)", bad);

    /* A kernel whose local memory (softmax: 64 floats) is over the cap is refused too. */
    an_limits tiny = *find("strict");
    tiny.name = "tiny";
    tiny.local_mem = 128;
    an_limits_cap(&d.info, &tiny);
    an_buf p = dt_upload(&d, NULL, 4 * 10);
    s = an_softmax_forward(&d, b, p, 4, 10);
    CHECK(s == AN_ERR_UNSUPPORTED && strstr(an_last_error(), "local memory") &&
              strstr(an_last_error(), "tiny"),
          "256 bytes of local memory over a 128-byte cap are refused: %s", an_last_error());
    an_free(&p.mem);
    an_free(&b.mem);
    an_devs_close(&d, 1);

    /* Without the profile the driver takes the same launch: the refusal was the profile's. */
    CHECK_OK(an_limits_use("none"));
    CHECK_OK(an_devs_open(info, 1, &d));
    b = dt_upload(&d, h, N);
    CHECK_OK(fill_launch(&d, b, N, -3.0f, 512));
    CHECK_OK(an_read(&d, b, g, N));
    bad = 0;
    for (int i = 0; i < N; i++) bad += g[i] != -3.0f;
    CHECK(bad == 0, "without a profile the work-group of 512 runs (%d wrong)", bad);
    an_free(&b.mem);
    an_devs_close(&d, 1);
    CHECK_OK(an_limits_use(NULL));
}

static int has(const an_tune_result *r, const char *name) {
    char n[64];
    for (int i = 0; i < r->ncand; i++) {
        an_conv_choice_name(r->cand[i], n, sizeof n);
        if (strcmp(n, name) == 0) return 1;
    }
    return 0;
}

static void check_tuner(const an_device_info *info) {
    static const an_conv_shape S = {2, 3, 9, 9, 4, 3, 3, 1, 1, 1};
    setenv("ALEXNET_TUNE_CANDIDATES", "im2col,direct,fft,winograd", 1);
    an_dev d;
    CHECK_OK(an_limits_use("none"));
    CHECK_OK(an_devs_open(info, 1, &d));
    an_tune_result r;
    CHECK_OK(an_conv_tune_candidates(&d, &S, AN_TUNE_FORWARD, &r));
    int free_fft = has(&r, "fft"), free_blas = has(&r, "im2col+clblast");
    CHECK(free_blas, "without a profile im2col+clblast is a candidate");
    char note[512];
    an_tune_limits_note(&d, &S, note, sizeof note);
    CHECK(note[0] == 0, "without a profile nothing is left out: %s", note);
    an_devs_close(&d, 1);

    CHECK_OK(an_limits_use("gtx580"));
    CHECK_OK(an_devs_open(info, 1, &d));
    CHECK_OK(an_conv_tune_candidates(&d, &S, AN_TUNE_FORWARD, &r));
    CHECK(has(&r, "im2col+own") && has(&r, "direct") && !has(&r, "im2col+clblast") &&
              !has(&r, "winograd+clblast") && !has(&r, "fft"),
          "under gtx580 the library candidates are left out (%d left)", r.ncand);
    an_tune_limits_note(&d, &S, note, sizeof note);
    CHECK(strstr(note, "im2col+clblast left out") && strstr(note, "CLBlast") &&
              strstr(note, "gtx580") && (!free_fft || strstr(note, "fft left out")),
          "the tuner says which and why: %s", note);

    /* A per-buffer cap below a candidate's workspace leaves it out, and says so. */
    size_t ws = an_conv_workspace_floats(&d, &S, AN_CONV_IM2COL) * sizeof(float);
    an_limits small = *find("gtx580");
    small.name = "small";
    small.max_alloc = ws - 4;
    an_limits_cap(&d.info, &small);
    CHECK_OK(an_conv_tune_candidates(&d, &S, AN_TUNE_FORWARD, &r));
    CHECK(!has(&r, "im2col+own") && has(&r, "direct"),
          "a workspace of %zu bytes over a cap of %zu leaves im2col out", ws, ws - 4);
    an_tune_limits_note(&d, &S, note, sizeof note);
    CHECK(strstr(note, "im2col+own left out (its workspace"), "and says so: %s", note);
    an_devs_close(&d, 1);
    unsetenv("ALEXNET_TUNE_CANDIDATES");
    CHECK_OK(an_limits_use(NULL));
}

int main(void) {
    check_profiles();
    an_device_info *list;
    int n;
    CHECK_OK(check_devices_list(&list, &n));
    unsetenv("ALEXNET_LIMITS");
    int sel[AN_MAX_SELECTED], nsel;
    CHECK_OK(an_devices_select(list, n, NULL, 1, sel, &nsel));
    const an_device_info *info = &list[sel[0]];
    check_env(info);
    check_buffer_cap(info);
    check_work_group_cap(info);
    check_tuner(info);
    free(list);
    return check_done("test_limits");
}
