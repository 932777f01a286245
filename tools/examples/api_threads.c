/* tools/examples/api_threads.c - two inference networks on two devices, driven from two threads
 * against the same forwards from one thread, with only <alexnet/alexnet.h> (docs/API.md, thread
 * safety). Prints both wall-clock times, their ratio, the load average before and after, and
 * whether every output of the two-thread run equals the one-thread run's bit for bit.
 *
 *   api_threads [--devices A,B] [--net NET] [--batch N] [--iters N]
 *
 * Defaults: devices 0:0.0,0:0.1 (the two one-core sub-devices of a 2-core CPU), alexnet-owt,
 * batch 8, 3 forwards per network and run. Exit status 0 when the outputs agree, 1 otherwise. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <alexnet/alexnet.h>

typedef struct job {
    an_network *n;
    const float *x;
    int batch, iters;
    float *out; /* iters × batch × classes */
    size_t per; /* batch × classes */
    an_status s;
} job;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *run_job(void *p) {
    job *j = p;
    j->s = AN_OK;
    for (int i = 0; i < j->iters && j->s == AN_OK; i++)
        j->s = an_network_forward(j->n, j->x, j->batch, AN_OUTPUT_LOGITS, j->out + i * j->per);
    return NULL;
}

static int fail(const char *what) {
    fprintf(stderr, "api_threads: %s: %s\n", what, an_last_error());
    return 2;
}

static void load_avg(double *l) {
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || fscanf(f, "%lf", l) != 1) *l = -1;
    if (f) fclose(f);
}

int main(int argc, char **argv) {
    char specs[256] = "0:0.0,0:0.1";
    const char *net = "alexnet-owt";
    int batch = 8, iters = 3;
    for (int a = 1; a < argc; a += 2) {
        if (a + 1 >= argc) {
            fprintf(stderr, "usage: api_threads [--devices A,B] [--net NET] [--batch N] "
                            "[--iters N]\n");
            return 2;
        }
        if (strcmp(argv[a], "--devices") == 0) snprintf(specs, sizeof specs, "%s", argv[a + 1]);
        else if (strcmp(argv[a], "--net") == 0) net = argv[a + 1];
        else if (strcmp(argv[a], "--batch") == 0) batch = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--iters") == 0) iters = atoi(argv[a + 1]);
        else {
            fprintf(stderr, "api_threads: unknown option %s (--devices, --net, --batch, "
                            "--iters)\n", argv[a]);
            return 2;
        }
    }
    char *comma = strchr(specs, ',');
    if (!comma || batch < 1 || iters < 1) {
        fprintf(stderr, "api_threads: give --devices as A,B (two device specs), batch and iters "
                        ">= 1\n");
        return 2;
    }
    *comma = 0;
    const char *spec[2] = {specs, comma + 1};

    an_devices *d[2] = {NULL, NULL};
    an_network *n[2] = {NULL, NULL};
    an_network_opts o;
    an_network_opts_default(&o);
    o.batch = batch;
    for (int t = 0; t < 2; t++) {
        if (an_devices_open(spec[t], &d[t]) != AN_OK) return fail(spec[t]);
        if (an_network_create(d[t], net, &o, &n[t]) != AN_OK) return fail(net);
    }
    an_network_info info;
    an_network_get_info(n[0], &info);
    size_t img = (size_t)info.channels * info.height * info.width;
    size_t per = (size_t)batch * info.classes, total = per * (size_t)iters;
    float *x = malloc((size_t)batch * img * sizeof(float));
    float *out1[2] = {malloc(total * sizeof(float)), malloc(total * sizeof(float))};
    float *out2[2] = {malloc(total * sizeof(float)), malloc(total * sizeof(float))};
    if (!x || !out1[0] || !out1[1] || !out2[0] || !out2[1]) {
        fprintf(stderr, "api_threads: out of memory\n");
        return 2;
    }
    unsigned long long r = 88172645463325252ull; /* xorshift64: uniform in [-1, 1) */
    for (size_t i = 0; i < (size_t)batch * img; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        x[i] = (float)((double)(r >> 11) / 4503599627370496.0 - 1.0);
    }
    /* Warm-up: kernels built or loaded, convolutions tuned, buffers touched. */
    for (int t = 0; t < 2; t++)
        if (an_network_forward(n[t], x, batch, AN_OUTPUT_LOGITS, out1[t]) != AN_OK)
            return fail("warm-up forward");

    double load0, load1;
    load_avg(&load0);
    job one[2], two[2];
    for (int t = 0; t < 2; t++) {
        one[t] = (job){n[t], x, batch, iters, out1[t], per, AN_OK};
        two[t] = (job){n[t], x, batch, iters, out2[t], per, AN_OK};
    }
    double t0 = now_s();
    for (int t = 0; t < 2; t++) run_job(&one[t]);
    double t_one = now_s() - t0;
    for (int t = 0; t < 2; t++)
        if (one[t].s != AN_OK) return fail("one-thread forward");

    pthread_t th[2];
    t0 = now_s();
    for (int t = 0; t < 2; t++)
        if (pthread_create(&th[t], NULL, run_job, &two[t]) != 0) {
            fprintf(stderr, "api_threads: cannot start a thread\n");
            return 2;
        }
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    double t_two = now_s() - t0;
    load_avg(&load1);
    for (int t = 0; t < 2; t++)
        if (two[t].s != AN_OK) return fail("two-thread forward");

    int same = 1;
    for (int t = 0; t < 2; t++) same &= memcmp(out1[t], out2[t], total * sizeof(float)) == 0;
    int devs_agree = memcmp(out1[0], out1[1], total * sizeof(float)) == 0;
    printf("%s, batch %d, %d forwards per network on %s and %s\n", net, batch, iters, spec[0],
           spec[1]);
    printf("one thread:  %.3f s\n", t_one);
    printf("two threads: %.3f s\n", t_two);
    printf("speed-up: %.2fx (load average %.2f before, %.2f after)\n", t_one / t_two, load0,
           load1);
    printf("outputs of the two-thread run equal the one-thread run's: %s\n", same ? "yes" : "NO");
    printf("the two devices' outputs equal each other: %s\n", devs_agree ? "yes" : "no");
    for (int t = 0; t < 2; t++) {
        an_network_close(n[t]);
        an_devices_close(d[t]);
        free(out1[t]);
        free(out2[t]);
    }
    free(x);
    return same ? 0 : 1;
}
