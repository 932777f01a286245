/* test/test_train_config.c - the training configuration table (host/train/train_config.h): the
 * defaults are the paper's recipe; a configuration written as config.txt text and read back by
 * --resume comes back field for field (doubles exactly); what the command line gives for data,
 * val and epochs wins over the checkpoint; fields a resumed run keeps from the command line
 * (checkpointing, algorithm) are not taken from the checkpoint. */
#include <string.h>

#include "check.h"
#include "train/train_config.h"

static void check_defaults(void) {
    an_train_config c = an_train_defaults();
    CHECK(c.batch == 128 && c.epochs == 90 && c.lr == 0.01 && c.momentum == 0.9 &&
              c.weight_decay == 0.0005 && c.patience == 1 && c.step_epochs == 30 &&
              c.gamma == 0.1 && c.seed == 1 && c.lighting == 1 && c.keep == 3 &&
              c.tensorboard == 1 && c.conv_algo == AN_CONV_AUTO,
          "the paper's recipe: batch %d epochs %d lr %g", c.batch, c.epochs, c.lr);
    CHECK(c.lr_policy && strcmp(c.lr_policy, "plateau") == 0, "lr_policy plateau");
    CHECK(!c.data && !c.val && !c.init && !c.lr_mult && !c.freeze, "no paths by default");
}

static void check_round_trip(void) {
    uint64_t r = 5;
    an_train_config a = an_train_defaults();
    a.data = "/data/set";
    a.val = "/data/other-val";
    a.batch = 37;
    a.epochs = 11;
    a.lr = check_rand_uniform(&r, 0.001f, 0.1f) / 3.0;
    a.momentum = check_rand_uniform(&r, 0.5f, 0.99f) / 7.0;
    a.weight_decay = 1.0 / 3.0e4;
    a.lr_policy = "cosine";
    a.patience = 4;
    a.step_epochs = 9;
    a.gamma = 0.3;
    a.seed = 18446744073709551557ull;
    a.lighting = 0;
    a.translate = 3;
    a.erase = 0.25;
    a.lr_mult = "fc8=10";
    a.freeze = "conv1,conv2";
    a.warmup_epochs = 0.5;
    a.label_smoothing = 0.1;
    a.ckpt_every = 77;
    a.conv_algo = AN_CONV_DIRECT;
    char kv[8192];
    an_train_config_kv(&a, "alexnet-small", kv, sizeof kv);
    CHECK(strncmp(kv, "net=alexnet-small\n", 18) == 0, "net first: %.40s", kv);
    CHECK(strstr(kv, "\nlr_policy=cosine\n") && strstr(kv, "\nconv_algo=direct\n") &&
              strstr(kv, "\nseed=18446744073709551557\n") && !strstr(kv, "tensorboard="),
          "config text:\n%s", kv);

    /* A fresh command line without data, val or epochs: everything saved comes back. */
    an_train_config b = an_train_defaults();
    b.epochs = 0;
    b.ckpt_every = 5;
    static an_train_strings store;
    an_train_config_resume(&b, kv, &store);
    CHECK(strcmp(b.data, a.data) == 0 && strcmp(b.val, a.val) == 0 && b.epochs == 11,
          "data, val, epochs from the checkpoint: %s %s %d", b.data, b.val, b.epochs);
    CHECK(b.batch == a.batch && b.lr == a.lr && b.momentum == a.momentum &&
              b.weight_decay == a.weight_decay && b.patience == a.patience &&
              b.step_epochs == a.step_epochs && b.gamma == a.gamma && b.seed == a.seed &&
              b.lighting == a.lighting && b.translate == a.translate && b.erase == a.erase &&
              b.warmup_epochs == a.warmup_epochs && b.label_smoothing == a.label_smoothing,
          "numbers come back exactly (lr %.17g vs %.17g)", b.lr, a.lr);
    CHECK(strcmp(b.lr_policy, "cosine") == 0 && strcmp(b.lr_mult, "fc8=10") == 0 &&
              strcmp(b.freeze, "conv1,conv2") == 0, "strings come back");
    CHECK(b.ckpt_every == 5 && b.conv_algo == AN_CONV_AUTO,
          "checkpointing and algorithm stay the command line's: %d %d", b.ckpt_every,
          (int)b.conv_algo);

    /* The command line's data, val and epochs win. */
    an_train_config g = an_train_defaults();
    g.data = "/elsewhere";
    g.val = "none";
    g.epochs = 20;
    an_train_config_resume(&g, kv, &store);
    CHECK(strcmp(g.data, "/elsewhere") == 0 && strcmp(g.val, "none") == 0 && g.epochs == 20,
          "given data, val, epochs kept: %s %s %d", g.data, g.val, g.epochs);

    /* A checkpoint from before an option existed: that option takes its default. */
    an_train_config o = an_train_defaults();
    o.warmup_epochs = 2;
    an_train_config_resume(&o, "net=x\nbatch=8\nlr=0.5\n", &store);
    CHECK(o.batch == 8 && o.lr == 0.5 && o.warmup_epochs == 0 && o.epochs == 90 &&
              strcmp(o.lr_policy, "plateau") == 0,
          "missing keys: defaults (warmup %g, epochs %d)", o.warmup_epochs, o.epochs);
}

int main(void) {
    check_defaults();
    check_round_trip();
    return check_done("test_train_config");
}
