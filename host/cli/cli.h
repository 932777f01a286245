/* host/cli/cli.h - what the `alexnet` subcommands share: option parsing, device opening, output.
 *
 * Each subcommand lives in host/cli/cmd_<name>.c as `int cmd_<name>(int argc, char **argv)`
 * (argv[0] is the subcommand's name) and is listed in commands.h and main.c's table. It returns
 * the process exit status: 0 success, 1 failure (message printed), 2 usage error. */
#ifndef AN_CLI_CLI_H
#define AN_CLI_CLI_H

#include <stdio.h>

#include "cli/commands.h"
#include "runtime/runtime.h"

typedef enum { CLI_FLAG, CLI_STR, CLI_INT, CLI_FLOAT, CLI_CHOICE } cli_kind;

typedef struct cli_opt {
    const char *name;    /* "--batch" */
    cli_kind kind;
    void *dst;           /* int* for FLAG/INT, const char** for STR/CHOICE, double* for FLOAT */
    const char *metavar; /* "N", "FILE" (NULL for flags) */
    const char *help;
    const char *choices; /* CLI_CHOICE: "plateau|step|fixed" */
} cli_opt;

/* Options every device-using subcommand takes: --device SPEC, --limits NAME and
 * --no-kernel-cache. */
typedef struct cli_device_opts {
    const char *device;
    const char *limits;
    int no_kernel_cache;
} cli_device_opts;
#define CLI_DEVICE_OPTIONS(o)                                                                   \
    {"--device", CLI_STR, &(o).device, "SPEC",                                                \
     "device(s): P:D, P:D,P:D for two, P:D.S a one-compute-unit sub-device, or a name "       \
     "substring (default: $ALEXNET_DEVICE, else the first GPU, else the first device, "       \
     "simulators only when named; see `alexnet devices`)", NULL},                              \
    {"--limits", CLI_STR, &(o).limits, "NAME",                                                \
     "cap every device's limits to a GPU's: gtx580, gcn, xe, strict or none (default: "       \
     "$ALEXNET_LIMITS; see docs/GPU.md)", NULL},                                               \
    {"--no-kernel-cache", CLI_FLAG, &(o).no_kernel_cache, NULL,                                \
     "do not read or write compiled kernels on disk (also ALEXNET_KERNEL_CACHE=off)", NULL}

/* Parse argv[1..] against opts (terminated by {0}). Positional arguments are collected into
 * pos (up to max_pos; more is an error). `--help`/`-h` prints usage and the options.
 * Returns 0 to go on, -1 when help was printed (exit 0), 2 on a usage error (printed). */
int cli_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc, char **argv,
              const char **pos, int max_pos, int *npos);

/* Apply --limits (an_limits_use) when given; on an unknown name prints the error, returns 1. */
int cli_use_limits(const char *limits);

/* Open the devices the spec names (want: 1, 2, or 0 for "as the spec says"). On failure prints
 * the error and returns nonzero. */
int cli_open_devices(const cli_device_opts *o, int want, an_dev *devs, int *ndev);

/* `alexnet eval` and `alexnet features`: the evaluation options their shared flags give into
 * *eo (batch 0: default_batch; a model batch of ten views per image with ten_crop, two with
 * flip). A negative number is a usage error: printed, 2 returned; else 0. */
struct an_eval_opts;
int cli_eval_opts(const char *cmd, int batch, int default_batch, int threads, int size,
                  int ten_crop, int flip, const char *classes, struct an_eval_opts *eo);

/* Print "alexnet <cmd>: <msg>" to stderr and return rc. */
int cli_say(const char *cmd, int rc, const char *msg);

/* Load the net net_name names into *net and open the devices o names (up to AN_MAX_SELECTED)
 * into devs; on failure prints why, frees what it made and returns 1 (else 0). */
struct an_net;
int cli_open_net(const char *cmd, const char *net_name, const cli_device_opts *o,
                 struct an_net **net, an_dev *devs, int *ndev);

/* Print "alexnet <cmd>: <an_last_error()>" to stderr and return 1. */
int cli_fail(const char *cmd, an_status s);

/* Write s as a JSON string (quoted, with ", \ and control characters escaped) to f. */
void cli_json_string(FILE *f, const char *s);

/* 1 when stderr is a terminal (progress bars), 0 for plain log lines. */
int cli_is_tty(void);

/* The convolution tuner's progress (an_tune_progress): one line to stderr. ctx: unused. */
void cli_tune_progress(void *ctx, const char *line);

#endif
