/* test/test_data_fmnist.c - the Fashion-MNIST path end to end on real data: tools/fashion_mnist.py
 * converts the first images of Debian's dataset-fashion-mnist into the folder layout, `alexnet
 * prepare --size 32` packs them, and the loader yields 28×28 training crops with the ten classes.
 * Skipped (exit 77) when /usr/share/datasets/fashion-mnist is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/loader.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "fmnist";
    if (access(FMNIST "/train-images-idx3-ubyte.gz", R_OK) != 0 &&
        access(FMNIST "/train-images-idx3-ubyte", R_OK) != 0) {
        printf("skipped: %s not installed (apt-get install dataset-fashion-mnist)\n", FMNIST);
        return 77;
    }
    const char *src = getenv("ALEXNET_SOURCE_DIR"), *bin = getenv("ALEXNET_BIN");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && /usr/bin/python3 %s/tools/fashion_mnist.py '%s/jpeg' --limit 300 && "
             "%s prepare '%s/jpeg' '%s/shards' --size 32 --synsets '%s/jpeg/synsets.txt' --threads 2",
             dir, src ? src : "..", dir, bin ? bin : "./alexnet", dir, dir, dir);
    int rc = system(cmd);
    CHECK(rc == 0, "`%s` exited with %d (needs /usr/bin/python3 with PIL)", cmd, rc);
    if (rc) return check_done("test_data_fmnist");

    char tr[4096];
    snprintf(tr, sizeof tr, "%s/shards/train", dir);
    an_loader_config c = an_loader_defaults();
    c.view = an_view_train(28);
    c.batch = 50;
    c.shuffle = 1;
    c.threads = 2;
    c.seed = 3;
    an_loader *l;
    CHECK_OK(an_loader_open(tr, &c, &l));
    if (!l) return check_done("test_data_fmnist");
    const an_classes *cl = an_loader_classes(l);
    CHECK(cl->n == 10 && strcmp(cl->words[0], "T-shirt/top") == 0 && strcmp(cl->words[9], "Ankle boot") == 0,
          "classes: %d, first '%s'", cl->n, cl->n ? cl->words[0] : "");
    CHECK(an_loader_size(l) == 300 && an_loader_stored_size(l) == 32, "%zu images of %d px",
          an_loader_size(l), an_loader_stored_size(l));
    const an_data_stats *st = an_loader_stats(l);
    /* greyscale: the three channel means agree; Fashion-MNIST's pixel mean is about 73 */
    CHECK(st && st->mean[0] == st->mean[1] && st->mean[0] > 50 && st->mean[0] < 100, "mean %g",
          st ? st->mean[0] : -1);
    int hist[10] = {0}, total = 0;
    for (int k = 0; k < 6; k++) {
        an_batch b;
        CHECK_OK(an_loader_next(l, &b));
        for (int i = 0; i < b.count; i++) hist[b.labels[i]]++;
        total += b.count;
        double s = 0;
        for (size_t i = 0; i < (size_t)b.count * 3 * 28 * 28; i++) s += b.images[i];
        CHECK(s == s, "NaN in a batch");
    }
    int classes_seen = 0;
    for (int k = 0; k < 10; k++) classes_seen += hist[k] > 0;
    CHECK(total == 300 && classes_seen == 10, "one epoch: %d images, %d classes", total, classes_seen);
    an_loader_close(l);
    return check_done("test_data_fmnist");
}
