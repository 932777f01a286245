/* host/cli/main.c - the `alexnet` command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    {"devices", cmd_devices, "list OpenCL platforms and devices (clinfo-style; --json)"},
    {"selfcheck", cmd_selfcheck, "build every kernel on a device and check an op against the CPU"},
    {"summary", cmd_summary, "a net's layers, towers, shapes, parameters and multiply-adds"},
    {"prepare", cmd_prepare, "JPEG folder tree -> packed shards, index, classes, statistics"},
    {"train", cmd_train, "train a net with SGD (the paper's recipe by default)"},
    {"eval", cmd_eval, "top-1/top-5 error and loss of a weights file on a data set"},
    {"classify", cmd_classify, "the most likely classes of JPEG images"},
    {"features", cmd_features,
     "a layer's activations (fc7) per image of a data set or of JPEG files, as a .npy"},
    {"filters", cmd_filters, "a conv layer's kernels as a PNG image grid (the paper's Figure 3)"},
    {"bench", cmd_bench, "per-layer device time, GFLOP/s, images/s of inference or training"},
    {"tune", cmd_tune, "time the conv algorithms of a net's layers; keep the fastest (cached)"},
    {"bench-gemm", cmd_bench_gemm, "GFLOP/s of the GEMM backends on AlexNet's shapes vs the FMA peak"},
    {"bench-data", cmd_bench_data, "decode-and-augment images/s of the data loader"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: alexnet <command> [options]   (alexnet <command> --help for details)\n\n"
               "AlexNet (Krizhevsky, Sutskever, Hinton 2012) on OpenCL.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nenvironment: ALEXNET_DEVICE (default --device), ALEXNET_KERNEL_CACHE=off,\n"
               "             ALEXNET_KERNEL_DIR (load cl/*.cl from a directory),\n"
               "             ALEXNET_TUNE=off|retune (--conv auto's timing; docs/TUNE.md),\n"
               "             ALEXNET_LIMITS=gtx580|gcn|xe|strict (a GPU's limits; docs/GPU.md),\n"
               "             ALEXNET_HUGEPAGES=off (a CPU device's large buffers on 4 KiB pages)\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("alexnet-cl %s\n", ALEXNET_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "alexnet: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
