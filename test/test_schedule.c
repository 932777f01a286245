/* test/test_schedule.c - the learning-rate schedule (host/train/schedule.h): warm-up ramps,
 * cosine's end points and midpoint, the plateau and step rules at epoch ends, and the policy
 * names; each against values worked out by hand. */
#include <math.h>

#include "check.h"
#include "train/schedule.h"

static int near(double a, double b) { return fabs(a - b) <= 1e-12 + 1e-12 * fabs(b); }

static void test_warmup(void) {
    an_sched s = {AN_LR_FIXED, 0.1, 0.1, 1, 30, 0.5, 100, 4};
    CHECK(an_sched_warmup_iters(&s) == 50, "warm-up iterations %lld", an_sched_warmup_iters(&s));
    CHECK(near(an_sched_lr(&s, 0, 0.1), 0.1 / 50), "first step %g", an_sched_lr(&s, 0, 0.1));
    CHECK(near(an_sched_lr(&s, 24, 0.1), 0.1 * 25 / 50), "mid warm-up %g",
          an_sched_lr(&s, 24, 0.1));
    CHECK(near(an_sched_lr(&s, 49, 0.1), 0.1), "last warm-up step %g", an_sched_lr(&s, 49, 0.1));
    CHECK(near(an_sched_lr(&s, 50, 0.1), 0.1), "after warm-up %g", an_sched_lr(&s, 50, 0.1));
    /* plateau: warm-up scales the policy's current rate, whatever it is */
    s.policy = AN_LR_PLATEAU;
    CHECK(near(an_sched_lr(&s, 9, 0.01), 0.01 * 10 / 50), "plateau warm-up %g",
          an_sched_lr(&s, 9, 0.01));
    s.warmup_epochs = 0;
    CHECK(an_sched_warmup_iters(&s) == 0 && near(an_sched_lr(&s, 0, 0.03), 0.03),
          "no warm-up %g", an_sched_lr(&s, 0, 0.03));
}

static void test_cosine(void) {
    /* 4 epochs of 100 steps, 1 epoch of warm-up: cosine over steps 100..400 */
    an_sched s = {AN_LR_COSINE, 0.2, 0.1, 1, 30, 1, 100, 4};
    CHECK(near(an_sched_lr(&s, 99, 123.0), 0.2), "end of warm-up %g", an_sched_lr(&s, 99, 123.0));
    CHECK(near(an_sched_lr(&s, 100, 0), 0.2), "start %g", an_sched_lr(&s, 100, 0));
    CHECK(near(an_sched_lr(&s, 250, 0), 0.1), "midpoint %g", an_sched_lr(&s, 250, 0));
    CHECK(near(an_sched_lr(&s, 175, 0), 0.2 * 0.5 * (1 + sqrt(0.5))), "quarter %g",
          an_sched_lr(&s, 175, 0));
    CHECK(fabs(an_sched_lr(&s, 400, 0)) < 1e-15, "end %g", an_sched_lr(&s, 400, 0));
    CHECK(fabs(an_sched_lr(&s, 500, 0)) < 1e-15, "past the end %g", an_sched_lr(&s, 500, 0));
    /* warm-up ramps toward the cosine's value, not a stale policy rate */
    CHECK(near(an_sched_lr(&s, 49, 7.0), 0.2 * 0.5), "cosine warm-up %g",
          an_sched_lr(&s, 49, 7.0));
    double lr = 0.2;
    int bad = 0;
    CHECK(!an_sched_epoch_end(&s, 0, 0, &bad, &lr) && lr == 0.2, "cosine ignores plateaus");
}

static void test_epoch_rules(void) {
    an_sched s = {AN_LR_PLATEAU, 0.01, 0.1, 2, 30, 0, 100, 90};
    double lr = 0.01;
    int bad = 0;
    CHECK(!an_sched_epoch_end(&s, 0, 1, &bad, &lr) && bad == 0, "improved");
    CHECK(!an_sched_epoch_end(&s, 1, 0, &bad, &lr) && bad == 1, "one bad epoch (patience 2)");
    CHECK(an_sched_epoch_end(&s, 2, 0, &bad, &lr) && near(lr, 0.001) && bad == 0,
          "second bad epoch drops: %g, %d", lr, bad);
    CHECK(!an_sched_epoch_end(&s, 3, 0, &bad, &lr) && bad == 1, "counting again");
    CHECK(!an_sched_epoch_end(&s, 4, 1, &bad, &lr) && bad == 0 && near(lr, 0.001), "reset");
    an_sched st = {AN_LR_STEP, 0.01, 0.5, 1, 3, 0, 100, 90};
    lr = 0.01;
    int drops = 0;
    for (int e = 0; e < 9; e++) drops += an_sched_epoch_end(&st, e, 1, &bad, &lr);
    CHECK(drops == 3 && near(lr, 0.01 * 0.125), "step: %d drops, lr %g", drops, lr);
    an_sched fx = {AN_LR_FIXED, 0.01, 0.1, 1, 1, 0, 100, 90};
    lr = 0.01;
    for (int e = 0; e < 5; e++) CHECK(!an_sched_epoch_end(&fx, e, 0, &bad, &lr), "fixed");
    CHECK(lr == 0.01, "fixed keeps %g", lr);
}

static void test_names(void) {
    const char *names[] = {"plateau", "step", "cosine", "fixed"};
    for (int i = 0; i < 4; i++) {
        an_lr_policy p = AN_LR_FIXED;
        CHECK(an_lr_policy_parse(names[i], &p) && strcmp(an_lr_policy_name(p), names[i]) == 0,
              "policy %s", names[i]);
    }
    an_lr_policy p;
    CHECK(!an_lr_policy_parse("Cosine", &p) && !an_lr_policy_parse("", &p) &&
          !an_lr_policy_parse(NULL, &p), "unknown names refused");
}

int main(void) {
    test_warmup();
    test_cosine();
    test_epoch_rules();
    test_names();
    return check_done("test_schedule");
}
