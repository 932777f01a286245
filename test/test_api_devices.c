/* test/test_api_devices.c - two networks on two devices, each driven from its own thread through
 * the public API (docs/API.md, thread safety): the one-core sub-devices 0:0.0 and 0:0.1 of a
 * CPU (skipped where the first device has none). Same seed, so the same parameters on both:
 * forwards and training steps run at the same time on the two devices must give exactly what
 * the same calls give one after the other. Run under ThreadSanitizer in CI (ALEXNET_TSAN). */
#include <pthread.h>

#include "alexnet/alexnet.h"
#include "check.h"

#define SMALL "alexnet-small:channels=3,size=32"
#define B 4
#define K 10
#define PER (3 * 32 * 32)
#define ROUNDS 3

typedef struct job {
    an_network *n;
    const float *x;
    const int *labels;
    float out[ROUNDS][B * K];
    float loss[ROUNDS];
    an_status s;
} job;

/* ROUNDS times: a training step, then a forward of the same batch. */
static void *run_job(void *p) {
    job *j = p;
    j->s = AN_OK;
    for (int r = 0; r < ROUNDS && j->s == AN_OK; r++) {
        j->s = an_network_train_step(j->n, j->x, j->labels, B, 0.01f, 0.9f, 0.0005f,
                                     &j->loss[r]);
        if (j->s == AN_OK) j->s = an_network_forward(j->n, j->x, B, AN_OUTPUT_LOGITS, j->out[r]);
    }
    return NULL;
}

static void make(an_devices *d, an_network **n) {
    an_network_opts o;
    an_network_opts_default(&o);
    o.batch = B;
    o.train = 1;
    o.seed = 7;
    CHECK_OK(an_network_create(d, SMALL, &o, n));
}

static void poison_job(job *j) {
    for (int r = 0; r < ROUNDS; r++) {
        check_poison(j->out[r], B * K);
        check_poison(&j->loss[r], 1);
    }
}

int main(void) {
    an_devices *d[2] = {NULL, NULL};
    const char *spec[2] = {"0:0.0", "0:0.1"};
    for (int t = 0; t < 2; t++)
        if (an_devices_open(spec[t], &d[t]) != AN_OK) {
            printf("SKIP: no sub-device %s: %s\n", spec[t], an_last_error());
            if (d[0]) an_devices_close(d[0]);
            return 77;
        }
    float x[B * PER];
    int labels[B];
    check_fill_uniform(x, B * PER, 11, -1.f, 1.f);
    for (int i = 0; i < B; i++) labels[i] = (3 * i + 1) % K;

    /* One after the other: fresh networks on each device. */
    static job serial[2], parallel[2];
    for (int t = 0; t < 2; t++) {
        make(d[t], &serial[t].n);
        serial[t].x = x;
        serial[t].labels = labels;
        poison_job(&serial[t]);
        run_job(&serial[t]);
        CHECK_OK(serial[t].s);
    }
    /* The same parameters on both devices give the same results (the same kernels run). */
    check_close("device 0:0.1 against 0:0.0", serial[1].out[ROUNDS - 1],
                serial[0].out[ROUNDS - 1], B * K, 0, 0);
    CHECK(serial[0].loss[0] > 0 && serial[0].loss[ROUNDS - 1] < serial[0].loss[0],
          "training lowers the loss: %g then %g", (double)serial[0].loss[0],
          (double)serial[0].loss[ROUNDS - 1]);

    /* At the same time, from two threads: fresh networks again, same seed. */
    pthread_t th[2];
    for (int t = 0; t < 2; t++) {
        make(d[t], &parallel[t].n);
        parallel[t].x = x;
        parallel[t].labels = labels;
        poison_job(&parallel[t]);
    }
    for (int t = 0; t < 2; t++) CHECK(pthread_create(&th[t], NULL, run_job, &parallel[t]) == 0,
                                      "thread %d started", t);
    for (int t = 0; t < 2; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < 2; t++) {
        CHECK(parallel[t].s == AN_OK, "thread %d: %s", t, an_status_name(parallel[t].s));
        for (int r = 0; r < ROUNDS; r++) {
            check_close("two-thread logits", parallel[t].out[r], serial[t].out[r], B * K, 0, 0);
            check_close("two-thread loss", &parallel[t].loss[r], &serial[t].loss[r], 1, 0, 0);
        }
    }
    for (int t = 0; t < 2; t++) {
        CHECK_OK(an_network_close(serial[t].n));
        CHECK_OK(an_network_close(parallel[t].n));
        CHECK_OK(an_devices_close(d[t]));
    }
    return check_done("test_api_devices");
}
