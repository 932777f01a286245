/* tools/examples/classify.c - classify JPEG files with the installed alexnet-cl library (only
 * <alexnet/alexnet.h>; docs/API.md). Prints, per image, its top K classes as `alexnet classify`
 * does: "  PROB%  CLASS  NAME".
 *
 *   cc classify.c $(pkg-config --cflags --libs alexnet) -o classify
 *   ./classify [--device SPEC] [--top K] WEIGHTS IMAGE... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <alexnet/alexnet.h>

static int fail(const char *what) {
    fprintf(stderr, "classify: %s: %s\n", what, an_last_error());
    return 1;
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            unsigned char *b = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!b) break;
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

/* The index of the largest of p[0..K) not yet taken (ties: the lower index). */
static int next_best(const float *p, int K, const int *taken) {
    int best = -1;
    for (int k = 0; k < K; k++)
        if (!taken[k] && (best < 0 || p[k] > p[best])) best = k;
    return best;
}

int main(int argc, char **argv) {
    const char *spec = NULL;
    int top = 5, a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "--device") == 0) spec = argv[a + 1];
        else if (strcmp(argv[a], "--top") == 0) top = atoi(argv[a + 1]);
        else break;
    }
    if (argc - a < 2 || top < 1) {
        fprintf(stderr, "usage: classify [--device SPEC] [--top K] WEIGHTS IMAGE...\n");
        return 2;
    }
    an_devices *devs = NULL;
    an_network *net = NULL;
    an_network_info info;
    if (an_devices_open(spec, &devs) != AN_OK) return fail("opening the device");
    if (an_network_open(devs, argv[a], NULL, &net) != AN_OK) return fail(argv[a]);
    an_network_get_info(net, &info);
    if (top > info.classes) top = info.classes;
    float *probs = malloc((size_t)info.classes * sizeof(float));
    int *taken = malloc((size_t)info.classes * sizeof(int));
    int failed = 0;
    for (int i = a + 1; i < argc; i++) {
        size_t len = 0;
        unsigned char *jpeg = read_file(argv[i], &len);
        if (!jpeg || an_network_classify_jpeg(net, jpeg, len, AN_OUTPUT_PROBS, probs) != AN_OK) {
            fprintf(stderr, "classify: %s: %s\n", argv[i], jpeg ? an_last_error() : "unreadable");
            failed++;
            free(jpeg);
            continue;
        }
        free(jpeg);
        printf("%s\n", argv[i]);
        memset(taken, 0, (size_t)info.classes * sizeof(int));
        for (int j = 0; j < top; j++) {
            int k = next_best(probs, info.classes, taken);
            const char *name = NULL;
            char unnamed[32];
            taken[k] = 1;
            an_network_class_name(net, k, &name);
            snprintf(unnamed, sizeof unnamed, "class %d", k);
            printf("  %8.4f%%  %4d  %s\n", 100.0 * probs[k], k, name ? name : unnamed);
        }
    }
    free(probs);
    free(taken);
    an_network_close(net);
    an_devices_close(devs);
    return failed ? 1 : 0;
}
